/** MOBIKE (RFC 4555) between two engines: the initiator moves, the SA and its Child SAs follow. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, shutdownAll, waitFor, settle, tail, installedChildren, Pair, B_ADDR } from '../helpers/engine-pair';
import { sendLivenessCheck, removeChildren } from '../../src/ikev2/exchange/informational';
import { mobikeActive, localAddressesChanged, updateSaAddresses } from '../../src/ikev2/exchange/mobike';
import { EXCHANGE } from '../../src/wire/iana';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';
const NEW_A = '192.0.2.11';

/** Give node a a second address on the net and make the routing table pick it. */
function moveA(p: Pair, to: string): void {
  p.net.attach({ address: to, receive: (pkt, l, r) => p.a.engine.handleDatagram(pkt, l, r) });
  p.net.detach(p.a.address);
  (p.a.engine.transport as { sourceFor: (r: string) => Promise<string> }).sourceFor = async () => to;
}

function kernelAddrs(p: Pair, sa: IkeSa, node: 'a' | 'b'): Array<[string, string, boolean]> {
  const n = p[node];
  return sa.children.flatMap((c) =>
    [c.spiIn, c.spiOut].map((spi) => {
      const s = n.kernel.listSas().find((x) => x.spi === spi);
      assert.ok(s, `${node} has kernel SA 0x${spi.toString(16)}`);
      return [s.src, s.dst, !!s.encap] as [string, string, boolean];
    }),
  );
}

