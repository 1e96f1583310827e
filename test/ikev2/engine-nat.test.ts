/** NAT traversal (RFC 7296 2.23, RFC 3948): detection, the move to port 4500, UDP-encapsulated Child SAs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, installedChildren, waitFor, settle, tail } from '../helpers/engine-pair';
import { sendLivenessCheck } from '../../src/ikev2/exchange/informational';
import { rekeyChild } from '../../src/ikev2/exchange/create-child-sa';
import { EXCHANGE } from '../../src/wire/iana';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';
const PUBLIC = '198.51.100.7';

test('initiator behind a NAT: both detect it, IKE moves to 4500, Child SAs are UDP-encapsulated', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any' });
  p.net.addNat(p.a.address, PUBLIC, 1000);
  try {
    const { ia, ib } = await establish(p);
    assert.equal(ia.natLocal, true, 'initiator knows it is behind a NAT');
    assert.equal(ia.natRemote, false);
    assert.equal(ib.natRemote, true, 'responder knows the initiator is behind a NAT');
    assert.equal(ib.natLocal, false);
    assert.deepEqual(ia.local, { address: p.a.address, port: 4500 });
    assert.deepEqual(ia.remote, { address: p.b.address, port: 4500 });
    assert.deepEqual(ib.remote, { address: PUBLIC, port: 5500 }, 'responder follows the NAT mapping of port 4500');
    assert.equal(ib.local.port, 4500);
    // IKE_SA_INIT on 500, IKE_AUTH on 4500
    const init = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT);
    assert.ok(init.every((r) => r.src.port % 1000 === 500 && r.dst.port % 1000 === 500));
    const auth = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH);
    assert.ok(auth.length >= 2 && auth.every((r) => r.src.port === 4500 || r.src.port === 5500), 'IKE_AUTH leaves from port 4500 (5500 after the NAT)');
    assert.ok(auth.every((r) => r.dst.port === 4500), 'IKE_AUTH travels to port 4500 on both sides');

    const ca = installedChildren(p.a)[0];
    const cb = installedChildren(p.b)[0];
    assert.equal(ca.encap, true);
    assert.equal(cb.encap, true);
    assertChildKeysMatch(p.a, p.b, { behindNat: true });
    const aOut = p.a.kernel.listSas().find((s) => s.spi === ca.spiOut)!;
    assert.deepEqual(aOut.encap, { sport: 4500, dport: 4500 });
    const bOut = p.b.kernel.listSas().find((s) => s.spi === cb.spiOut)!;
    assert.deepEqual(bOut.encap, { sport: 4500, dport: 5500 });
    assert.equal(bOut.dst, PUBLIC);
    const bIn = p.b.kernel.listSas().find((s) => s.spi === cb.spiIn)!;
    assert.deepEqual(bIn.encap, { sport: 5500, dport: 4500 });

    // later exchanges in both directions still work through the NAT
    for (const [n, sa] of [
      [p.a, ia],
      [p.b, ib],
    ] as const) {
      const next = sa.nextRequestId;
      sendLivenessCheck(n.engine, sa);
      await waitFor(() => sa.nextRequestId === next + 1 && !sa.pending, () => `liveness from ${n.name}; ${tail(n)}`);
    }
    // and a rekeyed Child SA stays encapsulated
    rekeyChild(p.b.engine, ib, cb);
    await waitFor(() => !p.b.kernel.listSas().some((s) => s.spi === cb.spiIn) && installedChildren(p.a).length === 1 && installedChildren(p.b).length === 1 && p.a.kernel.listSas().length === 2, 'rekey through the NAT');
    await settle(p.net);
    assert.ok(installedChildren(p.a).every((c) => c.encap));
    assertChildKeysMatch(p.a, p.b, { behindNat: true });
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('no NAT: no detection, IKE stays on port 500, no encapsulation', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const { ia, ib } = await establish(p);
    assert.equal(ia.natDetected, false);
    assert.equal(ib.natDetected, false);
    assert.equal(ia.local.port, 500);
    assert.equal(ib.local.port, 500);
    assert.ok(installedChildren(p.a).every((c) => !c.encap));
    assert.ok(p.a.kernel.listSas().every((s) => !s.encap));
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test("natt 'force' on the initiator: encapsulation without a NAT", async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, a: { natt: 'force' } });
  try {
    const { ia, ib } = await establish(p);
    assert.equal(ia.natDetected, true);
    assert.equal(ib.natDetected, true);
    assert.equal(ib.local.port, 4500);
    assert.ok(installedChildren(p.b).every((c) => c.encap));
    assertChildKeysMatch(p.a, p.b);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
