import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeInner, decodeMessage, encodeMessage } from '../../src/ikev2/payloads/message';
import { decodePayloads, encodePayloads, genericHeader } from '../../src/ikev2/payloads/payload-chain';
import { Reader } from '../../src/wire/reader';
import { PAYLOAD, EXCHANGE, FLAG } from '../../src/wire/iana';
import { decodeHeader, encodeHeader, HEADER_LEN, peekSpis } from '../../src/ikev2/payloads/header';
import type { Payload } from '../../src/ikev2/payloads/payload-types';
import { header, hex, samplePayloads } from './codec-fixtures';

const samples = samplePayloads();

for (const [name, p] of Object.entries(samples)) {
  test(`round trip: ${name} payload alone`, () => {
    const enc = encodePayloads([p]);
    assert.equal(enc.first, p.type);
    const dec = decodePayloads(enc.first, new Reader(enc.bytes));
    assert.deepEqual(dec, [p]);
    const again = encodePayloads(dec);
    assert.deepEqual(again.bytes, enc.bytes);
    assert.equal(again.first, enc.first);
  });

  test(`round trip: ${name} payload inside a full message`, () => {
    const sealed = p.type === PAYLOAD.SK || p.type === PAYLOAD.SKF;
    const payloads: Payload[] = sealed ? [samples.vendor, p] : [samples.vendor, p, samples.nonce];
    const h = header(EXCHANGE.IKE_AUTH, FLAG.INITIATOR, 1);
    const buf = encodeMessage(h, payloads);
    assert.equal(h.length, 0, 'header not mutated');
    const m = decodeMessage(buf);
    assert.deepEqual(m.payloads, payloads);
    assert.equal(m.header.length, buf.length);
    assert.equal(m.header.nextPayload, PAYLOAD.VENDOR);
    assert.deepEqual(encodeMessage(m.header, m.payloads), buf);
  });
}

test('round trip: all payload types in one chain', () => {
  const { sk, skf, ...rest } = samples;
  void skf;
  const payloads = [...Object.values(rest), sk];
  const buf = encodeMessage(header(), payloads);
  const m = decodeMessage(buf);
  assert.deepEqual(m.payloads, payloads);
  assert.deepEqual(encodeMessage(m.header, m.payloads), buf);
});

test('generic header and chain linking', () => {
  assert.deepEqual(genericHeader(41, true, 0x1234), hex('29 80 1234'));
  assert.deepEqual(genericHeader(0, false, 4), hex('00 00 0004'));
  const enc = encodePayloads([samples.nonce, samples.vendor]);
  assert.equal(enc.first, PAYLOAD.NONCE);
  assert.equal(enc.bytes[0], PAYLOAD.VENDOR); // nonce -> vendor
  assert.equal(enc.bytes.readUInt16BE(2), 36);
  assert.equal(enc.bytes[36], PAYLOAD.NONE); // vendor is last
  assert.deepEqual(encodePayloads([]), { first: 0, bytes: Buffer.alloc(0) });
});

test('SK payload: generic Next Payload = innerFirst, data ends the message, AAD derivable', () => {
  const buf = encodeMessage(header(EXCHANGE.IKE_AUTH), [samples.sk]);
  assert.equal(buf[HEADER_LEN], PAYLOAD.IDi);
  const m = decodeMessage(buf);
  const sk = m.payloads[0];
  assert.ok(sk.type === PAYLOAD.SK && 'innerFirst' in sk);
  assert.equal(sk.data.buffer, buf.buffer);
  assert.equal(sk.data.byteOffset + sk.data.length, buf.byteOffset + buf.length);
  assert.equal(buf.subarray(0, buf.length - sk.data.length).length, HEADER_LEN + 4);
  assert.throws(() => encodePayloads([samples.sk, samples.nonce]), /must be the last/);
});

test('decodeInner parses decrypted content and refuses nested SK', () => {
  const { first, bytes } = encodePayloads([samples.idi, samples.auth, samples.sa, samples.tsi, samples.tsr]);
  assert.deepEqual(decodeInner(first, bytes), [samples.idi, samples.auth, samples.sa, samples.tsi, samples.tsr]);
  const nested = encodePayloads([samples.idi, samples.sk]);
  assert.throws(() => decodeInner(nested.first, nested.bytes), { name: 'DecodeError', message: /inside encrypted/ });
  assert.deepEqual(decodeInner(0, Buffer.alloc(0)), []);
});

test('header encode/decode and peekSpis', () => {
  const h = { ...header(EXCHANGE.CREATE_CHILD_SA, FLAG.RESPONSE, 0xfffffffe), nextPayload: 46, length: 1234 };
  const out = Buffer.alloc(HEADER_LEN);
  encodeHeader(h, out);
  assert.deepEqual(out, hex('0102030405060708 0000000000000000 2e 20 24 20 fffffffe 000004d2'));
  assert.deepEqual(decodeHeader(new Reader(out)), h);
  assert.deepEqual(peekSpis(out), { spiI: h.spiI, spiR: h.spiR });
  assert.equal(peekSpis(out.subarray(0, 27)), null);
});
