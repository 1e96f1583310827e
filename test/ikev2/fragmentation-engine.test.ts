/**
 * RFC 7383 in the engine: two engines on a FakeNet that drops every IP datagram
 * over 576 bytes establish with a large certificate chain only with fragmentation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, createHash } from 'node:crypto';
import { FakeNet, Datagram } from '../helpers/fake-net';
import { makeNode, Node, waitFor, installedChildren, established, shutdownAll, tail, settle, A_ADDR, B_ADDR } from '../helpers/engine-pair';
import type { AuthProvider, PeerCert } from '../../src/ikev2/policy/auth-provider';
import { AUTH, CERT, EXCHANGE, PAYLOAD } from '../../src/wire/iana';

/** A stand-in for certificates: a shared HMAC key "signs", and the peer's chain must arrive byte for byte. */
function fakePki(chainBytes: number[]): { provider: AuthProvider; chain: PeerCert[] } {
  const key = randomBytes(32);
  const chain = chainBytes.map((n) => ({ encoding: CERT.X509_SIG, data: randomBytes(n) }));
  const digest = (c: PeerCert[]): string => createHash('sha256').update(Buffer.concat(c.map((x) => x.data))).digest('hex');
  const expected = digest(chain);
  const provider: AuthProvider = {
    async sign(_policy, _id, octets) {
      return { method: AUTH.RSA_SIG, data: createHmac('sha256', key).update(octets).digest(), certs: chain };
    },
    async verify(_policy, _id, method, data, octets, certs) {
      if (method !== AUTH.RSA_SIG) return { ok: false, reason: `method ${method}` };
      if (certs.length !== chain.length || digest(certs) !== expected) return { ok: false, reason: 'certificate chain damaged' };
      return createHmac('sha256', key).update(octets).digest().equals(data) ? { ok: true } : { ok: false, reason: 'bad signature' };
    },
    certRequest: () => randomBytes(20),
    hashAlgorithms: () => [2],
  };
  return { provider, chain };
}

const IKESA = 'enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';

function conf(active: boolean, frag: boolean): string {
  const [me, peer, from, to, src, dst] = active ? [A_ADDR, B_ADDR, '10.1.0.0/24', '10.2.0.0/24', 'a.test', 'b.test'] : [B_ADDR, A_ADDR, '10.2.0.0/24', '10.1.0.0/24', 'b.test', 'a.test'];
  return (
    (frag ? 'set fragmentation\n' : '') +
    `ikev2 "frag" ${active ? 'active' : 'passive'} esp from ${from} to ${to} local ${me} peer ${peer} ikesa ${IKESA} childsa ${CHILDSA} srcid ${src} dstid ${dst} rsa\n`
  );
}

/** IP (20) + UDP (8) + non-ESP marker on 4500: what a 576-byte path MTU lets through. */
function mtu576(net: FakeNet): Datagram[] {
  const dropped: Datagram[] = [];
  net.hooks.push((d) => {
    const size = 20 + 8 + (d.src.port === 4500 ? 4 : 0) + d.packet.length;
    if (size <= 576) return d;
    dropped.push(d);
    return null;
  });
  return dropped;
}

function setup(fragA: boolean, fragB: boolean): { net: FakeNet; a: Node; b: Node; dropped: Datagram[] } {
  const net = new FakeNet();
  const pki = fakePki([2600, 1900, 1400]);
  const a = makeNode(net, 'a', A_ADDR, conf(true, fragA), { auth: pki.provider, timing: { retransmitMs: 30, retransmitTries: 4 } });
  const b = makeNode(net, 'b', B_ADDR, conf(false, fragB), { auth: pki.provider, timing: { retransmitMs: 30, retransmitTries: 4 } });
  return { net, a, b, dropped: mtu576(net) };
}

const isSkf = (p: Buffer): boolean => p.length > 28 && p[16] === PAYLOAD.SKF;

