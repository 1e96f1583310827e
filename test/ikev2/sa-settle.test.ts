/** After IKE_AUTH both sides drop what only AUTH needed and keep their bytes in one allocation; the SA keeps working. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, established, installedChildren, waitFor, tail } from '../helpers/engine-pair';
import { rekeyChild } from '../../src/ikev2/exchange/create-child-sa';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';

function assertSettled(sa: IkeSa, who: string): void {
  assert.equal(sa.state, 'ESTABLISHED');
  assert.equal(sa.initRequest, null, `${who}: IKE_SA_INIT request dropped`);
  assert.equal(sa.initResponse, null, `${who}: IKE_SA_INIT response dropped`);
  assert.equal(sa.ni.length + sa.nr.length, 0, `${who}: IKE_SA_INIT nonces dropped`);
  assert.equal(sa.keys!.skPi.length + sa.keys!.skPr.length, 0, `${who}: SK_pi/SK_pr dropped`);
  assert.ok(sa.keys!.skD.length > 0 && sa.keys!.skEi.length > 0 && sa.keys!.skEr.length > 0);
  // one allocation of its own (not an 8 KiB pool slab) holds SPIs, keys, selectors, identities
  const c = sa.children[0];
  const bufs = [sa.spiI, sa.spiR, sa.keys!.skD, sa.keys!.skEi, sa.keys!.skEr, c.keys!.encIn, c.keys!.encOut, c.tsLocal[0].startAddr, c.tsRemote[0].endAddr, sa.remoteId!.data];
  const backing = sa.spiI.buffer;
  for (const b of bufs) assert.equal(b.buffer, backing, `${who}: packed into one buffer`);
  const packed = bufs.reduce((n, b) => n + b.length, 0);
  assert.ok(backing.byteLength >= packed && backing.byteLength < 4096, `${who}: own allocation of ${backing.byteLength} bytes`);
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
