/** After IKE_AUTH both sides drop what only AUTH needed and keep their bytes in one allocation; the SA keeps working. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, established, installedChildren, waitFor, tail, settle } from '../helpers/engine-pair';
import { rekeyChild } from '../../src/ikev2/exchange/create-child-sa';
import { sendLivenessCheck } from '../../src/ikev2/exchange/informational';
import { NO_REQUESTS, type IkeSa } from '../../src/ikev2/sa/ike-sa';
import { PackedResponse } from '../../src/ikev2/sa/packed-views';
import { EXCHANGE, FLAG } from '../../src/wire/iana';

function assertSettled(sa: IkeSa, who: string): void {
  assert.equal(sa.state, 'ESTABLISHED');
  assert.equal(sa.initRequest, null, `${who}: IKE_SA_INIT request dropped`);
  assert.equal(sa.initResponse, null, `${who}: IKE_SA_INIT response dropped`);
  assert.equal(sa.ni.length + sa.nr.length, 0, `${who}: IKE_SA_INIT nonces dropped`);
  assert.equal(sa.keys!.skPi.length + sa.keys!.skPr.length, 0, `${who}: SK_pi/SK_pr dropped`);
  assert.ok(sa.keys!.skD.length > 0 && sa.keys!.skEi.length > 0 && sa.keys!.skEr.length > 0);
  // one allocation of its own (not an 8 KiB pool slab) holds SPIs, keys, selectors, identities
  const c = sa.children[0];
  const bufs = [sa.spiI, sa.spiR, sa.keys!.skD, sa.keys!.skEi, sa.keys!.skEr, c.keys!.encIn, c.keys!.encOut, c.tsRemote[0].endAddr, sa.remoteId!.data];
  const backing = sa.spiI.buffer;
  for (const b of bufs) assert.equal(b.buffer, backing, `${who}: packed into one buffer`);
  const packed = bufs.reduce((n, b) => n + b.length, 0);
  assert.ok(backing.byteLength >= packed && backing.byteLength < 4096, `${who}: own allocation of ${backing.byteLength} bytes`);
  // nothing rare is set: no side object, the shared empty request queue, a frozen shared identity of ours
  assert.equal(sa.rare, null, `${who}: no side object for rare fields`);
  assert.equal(sa.queue, NO_REQUESTS, `${who}: shared empty queue`);
  assert.ok(Object.isFrozen(sa.localId) && Object.isFrozen(sa.keMethods), `${who}: shared identity and methods`);
  assert.ok(Object.isFrozen(c.tsLocal) && Object.isFrozen(c.tsLocal[0]), `${who}: our selectors shared`);
  // both endpoints shared (frozen), the Child SA placed at the same objects
  assert.ok(Object.isFrozen(sa.local) && Object.isFrozen(sa.remote), `${who}: shared endpoints`);
  assert.ok(c.placed && c.placed.local === sa.local && c.placed.remote === sa.remote, `${who}: Child SA placed at the shared endpoints`);
}

test('settled SAs: AUTH-only state dropped, bytes packed, a Child SA rekey still works', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' });
  try {
    const { ia, ib } = await establish(p);
    await waitFor(() => !ia.pending && !ib.pending, 'IKE_AUTH over');
    assertSettled(ia, 'initiator');
    assertSettled(ib, 'responder');
    assertChildKeysMatch(p.a, p.b);
    const before = ia.children[0].spiIn;
    rekeyChild(p.a.engine, ia, ia.children[0]);
    await waitFor(
      () => [p.a, p.b].every((n) => installedChildren(n).length === 1 && n.kernel.listSas().length === 2) && installedChildren(p.a)[0].spiIn !== before,
      () => `Child SA rekeyed with SK_d of the settled SA; ${tail(p.a)}; ${tail(p.b)}`,
    );
    assertChildKeysMatch(p.a, p.b);
    assert.equal(established(p.a).length, 1);
    assert.equal(established(p.b).length, 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('settled SAs: a retransmitted IKE_AUTH gets the packed response; queued requests, IKE SA rekey and delete work', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' });
  try {
    const { ia, ib } = await establish(p);
    await waitFor(() => !ia.pending && !ib.pending, 'IKE_AUTH over');
    await settle(p.net);
    assert.ok(ib.lastResponse instanceof PackedResponse, 'one-packet IKE_AUTH response packed');
    const authResponse = p.net.delivered((r) => r.src.address === p.b.address && r.exchange === EXCHANGE.IKE_AUTH && !!(r.flags & FLAG.RESPONSE))[0];
    assert.deepEqual(ib.lastResponse!.packets, [authResponse.packet], 'the same bytes as sent');
    const authRequest = p.net.delivered((r) => r.src.address === p.a.address && r.exchange === EXCHANGE.IKE_AUTH && !(r.flags & FLAG.RESPONSE))[0];
    const sentBefore = p.b.sent.length;
    p.net.inject({ packet: authRequest.packet, src: authRequest.src, dst: authRequest.dst });
    await waitFor(() => p.b.sent.length === sentBefore + 1, 'retransmitted IKE_AUTH answered');
    assert.deepEqual(p.b.sent[sentBefore].packet, authResponse.packet, 'answered with the cached response');

    // a request on a settled SA goes through the shared empty queue and leaves it shared again
    sendLivenessCheck(p.a.engine, ia);
    await waitFor(() => ia.pending === null && ia.nextRequestId === 3, 'liveness check answered');
    assert.equal(ia.queue, NO_REQUESTS);

    // IKE SA rekey: the fresh SA settles the same way, Child SA moved; then a delete ends it on both sides
    p.a.engine.rekeyIkeSa(ia);
    await waitFor(() => established(p.a).length === 1 && established(p.a)[0] !== ia && established(p.b).length === 1 && established(p.b)[0] !== ib, () => `IKE SA rekeyed; ${tail(p.a)}; ${tail(p.b)}`);
    const fresh = established(p.a)[0];
    assert.equal(fresh.children.length, 1);
    p.a.engine.deleteIkeSa(fresh, 'test', true);
    await waitFor(() => established(p.a).length === 0 && established(p.b).length === 0, () => `deleted on both sides; ${tail(p.b)}`);
    assert.equal(p.b.kernel.listSas().length, 0);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
