/** NAT traversal (RFC 7296 2.23, RFC 3948): detection, the move to port 4500, UDP-encapsulated Child SAs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, makeNode, pskConf, establish, established, assertChildKeysMatch, shutdownAll, installedChildren, waitFor, settle, tail, A_ADDR, B_ADDR } from '../helpers/engine-pair';
import { FakeNet } from '../helpers/fake-net';
import { mobikeActive } from '../../src/ikev2/exchange/mobike';
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

test('no NAT: no detection, no encapsulation; IKE moves to 4500 for IKE_AUTH with MOBIKE (RFC 4555 3.3), stays on 500 without', async () => {
  for (const mobike of [true, false]) {
    const net = new FakeNet();
    const conf = (mode: 'active' | 'passive', self: string, peer: string, from: string, to: string): string =>
      (mobike ? '' : 'set nomobike\n') + pskConf({ mode, from, to, local: self, peer, ikesa: IKESA, childsa: CHILDSA });
    const a = makeNode(net, 'a', A_ADDR, conf('active', A_ADDR, B_ADDR, '10.1.0.0/24', '10.2.0.0/24'));
    const b = makeNode(net, 'b', B_ADDR, conf('passive', B_ADDR, A_ADDR, '10.2.0.0/24', '10.1.0.0/24'));
    try {
      const { ia, ib } = await establish({ net, a, b });
      assert.equal(ia.natDetected, false);
      assert.equal(ib.natDetected, false);
      const port = mobike ? 4500 : 500;
      assert.equal(ia.local.port, port, `mobike ${mobike}`);
      assert.equal(ib.local.port, port, `mobike ${mobike}`);
      assert.equal(mobikeActive(ia) && mobikeActive(ib), mobike);
      assert.ok(installedChildren(a).every((c) => !c.encap));
      assert.ok(a.kernel.listSas().every((s) => !s.encap), 'no NAT: ESP is not UDP-encapsulated on 4500 either');
    } finally {
      await shutdownAll(net, a, b);
    }
  }
});

test('the responder answers MOBIKE_SUPPORTED only when the initiator offered it', async () => {
  const net = new FakeNet();
  const a = makeNode(net, 'a', A_ADDR, 'set nomobike\n' + pskConf({ mode: 'active', from: '10.1.0.0/24', to: '10.2.0.0/24', local: A_ADDR, peer: B_ADDR, ikesa: IKESA, childsa: CHILDSA }));
  const b = makeNode(net, 'b', B_ADDR, pskConf({ mode: 'passive', from: '10.2.0.0/24', to: '10.1.0.0/24', local: B_ADDR, peer: A_ADDR, ikesa: IKESA, childsa: CHILDSA }));
  try {
    await establish({ net, a, b });
    const authResponse = b.lines.find((l) => /send IKE_AUTH response/.test(l));
    assert.ok(authResponse, tail(b));
    assert.doesNotMatch(authResponse, /MOBIKE_SUP/, 'no MOBIKE_SUPPORTED for an initiator that did not offer it');
    assert.equal(established(b)[0].local.port, 500);
  } finally {
    await shutdownAll(net, a, b);
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