test('MOBIKE_SUPPORTED is exchanged in IKE_AUTH; the initiator moves and the SA continues', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any' });
  try {
    const { ia, ib } = await establish(p);
    assert.ok(mobikeActive(ia) && mobikeActive(ib), 'both sides agreed on MOBIKE');
    const spis = [ia.spiI.toString('hex'), ia.spiR.toString('hex')];
    const childSpis = installedChildren(p.a).map((c) => [c.spiIn, c.spiOut]);

    moveA(p, NEW_A);
    const moved = await localAddressesChanged(p.a.engine, [NEW_A]);
    assert.deepEqual(moved, [ia]);
    await waitFor(() => ib.remote.address === NEW_A && !ia.pending && ia.queue.length === 0, () => `address update; ${tail(p.a)}; ${tail(p.b)}`);
    await waitFor(() => p.a.lines.some((l) => /moved to/.test(l) && /Child SA/.test(l)), 'kernel state moved on a');
    await settle(p.net);

    // one INFORMATIONAL with UPDATE_SA_ADDRESSES, NAT detection and COOKIE2, sent from the new address on 4500
    const upd = p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL && !(r.flags & 0x20));
    assert.equal(upd.length, 1);
    assert.deepEqual(upd[0].src, { address: NEW_A, port: 4500 });
    assert.deepEqual(upd[0].dst, { address: B_ADDR, port: 4500 });
    // IKE is on 4500 since IKE_AUTH already (RFC 4555 3.3: MOBIKE moves to the NAT-T port without a NAT too)
    assert.ok(p.b.lines.some((l) => /UPDATE_SA_ADDRESSES: peer moved from 192\.0\.2\.1:4500 to 192\.0\.2\.11:4500/.test(l)), tail(p.b));
    assert.ok(p.b.lines.some((l) => /INFORMATIONAL request \d+ \[ N\(UPD_SA_ADDR\) N\(NATD_S_IP\) N\(NATD_D_IP\) N\(COOKIE2\) \]/.test(l)), 'b saw the notifies');
    assert.ok(p.b.lines.some((l) => /send INFORMATIONAL response \d+ \[ N\(NATD_S_IP\) N\(NATD_D_IP\) N\(COOKIE2\) \]/.test(l)), 'b answered with NAT detection and the COOKIE2 echo');

    // same IKE SA (SPIs), same Child SAs, no renegotiation
    assert.deepEqual([ia.spiI.toString('hex'), ia.spiR.toString('hex')], spis);
    assert.equal(p.a.engine.sas.all().length, 1);
    assert.equal(p.b.engine.sas.all().length, 1);
    assert.deepEqual(installedChildren(p.a).map((c) => [c.spiIn, c.spiOut]), childSpis);
    assert.equal(p.net.delivered((r) => r.exchange === EXCHANGE.CREATE_CHILD_SA).length, 0, 'no rekey');
    assert.equal(p.a.engine.stats.ikeSasEstablished + p.b.engine.stats.ikeSasEstablished, 2, 'no second IKE SA');
    assert.deepEqual(ia.local, { address: NEW_A, port: 4500 });
    assert.deepEqual(ib.local, { address: B_ADDR, port: 4500 });
    assert.equal(ia.natDetected || ib.natDetected, false);

    // the kernel SAs moved on both sides (in: peer -> us, out: us -> peer), keys unchanged
    assert.deepEqual(kernelAddrs(p, ia, 'a'), [
      [B_ADDR, NEW_A, false],
      [NEW_A, B_ADDR, false],
    ]);
    assert.deepEqual(kernelAddrs(p, ib, 'b'), [
      [NEW_A, B_ADDR, false],
      [B_ADDR, NEW_A, false],
    ]);
    const ca = installedChildren(p.a)[0];
    const outA = p.a.kernel.listSas().find((s) => s.spi === ca.spiOut)!;
    const inB = p.b.kernel.listSas().find((s) => s.spi === ca.spiOut)!;
    assert.deepEqual(outA.encr!.key, inB.encr!.key);
    // flows' tunnel endpoints follow
    const flowsA = p.a.kernel.listFlows();
    assert.ok(flowsA.length > 0 && flowsA.every((f) => [f.tunnelSrc, f.tunnelDst].sort().join() === [NEW_A, B_ADDR].sort().join()), JSON.stringify(flowsA));

    // the responder reaches the initiator at its new address
    const next = ib.nextRequestId;
    sendLivenessCheck(p.b.engine, ib);
    await waitFor(() => ib.nextRequestId === next + 1 && !ib.pending, () => `liveness from b; ${tail(p.b)}`);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('moving behind a NAT: the responder detects it and the Child SAs become UDP-encapsulated', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any' });
  try {
    const { ia, ib } = await establish(p);
    moveA(p, NEW_A);
    p.net.addNat(NEW_A, '198.51.100.7', 1000);
    const done = new Promise<boolean>((r) => updateSaAddresses(p.a.engine, ia, NEW_A, r));
    assert.equal(await done, true, tail(p.a));
    await waitFor(() => p.b.lines.some((l) => /Child SA .* moved to .* udpencap/.test(l)), () => tail(p.b));
    assert.deepEqual(ib.remote, { address: '198.51.100.7', port: 5500 });
    assert.equal(ib.natRemote, true);
    assert.equal(ia.natLocal, true);
    assert.ok(installedChildren(p.b).every((c) => c.encap) && installedChildren(p.a).every((c) => c.encap));
    const cb = installedChildren(p.b)[0];
    const outB = p.b.kernel.listSas().find((s) => s.spi === cb.spiOut)!;
    assert.deepEqual(outB.encap, { sport: 4500, dport: 5500 });
    assert.equal(outB.dst, '198.51.100.7');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('without MOBIKE on one side nothing moves, and the responder cannot start a move', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  p.b.engine.options = { ...p.b.engine.options, mobike: false };
  try {
    const { ia, ib } = await establish(p);
    assert.equal(mobikeActive(ia), false);
    assert.equal(mobikeActive(ib), false);
    const authResp = p.b.lines.find((l) => /send IKE_AUTH response/.test(l)) ?? '';
    assert.ok(!/MOBIKE_SUPPORTED/.test(authResp), authResp);
    assert.equal(updateSaAddresses(p.a.engine, ia, NEW_A), false);
    assert.equal(updateSaAddresses(p.b.engine, ib, '192.0.2.99'), false);
    moveA(p, NEW_A);
    assert.deepEqual(await localAddressesChanged(p.a.engine, [NEW_A]), []);
    assert.equal(ia.local.address, '192.0.2.1');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a Child SA deleted while the responder moves it leaves nothing behind, and is deleted where it is', async () => {
  // b's kernel is slow: the move is still under way when the Child SA goes (strongSwan
  // rekeys and deletes right after UPDATE_SA_ADDRESSES)
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any', b: { kernelDelayMs: 15 } });
  try {
    const { ib } = await establish(p);
    const spis = installedChildren(p.b).flatMap((c) => [c.spiIn, c.spiOut]);
    assert.equal(spis.length, 2);
    moveA(p, NEW_A);
    await localAddressesChanged(p.a.engine, [NEW_A]);
    await waitFor(() => p.b.lines.some((l) => /UPDATE_SA_ADDRESSES: peer moved/.test(l)), () => `b saw the update; ${tail(p.b)}`);
    // the move has started on b (its first kernel call is pending); delete the Child SA now
    const removal = removeChildren(p.b.engine, ib, [...ib.children], false);
    await removal;
    await settle(p.net);
    const left = p.b.kernel.listSas().filter((s) => spis.includes(s.spi));
    assert.deepEqual(left, [], 'no kernel SA of the deleted Child SA is left on b');
    assert.equal(p.b.kernel.listFlows().length, 0, 'its flows went too');
    const errors = p.b.lines.filter((l) => /not found|ESRCH|moving Child SA|removing Child SA/.test(l));
    assert.deepEqual(errors, [], 'no kernel call failed');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a Child SA installed before the move is removed at the addresses it was installed with', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any' });
  try {
    const { ib } = await establish(p);
    const c = ib.children[0];
    // the peer moved (NAT-T following changes the IKE SA's endpoints) but this Child SA
    // was not moved, like the predecessor of a rekey: it is still at the old addresses
    c.state = 'REKEYED';
    ib.remote = { address: NEW_A, port: 4500 };
    await removeChildren(p.b.engine, ib, [c], false);
    assert.deepEqual(p.b.kernel.listSas().filter((s) => s.spi === c.spiIn || s.spi === c.spiOut), []);
    assert.deepEqual(p.b.lines.filter((l) => /not found|removing Child SA/.test(l)), []);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