test('with fragmentation on both sides a 6 KB certificate chain passes a 576-byte path', async () => {
  const { net, a, b, dropped } = setup(true, true);
  try {
    await a.engine.initiate(a.engine.policies[0]);
    await waitFor(() => installedChildren(a).length === 1 && installedChildren(b).length === 1, () => `establishment; ${tail(a)}; ${tail(b)}`);
    assert.equal(dropped.length, 0, 'nothing was too large for the path');
    const authReq = net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH && !(r.flags & 0x20));
    const authResp = net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH && !!(r.flags & 0x20));
    assert.ok(authReq.length > 10 && authReq.every((r) => isSkf(r.packet)), `IKE_AUTH request went as ${authReq.length} SKF fragments`);
    assert.ok(authResp.length > 10 && authResp.every((r) => isSkf(r.packet)), `IKE_AUTH response went as ${authResp.length} SKF fragments`);
    // later small exchanges are not fragmented
    const [ia] = established(a);
    const next = ia.nextRequestId;
    const { sendLivenessCheck } = await import('../../src/ikev2/exchange/informational');
    sendLivenessCheck(a.engine, ia);
    await waitFor(() => ia.nextRequestId === next + 1 && !ia.pending, 'liveness');
    const info = net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL);
    assert.ok(info.length === 2 && info.every((r) => !isSkf(r.packet)), 'small messages stay in one SK payload');
  } finally {
    await shutdownAll(net, a, b);
  }
});

test('without fragmentation (either side off) the same chain does not get through', async () => {
  for (const [fa, fb] of [
    [false, false],
    [true, false],
    [false, true],
  ] as const) {
    const { net, a, b, dropped } = setup(fa, fb);
    try {
      const sa = await a.engine.initiate(a.engine.policies[0]);
      assert.ok(sa);
      await waitFor(() => sa.state === 'DEAD', () => `IKE_AUTH to time out (frag a=${fa} b=${fb}); ${tail(a)}`, 6000);
      assert.equal(installedChildren(b).length, 0);
      assert.ok(dropped.length >= 4 && dropped.every((d) => !isSkf(d.packet) && d.packet[18] === EXCHANGE.IKE_AUTH), 'the whole IKE_AUTH was dropped by the path');
      assert.ok(a.lines.some((l) => /IKE_AUTH request 1 timed out/.test(l)));
    } finally {
      await shutdownAll(net, a, b);
    }
  }
});

test('a retransmitted fragmented request is answered from the response cache, handled once', async () => {
  const { net, a, b } = setup(true, true);
  // lose every fragment of the first IKE_AUTH response
  let firstResponse = true;
  let lost = 0;
  net.hooks.unshift((d) => {
    const resp = d.packet.length > 28 && d.packet[18] === EXCHANGE.IKE_AUTH && !!(d.packet[19] & 0x20);
    if (!resp) return d;
    const skfNum = d.packet.readUInt16BE(32);
    const total = d.packet.readUInt16BE(34);
    if (firstResponse) {
      lost++;
      if (skfNum === total) firstResponse = false;
      return null;
    }
    return d;
  });
  try {
    await a.engine.initiate(a.engine.policies[0]);
    await waitFor(() => installedChildren(a).length === 1 && installedChildren(b).length === 1, () => `establishment; ${tail(a)}; ${tail(b)}`);
    await settle(net);
    assert.ok(lost > 10, `${lost} response fragments lost`);
    const key = [...b.requestsSeen.keys()].find((k) => k.startsWith(`${EXCHANGE.IKE_AUTH}/1/`))!;
    const fragments = a.sent.filter((d) => d.packet[18] === EXCHANGE.IKE_AUTH).length;
    assert.ok(b.requestsSeen.get(key)! >= fragments && fragments >= 2 * 10, `all ${fragments} request fragments were sent twice`);
    assert.ok(b.engine.stats.rxRetransmits >= 1, 'the responder saw the retransmission');
    assert.equal(b.engine.stats.ikeSasEstablished, 1, 'the request was handled once');
    assert.equal(b.engine.stats.childSasInstalled, 1);
    assert.ok(a.lines.some((l) => /retransmit IKE_AUTH request 1/.test(l)));
  } finally {
    await shutdownAll(net, a, b);
  }
});
