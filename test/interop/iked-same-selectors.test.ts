/**
 * Many IKE SAs from one strongSwan instance with identical traffic selectors
 * (namespaces; needs root and strongSwan). One charon in B holds N connections
 * (distinct identities c<i>.test, one address, every Child SA asking for
 * 10.2.0.0/24 === 10.1.0.0/24), all started at once by start_action = start; our
 * iked in A answers with one passive policy. Every IKE SA and Child SA must be
 * established on both sides (the flows are shared, src/platform/flow-shares.ts):
 * before, every SA after the first failed with TEMPORARY_FAILURE (flow EEXIST).
 * N = IKED_SAME_TS_N (default 1000).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, PSK, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();
const N = Number(process.env.IKED_SAME_TS_N ?? 1000);
const IKE = IKE_PROPOSALS[0];
const ESP = ESP_PROPOSALS[0];

function swanConf(local: string, remote: string, n: number): string {
  const out = ['connections {'];
  for (let i = 0; i < n; i++) {
    out.push(
      `  c${i} {`,
      '    version = 2',
      `    local_addrs = ${local}`,
      `    remote_addrs = ${remote}`,
      '    encap = yes',
      `    proposals = ${IKE.swan}`,
      `    local { auth = psk\n      id = c${i}.test }`,
      '    remote { auth = psk\n      id = gw.test }',
      `    children { net { local_ts = 10.2.0.0/24\n        remote_ts = 10.1.0.0/24\n        esp_proposals = ${ESP.swan}\n        start_action = start } }`,
      '  }',
    );
  }
  // a secret without ids applies to every identity
  out.push('}', 'secrets {', `  ike-all {\n    secret = "${PSK}"\n  }`, '}');
  return out.join('\n') + '\n';
}

/** IKE SAs in charon's `swanctl --stats`. */
async function charonIkeSas(c: Charon): Promise<{ total: number; halfOpen: number }> {
  const r = await c.swanctl(['--stats']);
  const m = /IKE_SAs:\s*(\d+) total,\s*(\d+) half-open/.exec(r.stdout);
  if (!m) throw new Error(`swanctl --stats: ${r.stdout}${r.stderr}`);
  return { total: Number(m[1]), halfOpen: Number(m[2]) };
}

test(`${N} IKE SAs from one strongSwan with identical selectors: all established`, { timeout: 600_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeTwoHosts('isel');
  const { a: A, b: B } = topo;
  const conf = [
    'set decouple',
    `ikev2 "gw" passive esp from 10.1.0.0/24 to 10.2.0.0/24 local ${A.addr} peer any \\`,
    `  ikesa ${IKE.iked} childsa ${ESP.iked} srcid gw.test psk "${PSK}"`,
    '',
  ].join('\n');
  const iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf });
  let charon: Charon | undefined;
  try {
    const t0 = Date.now();
    charon = await Charon.start({
      ns: B.ns,
      name: 'many',
      swanctlConf: swanConf(B.addr, A.addr, N),
      logLevels: { default: 0, ike: 0, cfg: 0, knl: 0 },
      // N initiations at once: give retransmissions room (cookies engage at our half-open threshold)
      charonSettings: { retransmit_timeout: 2, retransmit_base: 1.4, retransmit_tries: 6 },
      startTimeoutMs: 30_000,
    });
    await charon.loadAll(); // start_action = start: all N initiate now
    const c = charon;
    // every IKE SA up in charon; a refused Child SA makes charon drop its IKE SA: fail at once then
    for (const end = Date.now() + 300_000; ; ) {
      const refused = /.*(TEMP_FAIL|Child SA setup failed).*/.exec(iked.log());
      assert.equal(refused, null, `iked refused a Child SA: ${refused?.[0]}`);
      const s = await charonIkeSas(c);
      if (s.total === N && s.halfOpen === 0) break;
      assert.ok(Date.now() < end, `timed out waiting for ${N} IKE SAs in charon: ${JSON.stringify(s)}\n${iked.log().split('\n').slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const ours = await waitUntil(`${N} established IKE SAs with installed Child SAs in iked`, 60_000, async () => {
      const l = (await iked.showSa()).filter((s) => s.state === 'ESTABLISHED' && s.children.length === 1);
      return l.length === N ? l : null;
    });
    const secs = (Date.now() - t0) / 1000;
    t.diagnostic(`${N} IKE SAs with identical Child SA selectors established in ${secs.toFixed(1)} s (${(N / secs).toFixed(0)} SA/s, charon start included)`);
    assert.equal(new Set(ours.map((s) => s.remoteId)).size, N, 'one IKE SA per identity');
    const log = iked.log();
    assert.doesNotMatch(log, /TEMP_FAIL|Child SA setup failed|already exists/, 'no Child SA refused for a shared flow');
    // charon kept every one (it deletes an IKE SA that got TEMPORARY_FAILURE in IKE_AUTH)
    const swan = await c.listSas();
    assert.equal(swan.filter((s) => s.state === 'ESTABLISHED' && s.children.some((x) => x.state === 'INSTALLED')).length, N);
  } finally {
    await iked.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});
