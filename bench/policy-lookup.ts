/**
 * Policy lookup for an incoming IKE_AUTH: findPolicyForPeer (the engine's choice of the
 * policy for the peer's address, our address and the peer's ID) over the policies of a
 * generated iked.conf (conf-generate.ts) of N policies, per lookup, for three peers:
 * a certificate peer (exact peer address and dstid; the match is near the end), a road
 * warrior (peer any, its user ID) and a stranger that nothing matches.
 * Run: npx tsc -p . && node dist/bench/policy-lookup.js [N ...]   (default 10 1000 10000)
 */
import { parseConfigText } from '../src/conf/load';
import { buildPolicy, findPolicyForPeer } from '../src/ikev2/policy/policy';
import { parseIdentity } from '../src/crypto/identity';
import { generateConf } from './conf-generate';

interface Peer {
  label: string;
  remote: string;
  local: string;
  id: string;
  /** The policy that must be chosen (null: none). */
  want: string | null;
}

function peers(n: number): Peer[] {
  // the last certificate policy (kind 1 of conf-generate.ts) and the last road warrior (kind 4)
  let cert = n - 1;
  while (cert % 5 !== 1) cert--;
  let road = n - 1;
  while (road % 5 !== 4) road--;
  const a = (cert >> 16) & 255;
  const c = cert & 255;
  return [
    { label: 'certificate peer', remote: `198.51.${a}.${c}`, local: '192.0.2.1', id: `peer${cert}@example.com`, want: `cert${cert}` },
    { label: 'road warrior', remote: '203.0.113.77', local: '192.0.2.1', id: `user${road}@example.com`, want: `road${road}` },
    { label: 'no match', remote: '203.0.113.77', local: '192.0.2.1', id: 'stranger@example.net', want: null },
  ];
}

export function measurePolicyLookup(n: number): { label: string; us: number }[] {
  const r = parseConfigText(generateConf(n), `gen-${n}.conf`, { checkPermissions: false, interfaces: () => undefined });
  if (!r.config) throw new Error(`generated config refused: ${JSON.stringify(r.errors.slice(0, 2))}`);
  const policies = r.config.policies.map(buildPolicy);
  return peers(n).map((p) => {
    const id = parseIdentity(p.id);
    const got = findPolicyForPeer(policies, p.remote, p.local, id);
    if ((got?.name ?? null) !== p.want) throw new Error(`${p.label}: chose ${got?.name ?? 'none'}, expected ${p.want ?? 'none'}`);
    const lookups = Math.max(20, Math.min(200_000, Math.round(2_000_000 / n)));
    for (let i = 0; i < lookups; i++) findPolicyForPeer(policies, p.remote, p.local, id); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < lookups; i++) findPolicyForPeer(policies, p.remote, p.local, id);
    return { label: p.label, us: Number(process.hrtime.bigint() - t0) / 1000 / lookups };
  });
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number);
  for (const n of sizes.length ? sizes : [10, 1000, 10_000]) {
    for (const m of measurePolicyLookup(n)) console.log(`BENCH policy_lookup policies=${n} peer="${m.label}" us_per_lookup=${m.us.toFixed(2)}`);
  }
}
