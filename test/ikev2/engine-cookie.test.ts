/** COOKIE (RFC 7296 2.6) and half-open limits under a flood of spoofed IKE_SA_INIT requests. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, tail, waitFor } from '../helpers/engine-pair';
import { forgeInit } from '../helpers/forge';
import { decodeMessage } from '../../src/ikev2/payloads/message';
import { EXCHANGE, PAYLOAD, NOTIFY, FLAG, DH } from '../../src/wire/iana';
import type { NotifyPayload } from '../../src/ikev2/payloads/payload-types';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';

function cookieOf(packet: Buffer): Buffer | undefined {
  const n = decodeMessage(packet).payloads.find((x) => x.type === PAYLOAD.NOTIFY && (x as NotifyPayload).notifyType === NOTIFY.COOKIE) as
    | NotifyPayload
    | undefined;
  return n?.data;
}

test('cookieThreshold 0: responder demands a cookie, the initiator honours it, SA established', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, b: { timing: { cookieThreshold: 0 } } });
  try {
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
    assert.ok(p.b.engine.stats.cookiesSent >= 1);
    // (retransmissions may repeat any of these; counts are not asserted)
    const reqs = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !(r.flags & FLAG.RESPONSE));
    assert.equal(cookieOf(reqs[0].packet), undefined, 'the first request carries no cookie');
    const resp = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !!(r.flags & FLAG.RESPONSE));
    const given = cookieOf(resp[0].packet);
    assert.ok(given && given.length > 0, 'first answer carries a COOKIE');
    assert.equal(resp[0].spiR, '0000000000000000', 'the cookie answer creates no responder SPI');
    const last = reqs[reqs.length - 1];
    assert.deepEqual(cookieOf(last.packet), given, 'the retry returns the cookie');
    assert.equal(p.b.engine.sas.size, 1, 'one SA on the responder');
    // the cookie notify is the first payload of the retry (RFC 7296 2.6)
    assert.equal(decodeMessage(last.packet).payloads[0].type, PAYLOAD.NOTIFY);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a wrong cookie is answered with a fresh cookie demand, never with state', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, b: { timing: { cookieThreshold: 0 } } });
  try {
    const proposals = p.a.engine.policies[0].ikeProposals;
    const bogus = { type: PAYLOAD.NOTIFY, protocol: 0, spi: Buffer.alloc(0), notifyType: NOTIFY.COOKIE, data: Buffer.alloc(36, 7) } as NotifyPayload;
    const f = forgeInit(proposals, DH.CURVE25519, [bogus]);
    p.net.inject({ packet: f.packet, src: { address: '192.0.2.1', port: 500 }, dst: { address: '192.0.2.2', port: 500 } });
    await waitFor(() => p.b.engine.stats.rxPackets === 1 && p.net.idle, 'the request is handled');
    assert.equal(p.b.engine.sas.size, 0);
    assert.equal(p.b.engine.stats.cookiesSent, 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('flood of spoofed IKE_SA_INIT: no state beyond the cookie threshold, a real peer still gets in', async () => {
  const threshold = 3;
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any', b: { timing: { cookieThreshold: threshold, halfOpenLimit: 10 } } });
  try {
    const proposals = p.a.engine.policies[0].ikeProposals;
    const flood = 40;
    for (let i = 0; i < flood; i++) {
      const f = forgeInit(proposals, DH.CURVE25519);
      p.net.inject({ packet: f.packet, src: { address: `198.51.100.${i + 1}`, port: 500 }, dst: { address: '192.0.2.2', port: 500 } });
    }
    await waitFor(() => p.b.engine.stats.rxPackets === flood && p.net.idle, 'the flood is handled');
    assert.equal(p.b.engine.sas.size, threshold, `only ${threshold} half-open SAs; ${tail(p.b)}`);
    assert.equal(p.b.engine.sas.halfOpen, threshold);
    assert.equal(p.b.engine.stats.cookiesSent, flood - threshold);
    // a real initiator answers the cookie and gets through
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
    assert.equal(p.b.engine.sas.halfOpen, threshold, 'the established SA is no longer half-open');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('flood past the half-open limit is dropped without state or answer', async () => {
  const limit = 4;
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any', b: { timing: { cookieThreshold: 1000, halfOpenLimit: limit } } });
  try {
    const proposals = p.a.engine.policies[0].ikeProposals;
    const flood = 20;
    for (let i = 0; i < flood; i++) {
      const f = forgeInit(proposals, DH.CURVE25519);
      p.net.inject({ packet: f.packet, src: { address: `198.51.100.${i + 1}`, port: 500 }, dst: { address: '192.0.2.2', port: 500 } });
    }
    await waitFor(() => p.b.engine.stats.rxPackets === flood && p.net.idle, 'the flood is handled');
    assert.equal(p.b.engine.sas.size, limit);
    assert.equal(p.b.engine.stats.halfOpenRefused, flood - limit);
    const answers = p.net.log.filter((r) => r.src.address === '192.0.2.2');
    assert.equal(answers.length, limit, 'only the accepted requests were answered');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('one address holding halfOpenPerPeer half-open SAs (it answers cookies, never authenticates): more from it are dropped, other peers get in', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, bPeer: 'any', b: { timing: { halfOpenPerPeer: 4, cookieThreshold: 1000 } } });
  try {
    const proposals = p.a.engine.policies[0].ikeProposals;
    const attacker = { address: '198.51.100.7', port: 500 };
    for (let i = 0; i < 10; i++) {
      p.net.inject({ packet: forgeInit(proposals, DH.CURVE25519).packet, src: attacker, dst: { address: '192.0.2.2', port: 500 } });
    }
    await waitFor(() => p.b.engine.stats.rxPackets === 10 && p.net.idle, 'the ten requests are handled');
    assert.equal(p.b.engine.sas.halfOpenFrom(attacker.address), 4, 'four half-open SAs from that address, no more');
    assert.equal(p.b.engine.stats.halfOpenRefused, 6);
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a retransmitted IKE_SA_INIT that arrives after IKE_AUTH (reordered) makes no second SA', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    await establish(p);
    const first = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !(r.flags & FLAG.RESPONSE))[0];
    const before = p.b.engine.stats.rxPackets;
    p.net.inject({ packet: first.packet, src: { address: '192.0.2.1', port: 500 }, dst: { address: '192.0.2.2', port: 500 } });
    await waitFor(() => p.b.engine.stats.rxPackets === before + 1 && p.net.idle, 'the late copy is handled');
    assert.equal(p.b.engine.sas.size, 1, 'still one IKE SA on the responder');
    assert.equal(p.b.engine.sas.halfOpen, 0, 'and nothing half-open');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
