/** Retransmission, duplicate requests, giving up, and the message-ID window (RFC 7296 2.1-2.3). */
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
} from '../helpers/engine-pair';
import { EXCHANGE, FLAG } from '../../src/wire/iana';
import { sendLivenessCheck } from '../../src/ikev2/exchange/informational';
import type { Datagram } from '../helpers/fake-net';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';

function kind(d: Datagram): string {
  const p = d.packet;
  return `${p[18]}/${p[19] & FLAG.RESPONSE ? 'resp' : 'req'}/${p.readUInt32BE(20)}/${p.subarray(0, 8).toString('hex')}`;
}

test('the first copy of every message is lost: still established', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, a: { timing: { retransmitTries: 6 } }, b: { timing: { retransmitTries: 6 } } });
  const seen = new Set<string>();
  p.net.hooks.push((d) => {
    const k = kind(d);
    if (seen.has(k)) return d;
    seen.add(k);
    return null;
  });
  try {
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
    assert.ok(p.a.engine.stats.txRetransmits >= 2, 'IKE_SA_INIT and IKE_AUTH were retransmitted');
    const dropped = p.net.log.filter((r) => r.fate === 'dropped');
    assert.ok(dropped.some((r) => r.exchange === EXCHANGE.IKE_AUTH && r.flags & FLAG.RESPONSE), 'an IKE_AUTH response was lost');
    // the lost IKE_AUTH response was re-sent from the cache: the request was processed once
    const authKey = [...p.b.requestsSeen.keys()].find((k) => k.startsWith(`${EXCHANGE.IKE_AUTH}/1/`))!;
    assert.ok(p.b.requestsSeen.get(authKey)! >= 2, 'the IKE_AUTH request arrived more than once');
    assert.equal(p.b.lines.filter((l) => /^spi=0x[0-9a-f]+: IKE_AUTH request 1 \[/.test(l)).length, 1, 'IKE_AUTH processed once');
    assert.equal(p.b.engine.stats.childSasInstalled, 1);
    assert.ok(p.b.engine.stats.rxRetransmits >= 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('every packet duplicated: requests are processed once and answered from the cache', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  p.net.hooks.push((d) => [d, { ...d, packet: Buffer.from(d.packet) }]);
  try {
    const { ia } = await establish(p);
    await settle(p.net);
    assertChildKeysMatch(p.a, p.b);
    assert.equal(p.b.engine.sas.size, 1, 'one IKE SA on the responder');
    assert.equal(p.a.engine.sas.size, 1, 'one IKE SA on the initiator');
    assert.equal(p.b.lines.filter((l) => /^spi=0x[0-9a-f]+: IKE_AUTH request 1 \[/.test(l)).length, 1, 'IKE_AUTH processed once');
    assert.equal(p.b.engine.stats.childSasInstalled, 1);
    assert.ok(p.b.engine.stats.rxRetransmits >= 2, 'duplicates of IKE_SA_INIT and IKE_AUTH answered from the cache');
    // an INFORMATIONAL exchange too
    sendLivenessCheck(p.a.engine, ia);
    await waitFor(() => ia.pending === null && ia.queue.length === 0 && ia.nextRequestId === 3, 'liveness answered');
    await settle(p.net);
    assert.equal(p.b.lines.filter((l) => /^spi=0x[0-9a-f]+: INFORMATIONAL request 2 \[/.test(l)).length, 1, 'INFORMATIONAL processed once');
    assert.equal(established(p.a).length, 1);
    assert.equal(established(p.b).length, 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('every packet duplicated with a cookie demand and an INVALID_KE_PAYLOAD retry: still established', async () => {
  const p = makePair({
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256 group curve25519',
    bIkesa: IKESA,
    childsa: CHILDSA,
    b: { timing: { cookieThreshold: 0 } },
  });
  p.net.hooks.push((d) => [d, { ...d, packet: Buffer.from(d.packet) }]);
  try {
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
    assert.ok(p.b.engine.stats.cookiesSent >= 1);
    assert.ok(p.b.engine.stats.invalidKeSent >= 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('peer unreachable: IKE_SA_INIT given up after retransmitTries, SA deleted', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  p.net.detach(p.b.address);
  try {
    const sa = await p.a.engine.initiate(p.a.engine.policies[0]);
    assert.ok(sa);
    await waitFor(() => p.a.engine.sas.size === 0, () => `SA removed; ${tail(p.a)}`);
    assert.equal(sa.state, 'DEAD');
    assert.equal(p.a.sent.length, 3, 'sent exactly retransmitTries times');
    assert.ok(p.a.lines.some((l) => l.includes('timed out after 3 tries')), tail(p.a));
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('established SA whose peer vanished: the request is given up, IKE and Child SAs deleted, kernel emptied', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const { ia } = await establish(p);
    p.net.hooks.push(() => null);
    sendLivenessCheck(p.a.engine, ia);
    await waitFor(() => p.a.engine.sas.size === 0, () => `SA removed; ${tail(p.a)}`);
    await waitFor(() => p.a.kernel.listSas().length === 0 && p.a.kernel.listFlows().length === 0, 'kernel state removed');
    assert.equal(ia.state, 'DEAD');
    assert.equal(ia.children.length, 0);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('message-ID window: an old request is ignored, the last one is answered from the cache', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const { ia, ib } = await establish(p);
    sendLivenessCheck(p.a.engine, ia);
    await waitFor(() => ia.nextRequestId === 3 && ia.pending === null, 'liveness answered');
    await settle(p.net);
    const fromA = p.net.delivered((r) => r.src.address === p.a.address && !(r.flags & FLAG.RESPONSE));
    const oldAuth = fromA.find((r) => r.exchange === EXCHANGE.IKE_AUTH)!;
    const lastInfo = fromA.find((r) => r.exchange === EXCHANGE.INFORMATIONAL && r.messageId === 2)!;
    const answeredBefore = p.b.engine.stats.txPackets;
    const retransBefore = p.b.engine.stats.rxRetransmits;

    // message 1 (IKE_AUTH) is older than the window: dropped, not answered, not processed
    p.net.inject({ packet: oldAuth.packet, src: oldAuth.src, dst: oldAuth.dst });
    await waitFor(() => p.b.lines.some((l) => l.includes('request id 1 outside window')), () => `old request logged; ${tail(p.b)}`);
    await settle(p.net);
    assert.equal(p.b.engine.stats.txPackets, answeredBefore, 'no answer to an old request');
    assert.equal(p.b.engine.stats.rxRetransmits, retransBefore);
    assert.equal(ib.state, 'ESTABLISHED');
    assert.equal(installedChildren(p.b).length, 1);

    // message 2 is the last one: its answer is re-sent from the cache
    const sentBefore = p.net.log.filter((r) => r.src.address === p.b.address).length;
    p.net.inject({ packet: lastInfo.packet, src: lastInfo.src, dst: lastInfo.dst });
    await waitFor(() => p.b.engine.stats.rxRetransmits === retransBefore + 1, 'retransmitted request counted');
    await settle(p.net);
    assert.equal(p.net.log.filter((r) => r.src.address === p.b.address).length, sentBefore + 1, 'cached answer re-sent');
    assert.equal(p.b.lines.filter((l) => /^spi=0x[0-9a-f]+: INFORMATIONAL request 2 \[/.test(l)).length, 1, 'processed once');

    // a request from the future (id 9) is dropped as well
    const future = Buffer.from(lastInfo.packet);
    future.writeUInt32BE(9, 20);
    p.net.inject({ packet: future, src: lastInfo.src, dst: lastInfo.dst });
    await waitFor(() => p.b.lines.some((l) => l.includes('request id 9 outside window')), 'future request logged');
    assert.equal(ib.peerNextId, 3);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
