/** CREATE_CHILD_SA rekeys: Child SA with and without PFS, IKE SA, and simultaneous Child SA rekeys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makePair,
  establish,
  assertChildKeysMatch,
  shutdownAll,
  established,
  installedChildren,
  waitFor,
  settle,
  tail,
  Node,
  Pair,
} from '../helpers/engine-pair';
import { rekeyChild, rekeyIke } from '../../src/ikev2/exchange/create-child-sa';
import { sendLivenessCheck, deleteChild } from '../../src/ikev2/exchange/informational';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';
import { tsText } from '../../src/ikev2/policy/traffic-selectors';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';

function kernelSpis(n: Node): number[] {
  return n.kernel
    .listSas()
    .map((s) => s.spi)
    .sort();
}

function requestLines(n: Node, exchange: string): string[] {
  return n.lines.filter((l) => new RegExp(`^spi=0x[0-9a-f]+: ${exchange} request \\d+ \\[`).test(l));
}

/** Both sides: one ESTABLISHED IKE SA with one INSTALLED Child SA, and nothing else in the kernel. */
async function waitSteady(p: Pair, what: string): Promise<void> {
  await waitFor(
    () =>
      [p.a, p.b].every(
        (n) =>
          established(n).length === 1 &&
          n.engine.sas.size === 1 &&
          installedChildren(n).length === 1 &&
          established(n)[0].children.length === 1 &&
          n.kernel.listSas().length === 2 &&
          !established(n)[0].pending &&
          established(n)[0].queue.length === 0,
      ),
    () => `${what}; ${tail(p.a)}; ${tail(p.b)}`,
  );
  await settle(p.net);
}

for (const pfs of [false, true]) {
  for (const who of ['a', 'b'] as const) {
    test(`Child SA rekey started by ${who === 'a' ? 'the initiator' : 'the responder'} ${pfs ? 'with' : 'without'} PFS`, async () => {
      const childsa = pfs ? 'enc aes-128-gcm group curve25519' : 'enc aes-128-gcm';
      const p = makePair({ ikesa: IKESA, childsa });
      try {
        const { ia, ib } = await establish(p);
        const [n, sa] = who === 'a' ? [p.a, ia] : [p.b, ib];
        const peer = who === 'a' ? p.b : p.a;
        const old = sa.children[0];
        const oldSpis = [...kernelSpis(p.a)];
        const flowsA = p.a.kernel.listFlows().length;
        rekeyChild(n.engine, sa, old);
        await waitFor(() => kernelSpis(p.a).every((s) => !oldSpis.includes(s)) && kernelSpis(p.b).every((s) => !oldSpis.includes(s)), () => `old SPIs removed; ${tail(p.a)}; ${tail(p.b)}`);
        await waitSteady(p, 'steady after rekey');
        const fresh = installedChildren(n)[0];
        assert.notEqual(fresh.spiIn, old.spiIn);
        assert.equal(fresh.rekeyOf, old.spiIn);
        assert.equal(fresh.reqid, old.reqid, 'the reqid is kept');
        assert.deepEqual(fresh.tsLocal.map(tsText), old.tsLocal.map(tsText), 'same selectors');
        assertChildKeysMatch(p.a, p.b);
        for (const s of oldSpis) assert.ok(!kernelSpis(p.a).includes(s) && !kernelSpis(p.b).includes(s), 'old SAs gone from both kernels');
        assert.equal(p.a.kernel.listFlows().length, flowsA, 'flows stay');
        assert.equal(p.b.kernel.listFlows().length, flowsA);
        assert.equal(n.engine.stats.childSasRekeyed, 1);
        assert.equal(peer.engine.stats.childSasRekeyed, 1);
        const req = requestLines(peer, 'CREATE_CHILD_SA');
        assert.equal(req.length, 1);
        assert.equal(/\bKE\b/.test(req[0]), pfs, `KE payload ${pfs ? 'present' : 'absent'}: ${req[0]}`);
        assert.ok(/REKEY_SA/.test(req[0]), req[0]);
        // the IKE SA is still usable afterwards
        sendLivenessCheck(n.engine, sa);
        await waitFor(() => !sa.pending && sa.queue.length === 0, 'liveness after rekey');
        assert.equal(sa.state, 'ESTABLISHED');
        // the successor took over the flows and the reqid: deleting it leaves nothing behind
        assert.ok(fresh.flowsHeld, 'the successor holds the flows once its predecessor is gone');
        deleteChild(n.engine, sa, fresh, 'test');
        await waitFor(() => [p.a, p.b].every((x) => x.kernel.listSas().length === 0 && x.kernel.listFlows().length === 0), () => `all gone; ${tail(p.a)}; ${tail(p.b)}`);
        assert.equal(p.a.engine.reqids.size + p.b.engine.reqids.size, 0, 'reqids released');
      } finally {
        await shutdownAll(p.net, p.a, p.b);
      }
    });
  }
}

