/** Hostile input: garbage, truncation, bit flips and unknown critical payloads never throw out of handleDatagram. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { makePair, establish, assertChildKeysMatch, shutdownAll, established, installedChildren, waitFor, settle, tail } from '../helpers/engine-pair';
import { forgeInit } from '../helpers/forge';
import { decodeMessage } from '../../src/ikev2/payloads/message';
import { EXCHANGE, PAYLOAD, NOTIFY, FLAG, DH } from '../../src/wire/iana';
import type { NotifyPayload, UnknownPayload } from '../../src/ikev2/payloads/payload-types';
import type { Endpoint } from '../../src/wire/endpoint';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';
const FROM_A: Endpoint = { address: '192.0.2.1', port: 500 };
const TO_B: Endpoint = { address: '192.0.2.2', port: 500 };

test('garbage, truncated and bit-flipped IKE_SA_INIT requests are dropped with a log line, never thrown', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const e = p.b.engine;
    const valid = forgeInit(p.a.engine.policies[0].ikeProposals, DH.CURVE25519).packet;
    let n = 0;
    const feed = (buf: Buffer): void => {
      n++;
      assert.doesNotThrow(() => e.handleDatagram(buf, TO_B, FROM_A));
    };
    feed(Buffer.alloc(0));
    feed(Buffer.from([0xff]));
    for (let len = 0; len < valid.length; len += 7) feed(valid.subarray(0, len));
    for (let i = 0; i < 200; i++) feed(randomBytes(1 + (i % 120)));
    // bit flips all over the header and payload chain
    for (let i = 0; i < valid.length; i += 3) {
      const b = Buffer.from(valid);
      b[i] ^= 0x5a;
      feed(b);
    }
    // a length field that lies
    const lying = Buffer.from(valid);
    lying.writeUInt32BE(valid.length + 100, 24);
    feed(lying);
    await settle(p.net);
    assert.ok(e.stats.rxMalformed > 100, `most inputs counted malformed (${e.stats.rxMalformed} of ${n})`);
    assert.ok(p.b.lines.filter((l) => l.includes('malformed message')).length >= 100, 'each is logged');
    assert.equal(e.stats.rxPackets, n);
    // still healthy: a real exchange works
    p.b.engine.sas.all().forEach((s) => p.b.engine.deleteIkeSa(s, 'test cleanup', false));
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('garbage and corrupted protected messages on an established SA are dropped; the SA survives', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const { ia, ib } = await establish(p);
    const authReq = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH && !(r.flags & FLAG.RESPONSE))[0].packet;
    const e = p.b.engine;
    const before = e.stats.rxIntegrityFailures;
    // flip bits in the encrypted part of a request with the next message ID
    for (let i = 28 + 4; i < authReq.length; i += 11) {
      const b = Buffer.from(authReq);
      b.writeUInt32BE(2, 20);
      b[i] ^= 0x01;
      assert.doesNotThrow(() => e.handleDatagram(b, TO_B, FROM_A));
    }
    // truncations of a protected message
    for (let len = 28; len < authReq.length; len += 5) {
      const b = Buffer.from(authReq.subarray(0, len));
      assert.doesNotThrow(() => e.handleDatagram(b, TO_B, FROM_A));
    }
    // random bodies behind a valid header of the SA
    for (let i = 0; i < 50; i++) {
      const b = Buffer.concat([authReq.subarray(0, 28), randomBytes(i * 3)]);
      b.writeUInt32BE(b.length, 24);
      b.writeUInt32BE(2, 20);
      assert.doesNotThrow(() => e.handleDatagram(b, TO_B, FROM_A));
    }
    // a response-flagged garbage message to the initiator
    const resp = Buffer.from(authReq);
    resp[19] = FLAG.RESPONSE;
    resp.writeUInt32BE(7, 20);
    assert.doesNotThrow(() => p.a.engine.handleDatagram(resp, FROM_A, TO_B));
    await settle(p.net);
    assert.ok(e.stats.rxIntegrityFailures > before, 'integrity failures counted');
    assert.ok(p.b.lines.some((l) => l.includes('integrity check failed')), tail(p.b));
    assert.equal(ib.peerNextId, 2, 'no bad message advanced the window');
    assert.equal(ib.state, 'ESTABLISHED');
    assert.equal(ia.state, 'ESTABLISHED');
    assert.equal(installedChildren(p.b).length, 1);
    assert.equal(established(p.b).length, 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a corrupted IKE_AUTH request on the wire is dropped and the retransmission recovers', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  let corrupted = 0;
  p.net.hooks.push((d) => {
    if (corrupted === 0 && d.packet[18] === EXCHANGE.IKE_AUTH && !(d.packet[19] & FLAG.RESPONSE)) {
      corrupted++;
      const b = Buffer.from(d.packet);
      b[b.length - 1] ^= 0x80;
      return { ...d, packet: b };
    }
    return d;
  });
  try {
    await establish(p);
    assert.equal(corrupted, 1);
    assert.ok(p.b.engine.stats.rxIntegrityFailures >= 1);
    assertChildKeysMatch(p.a, p.b);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('unknown critical payload in IKE_SA_INIT: UNSUPPORTED_CRITICAL_PAYLOAD naming the type, no state', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const crit: UnknownPayload = { type: 222, critical: true, unknown: true, body: Buffer.from('hello') };
    const f = forgeInit(p.a.engine.policies[0].ikeProposals, DH.CURVE25519, [crit]);
    assert.doesNotThrow(() => p.b.engine.handleDatagram(f.packet, TO_B, FROM_A));
    await settle(p.net);
    const answers = p.net.delivered((r) => r.src.address === p.b.address);
    assert.equal(answers.length, 1, 'one answer');
    const m = decodeMessage(answers[0].packet);
    assert.equal(m.header.exchange, EXCHANGE.IKE_SA_INIT);
    assert.ok(m.header.flags & FLAG.RESPONSE);
    assert.deepEqual(m.header.spiI, f.spiI);
    const n = m.payloads[0] as NotifyPayload;
    assert.equal(n.type, PAYLOAD.NOTIFY);
    assert.equal(n.notifyType, NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD);
    assert.deepEqual([...n.data], [222]);
    assert.equal(p.b.engine.sas.size, 0);

    // the same payload without the critical bit is ignored and the SA is created
    const soft: UnknownPayload = { type: 222, critical: false, unknown: true, body: Buffer.from('hello') };
    const g = forgeInit(p.a.engine.policies[0].ikeProposals, DH.CURVE25519, [soft]);
    p.b.engine.handleDatagram(g.packet, TO_B, FROM_A);
    await waitFor(() => p.b.engine.sas.size === 1, () => `non-critical unknown payload accepted; ${tail(p.b)}`);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
