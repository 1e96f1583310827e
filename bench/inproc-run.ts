/**
 * `node dist/bench/inproc-run.js [case] [count]`: in-process handshakes (client and
 * responder on one thread), for `node --cpu-prof`. Prints SA/s and ms per SA (both sides).
 */
import { benchCase, CaseName, ALL_CASES } from './bench-configs';
import { makePair } from './inproc-pair';
import { runLoad } from './load-initiator';
import { benchPki } from './pki';

async function main(): Promise<void> {
  const name = (process.argv[2] ?? 'psk-ecp256') as CaseName;
  if (!ALL_CASES.includes(name)) throw new Error(`unknown case '${name}' (one of ${ALL_CASES.join(', ')})`);
  const count = Number(process.argv[3] ?? 2000);
  const c = benchCase(name);
  const auths = c.auth === 'rsa' ? await benchPki().then((p) => p.authProviders()) : undefined;
  const pair = makePair(c, 4, auths);
  // IKED_INPROC_RELEASE=1: each SA is deleted once established (as the bench's measured runs do)
  for (const lc of pair.clients) lc.release = process.env.IKED_INPROC_RELEASE === '1';
  await runLoad(pair.clients, 200, 32, 1_000_000); // warm-up
  const cpu0 = process.cpuUsage();
  const r = await runLoad(pair.clients, count, 32);
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `inproc ${name}: ${r.established}/${count} established, ${r.failed} failed ${JSON.stringify(r.failures)}, ${r.childSas} child SAs, ${r.retransmits} retransmits, ` +
      `${((r.established * 1000) / r.wallMs).toFixed(0)} SA/s, ${(cpuMs / Math.max(1, r.established)).toFixed(3)} ms CPU per SA (client + responder)`,
  );
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