for (const who of ['a', 'b'] as const) {
  test(`IKE SA rekey started by ${who === 'a' ? 'the initiator' : 'the responder'}: children move, old SA gone, new keys work`, async () => {
    const p = makePair({ ikesa: IKESA, childsa: 'enc aes-128-gcm' });
    try {
      const { ia, ib } = await establish(p);
      const [n, sa] = who === 'a' ? [p.a, ia] : [p.b, ib];
      const child = sa.children[0];
      const oldSpis = kernelSpis(p.a);
      rekeyIke(n.engine, sa);
      await waitFor(() => ia.state === 'DEAD' && ib.state === 'DEAD', () => `old IKE SAs gone; ${tail(p.a)}; ${tail(p.b)}`);
      await waitSteady(p, 'steady after IKE rekey');
      const na = established(p.a)[0];
      const nb = established(p.b)[0];
      assert.notEqual(na, ia);
      assert.notEqual(nb, ib);
      assert.ok(!na.spiI.equals(ia.spiI) && !na.spiR.equals(ia.spiR), 'new SPIs');
      assert.deepEqual(na.spiI, nb.spiI);
      assert.deepEqual(na.spiR, nb.spiR);
      assert.equal(na.initiator, who === 'a', 'the rekey initiator is the new original initiator');
      assert.equal(nb.initiator, who === 'b');
      assert.notDeepEqual(na.keys!.skD, undefined);
      assert.deepEqual(na.keys!.skEi, nb.keys!.skEi);
      assert.ok(!na.keys!.skEi.equals(Buffer.alloc(na.keys!.skEi.length)));
      assert.ok(n.engine.sas.get(sa.localSpi) === undefined, 'old SPI no longer in the table');
      // the Child SA moved, untouched
      const moved = (who === 'a' ? na : nb).children[0];
      assert.equal(moved, child);
      assert.deepEqual(kernelSpis(p.a), oldSpis);
      assertChildKeysMatch(p.a, p.b);
      assert.equal(p.a.engine.stats.ikeSasRekeyed, 1);
      assert.equal(p.b.engine.stats.ikeSasRekeyed, 1);
      // the new keys work, both ways
      for (const [x, s] of [
        [p.a, na],
        [p.b, nb],
      ] as [Node, IkeSa][]) {
        const next = s.nextRequestId;
        sendLivenessCheck(x.engine, s);
        await waitFor(() => s.nextRequestId === next + 1 && !s.pending, () => `liveness on the new SA from ${x.name}; ${tail(x)}`);
      }
      assert.equal(p.a.engine.stats.rxIntegrityFailures + p.b.engine.stats.rxIntegrityFailures, 0);
      // and a Child SA rekey over the new IKE SA works too
      rekeyChild(p.a.engine, na, na.children[0]);
      await waitFor(() => !kernelSpis(p.a).includes(oldSpis[0]), 'child rekeyed over the new IKE SA');
      await waitSteady(p, 'steady after child rekey');
      assertChildKeysMatch(p.a, p.b);
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });
}

for (const pfs of [false, true]) {
  test(`simultaneous Child SA rekey by both sides ${pfs ? 'with' : 'without'} PFS ends with exactly one Child SA pair`, async () => {
    const p = makePair({ ikesa: IKESA, childsa: pfs ? 'enc aes-128-gcm group curve25519' : 'enc aes-128-gcm' });
    try {
      const { ia, ib } = await establish(p);
      const oldSpis = kernelSpis(p.a);
      rekeyChild(p.a.engine, ia, ia.children[0]);
      rekeyChild(p.b.engine, ib, ib.children[0]);
      await waitFor(
        () => kernelSpis(p.a).every((s) => !oldSpis.includes(s)) && kernelSpis(p.b).every((s) => !oldSpis.includes(s)),
        () => `old SPIs removed; ${tail(p.a, 12)}; ${tail(p.b, 12)}`,
      );
      await waitSteady(p, 'exactly one Child SA pair on both sides');
      assertChildKeysMatch(p.a, p.b);
      assert.equal(p.a.kernel.listFlows().length, 3);
      assert.equal(p.b.kernel.listFlows().length, 3);
      assert.ok(p.a.lines.concat(p.b.lines).some((l) => l.includes('simultaneous rekey')), 'the collision was detected');
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });
}

test('an IKE SA rekey moves the Child SA with its rekey and expiry times (the kernel hard lifetime was set at install)', async () => {
  const p = makePair({ ikesa: IKESA, childsa: 'enc aes-128-gcm' });
  try {
    const { ia } = await establish(p);
    const c = ia.children[0];
    const { rekeyAt, expireAt } = c;
    assert.ok(rekeyAt > 0 && expireAt > 0);
    await new Promise((r) => setTimeout(r, 30));
    rekeyIke(p.a.engine, ia);
    await waitFor(() => established(p.a).length === 1 && established(p.a)[0] !== ia && established(p.a)[0].children.includes(c), () => `rekeyed; ${tail(p.a)}`);
    assert.equal(c.rekeyAt, rekeyAt, 'rekey time kept');
    assert.equal(c.expireAt, expireAt, 'expiry kept');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
