/**
 * Times parsing and checking of generated iked.conf files with 1k, 10k and
 * 100k policies; the time per policy must stay flat (the parser is linear).
 * Run: npx tsc -p . && node dist/bench/conf-parse.js   (or node --import tsx bench/conf-parse.ts)
 */
import { parseConfigText } from '../src/conf/load';
import { printPolicy } from '../src/conf/printer';

function generate(n: number): string {
  const lines: string[] = ['# generated', 'gw = "192.0.2.254"', 'set passive', 'user "alice" "secret"'];
  for (let i = 0; i < n; i++) {
    const a = (i >> 8) & 255;
    const b = i & 255;
    switch (i % 4) {
      case 0:
        lines.push(`ikev2 "p${i}" active esp from 10.${a}.${b}.0/24 to 172.16.${b}.0/24 peer $gw psk "key ${i}"`);
        break;
      case 1:
        lines.push(
          `ikev2 quick passive esp proto { tcp, udp } from 10.${a}.${b}.1 port 22 to 10.200.${b}.0/24 \\\n` +
            `  ikesa enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group ecp256 childsa enc aes-256-gcm esn \\\n` +
            `  srcid gw${i}.example.com dstid "peer${i}@example.com" lifetime 1h bytes 1G`,
        );
        break;
      case 2:
        lines.push(`ikev2 "v6-${i}" passive inet6 from 2001:db8:${a.toString(16)}:${b.toString(16)}::/64 to any local 2001:db8::1 eap "mschap-v2" config address 2001:db8:ffff::/112`);
        break;
      default:
        lines.push(`ikev2 skip from any to dynamic local any peer any ikelifetime 2h rsa tag "t${i}"`);
    }
  }
  return lines.join('\n') + '\n';
}

function time(n: number): { n: number; ms: number; bytes: number } {
  const text = generate(n);
  const t0 = process.hrtime.bigint();
  const r = parseConfigText(text, `gen-${n}.conf`, { checkPermissions: false });
  if (!r.config || r.errors.length) throw new Error(`generated config has errors: ${JSON.stringify(r.errors.slice(0, 3))}`);
  if (r.config.policies.length !== n) throw new Error(`expected ${n} policies, got ${r.config.policies.length}`);
  // Checking includes printing every policy, as `iked -n -v` does.
  let chars = 0;
  for (const p of r.config.policies) chars += printPolicy(p).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { n, ms, bytes: text.length + chars };
}

time(200); // warm up
const results = [1000, 10000, 100000].map(time);
for (const r of results) {
  console.log(`${String(r.n).padStart(7)} policies: ${r.ms.toFixed(1).padStart(9)} ms  ${((r.ms * 1000) / r.n).toFixed(2).padStart(7)} us/policy  (${(r.bytes / 1e6).toFixed(1)} MB)`);
}
const per = results.map((r) => r.ms / r.n);
const ratio = per[2] / per[0];
console.log(`per-policy time 100k/1k: ${ratio.toFixed(2)} (${ratio < 3 ? 'linear' : 'NOT linear'})`);
