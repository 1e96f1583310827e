/** RFC 7296 2.8.1 / 2.25: simultaneous IKE SA rekeys, and PFS enforcement on CREATE_CHILD_SA. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, established, installedChildren, waitFor, settle, tail } from '../helpers/engine-pair';
import { rekeyIke, createChild } from '../../src/ikev2/exchange/create-child-sa';
import { sendLivenessCheck } from '../../src/ikev2/exchange/informational';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';

test('simultaneous IKE SA rekey by both sides ends with one IKE SA on both sides, children kept', async () => {
  const p = makePair({ ikesa: IKESA, childsa: 'enc aes-128-gcm' });
  try {
    const { ia, ib } = await establish(p);
    const oldSpiI = ia.spiI.toString('hex');
    const childSpis = ia.children.map((c) => c.spiIn);
    rekeyIke(p.a.engine, ia);
    rekeyIke(p.b.engine, ib);
    await waitFor(
      () =>
        [p.a, p.b].every((n) => {
          const e = established(n);
          return n.engine.sas.size === 1 && e.length === 1 && e[0].spiI.toString('hex') !== oldSpiI && e[0].children.length === 1 && !e[0].pending;
        }),
      () => `one new IKE SA on both sides; ${tail(p.a, 15)}; ${tail(p.b, 15)}`,
    );
    await settle(p.net);
    const [na] = established(p.a);
    const [nb] = established(p.b);
    assert.equal(na.spiI.toString('hex'), nb.spiI.toString('hex'), 'both sides kept the same new IKE SA');
    assert.equal(na.spiR.toString('hex'), nb.spiR.toString('hex'));
    assert.deepEqual(na.children.map((c) => c.spiIn), childSpis, 'the Child SA moved to the surviving IKE SA');
    assert.ok(p.a.lines.concat(p.b.lines).some((l) => l.includes('simultaneous IKE SA rekey')), 'the collision was detected');
    // the surviving SA works: a liveness check is answered
    const before = p.b.requestsSeen ?? 0;
    sendLivenessCheck(p.a.engine, na);
    await waitFor(() => !na.pending, () => `liveness answered; ${tail(p.a)}`);
    void before;
    assertChildKeysMatch(p.a, p.b);
    assert.equal(installedChildren(p.a).length, 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a policy with PFS groups refuses a CREATE_CHILD_SA without key exchange', async () => {
  // a: no PFS; b: insists on curve25519 for new Child SAs
  const p = makePair({ ikesa: IKESA, childsa: 'enc aes-128-gcm', bChildsa: 'enc aes-128-gcm group curve25519' });
  try {
    const { ia } = await establish(p);
    await createChild(p.a.engine, ia);
    await waitFor(() => p.a.lines.some((l) => /CREATE_CHILD_SA refused: NO_PROPOSAL_CHOSEN/.test(l)), () => `refusal; ${tail(p.a)}; ${tail(p.b)}`);
    assert.equal(established(p.a)[0].children.length, 1, 'no second Child SA without PFS');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
