import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/wire/decode-error';
import { decodeInner, decodeMessage, encodeMessage } from '../../src/ikev2/payloads/message';
import { decodePayloads, encodePayloads } from '../../src/ikev2/payloads/payload-chain';
import { Reader } from '../../src/wire/reader';
import { EXCHANGE, NOTIFY, PAYLOAD } from '../../src/wire/iana';
import type { DeletePayload, Payload, SaPayload, SkfPayload, TsPayload } from '../../src/ikev2/payloads/payload-types';
import { SA_INIT_HEX, header, hex, samplePayloads } from './codec-fixtures';

const s = samplePayloads();
const SA_INIT = hex(SA_INIT_HEX);

/** Runs fn; it may succeed, or throw a DecodeError; anything else fails the test. */
function onlyDecodeError(fn: () => unknown, what: string): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!(e instanceof DecodeError)) {
      assert.fail(`${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    assert.equal(e.name, 'DecodeError');
    assert.ok(e.message.length > 0);
    return false;
  }
}

function expectDecodeError(fn: () => unknown, msg: RegExp, notify: number = NOTIFY.INVALID_SYNTAX): DecodeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    assert.match(e.message, msg);
    assert.equal(e.notify, notify);
    return e;
  }
  assert.fail(`expected DecodeError matching ${msg}`);
}

/** Deterministic PRNG (xorshift32) so fuzz failures are reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Rewrites the header length so the truncation reaches the payload parser. */
function withLength(buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  if (b.length >= 28) b.writeUInt32BE(b.length, 24);
  return b;
}

/** A message exercising every payload type. */
function fullMessage(): Buffer {
  const { sk, skf, ...rest } = s;
  void skf;
  return encodeMessage(header(EXCHANGE.IKE_AUTH), [...Object.values(rest), sk]);
}

test('Reader: bounded reads, views, messages naming what was read', () => {
  const buf = hex('0102030405060708');
  const r = new Reader(buf, 1, 7, 'NOTIFY payload', PAYLOAD.NOTIFY);
  assert.equal(r.u8(), 2);
  assert.equal(r.u16(), 0x0304);
  assert.equal(r.offset, 4);
  const c = r.sub(2);
  assert.equal(r.remaining, 1);
  assert.deepEqual(c.bytes(2), hex('0506'));
  c.expectEnd('child');
  const err = expectDecodeError(() => r.u32(), /^truncated NOTIFY payload: need 4 bytes, 1 left$/);
  assert.equal(err.payloadType, PAYLOAD.NOTIFY);
  const v = r.rest();
  assert.equal(v.buffer, buf.buffer, 'bytes are views');
  assert.throws(() => new Reader(buf, 0, 9), RangeError);
  expectDecodeError(() => new Reader(buf).expectEnd('thing'), /thing: 8 unexpected trailing bytes/);
  expectDecodeError(() => new Reader(buf).bytes(-1), /invalid length/);
});

test('truncation at every byte offset only throws DecodeError', () => {
  for (const full of [SA_INIT, fullMessage()]) {
    for (let n = 0; n < full.length; n++) {
      const cut = full.subarray(0, n);
      assert.equal(onlyDecodeError(() => decodeMessage(cut), `cut ${n}`), false, `cut at ${n} must fail`);
      // Fix the header length so the payload parser sees the truncation.
      assert.equal(onlyDecodeError(() => decodeMessage(withLength(cut)), `cut+len ${n}`), false, `cut+len at ${n} must fail`);
    }
    assert.ok(onlyDecodeError(() => decodeMessage(full), 'full'));
  }
});

test('header checks: version, length, size', () => {
  const v1 = Buffer.from(SA_INIT);
  v1[17] = 0x10;
  const e = expectDecodeError(() => decodeMessage(v1), /major version 1/, NOTIFY.INVALID_MAJOR_VERSION);
  assert.equal(e.header?.exchange, EXCHANGE.IKE_SA_INIT, 'header attached to the error');
  const v3 = Buffer.from(SA_INIT);
  v3[17] = 0x30;
  expectDecodeError(() => decodeMessage(v3), /major version 3/, NOTIFY.INVALID_MAJOR_VERSION);
  const minor = Buffer.from(SA_INIT);
  minor[17] = 0x21; // minor versions are accepted
  assert.equal(decodeMessage(minor).header.minorVersion, 1);
  const long = Buffer.concat([SA_INIT, Buffer.alloc(1)]);
  expectDecodeError(() => decodeMessage(long), /header length 240 differs from the 241 bytes/);
  const lying = Buffer.from(SA_INIT);
  lying.writeUInt32BE(200, 24);
  expectDecodeError(() => decodeMessage(lying), /header length 200 differs/);
  const huge = Buffer.alloc(70000);
  SA_INIT.copy(huge);
  huge.writeUInt32BE(70000, 24);
  expectDecodeError(() => decodeMessage(huge), /exceeds 65535/);
  expectDecodeError(() => decodeMessage(Buffer.alloc(10)), /truncated IKE header: need 28 bytes, 10 left/);
  const trailing = withLength(Buffer.concat([SA_INIT, hex('00000000')]));
  expectDecodeError(() => decodeMessage(trailing), /4 trailing bytes after the last payload/);
});

test('lying payload lengths give DecodeError', () => {
  const past = Buffer.from(SA_INIT);
  past.writeUInt16BE(0x00f0, 30); // SA payload length past the end
  expectDecodeError(() => decodeMessage(past), /SA payload length 240 exceeds the 212 bytes left/);
  const zero = Buffer.from(SA_INIT);
  zero.writeUInt16BE(0, 28 + 48 + 2); // KE length 0
  const e = expectDecodeError(() => decodeMessage(zero), /KE payload length 0 is less than 4/);
  assert.equal(e.payloadType, PAYLOAD.KE);
  const small = Buffer.from(SA_INIT);
  small.writeUInt16BE(0x0020, 28 + 4 + 2); // proposal length 32 < actual 44
  expectDecodeError(() => decodeMessage(small), /SA payload/);
  const big = Buffer.from(SA_INIT);
  big.writeUInt16BE(0x0030, 28 + 4 + 2); // proposal length 48 > SA body 44
  expectDecodeError(() => decodeMessage(big), /proposal 1: length 48 exceeds the 44 bytes left/);
  const tlen = Buffer.from(SA_INIT);
  tlen.writeUInt16BE(0x0100, 28 + 12 + 2); // first transform length 256
  expectDecodeError(() => decodeMessage(tlen), /proposal 1 transform 1: length 256 exceeds/);
  const tcount = Buffer.from(SA_INIT);
  tcount[28 + 4 + 7] = 5; // 5 transforms announced, 4 present
  expectDecodeError(() => decodeMessage(tcount), /SA payload/);
  const nonceShort = Buffer.from(SA_INIT);
  nonceShort.writeUInt16BE(0x0010, 28 + 48 + 72 + 2); // nonce len 12 -> chain desync
  expectDecodeError(() => decodeMessage(nonceShort), /./);
});

test('unknown payloads: critical rejected, non-critical kept and round-tripped', () => {
  const crit: Payload = { type: 77, critical: true, unknown: true, body: hex('0102') };
  const buf = encodeMessage(header(), [s.nonce, crit]);
  const e = expectDecodeError(() => decodeMessage(buf), /unsupported critical payload PAYLOAD_77/, NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD);
  assert.equal(e.payloadType, 77);
  const soft: Payload = { type: 77, unknown: true, body: hex('0102') };
  const ok = encodeMessage(header(), [s.nonce, soft, s.vendor]);
  const m = decodeMessage(ok);
  assert.deepEqual(m.payloads, [s.nonce, soft, s.vendor]);
  assert.deepEqual(encodeMessage(m.header, m.payloads), ok);
  // A known payload with the critical bit set is fine and keeps the bit.
  const kc = encodeMessage(header(), [{ ...s.nonce, critical: true }]);
  assert.equal(kc[29], 0x80);
  assert.deepEqual(decodeMessage(kc).payloads, [{ ...s.nonce, critical: true }]);
});

function chain(p: Payload[]): () => Payload[] {
  const { first, bytes } = encodePayloads(p);
  return () => decodePayloads(first, new Reader(bytes));
}

test('per-payload validation', () => {
  const sa = s.sa as SaPayload;
  // several proposals start at 1; a lone one is an accepted proposal and keeps its number (strongSwan answers so)
  const badNum = { ...sa, proposals: [{ ...sa.proposals[0], num: 2 }, { ...sa.proposals[1], num: 2 }] };
  expectDecodeError(chain([badNum]), /proposal number 2 follows 0/);
  const lone = chain([{ ...sa, proposals: [{ ...sa.proposals[0], num: 2 }] }])();
  assert.equal((lone[0] as SaPayload).proposals[0].num, 2, 'an accepted proposal numbered 2 decodes');
  expectDecodeError(chain([{ ...sa, proposals: [{ ...sa.proposals[0], num: 0 }] }]), /proposal number 0/);
  const gap = { ...sa, proposals: [sa.proposals[0], { ...sa.proposals[1], num: 3 }] };
  expectDecodeError(chain([gap]), /proposal number 3 follows 1/);
  const badSpi = { ...sa, proposals: [{ ...sa.proposals[0], spi: hex('01020304') }] };
  expectDecodeError(chain([badSpi]), /SPI size 4 invalid for protocol 1/);
  expectDecodeError(chain([{ ...sa, proposals: [] }]), /no proposals/);
  // last-substructure markers
  const { bytes } = encodePayloads([sa]);
  const m1 = Buffer.from(bytes);
  m1[4] = 0; // first proposal claims to be last
  expectDecodeError(() => decodePayloads(PAYLOAD.SA, new Reader(m1)), /marked last but/);
  const m2 = Buffer.from(bytes);
  m2[4] = 1;
  expectDecodeError(() => decodePayloads(PAYLOAD.SA, new Reader(m2)), /invalid last-substructure value 1/);
  const m3 = Buffer.from(bytes);
  m3[4 + 8] = 0; // first transform claims to be last
  expectDecodeError(() => decodePayloads(PAYLOAD.SA, new Reader(m3)), /disagrees with the transform count/);
  const m4 = Buffer.from(bytes);
  m4[4 + 8 + 8] = 0x00; // KEY_LENGTH in TLV form: length 0x0100 overflows
  expectDecodeError(() => decodePayloads(PAYLOAD.SA, new Reader(m4)), /attribute 14 length 256 exceeds the 0 bytes left/);
  const m5 = Buffer.from(bytes);
  m5[4 + 8 + 8] = 0x00;
  m5.writeUInt16BE(0, 4 + 8 + 10); // KEY_LENGTH TLV with empty value
  expectDecodeError(() => decodePayloads(PAYLOAD.SA, new Reader(m5)), /KEY_LENGTH attribute must be in TV format/);

  expectDecodeError(chain([{ ...s.nonce, data: Buffer.alloc(15) } as Payload]), /nonce of 15 bytes, must be 16..256/);
  expectDecodeError(chain([{ ...s.nonce, data: Buffer.alloc(257) } as Payload]), /nonce of 257 bytes/);
  assert.equal(chain([{ ...s.nonce, data: Buffer.alloc(256) } as Payload])().length, 1);

  expectDecodeError(chain([{ ...s.notify, spi: Buffer.alloc(3) } as Payload]), /invalid SPI size 3/);

  const del = s.deleteEsp as DeletePayload;
  const { bytes: db } = encodePayloads([del]);
  const d1 = Buffer.from(db);
  d1.writeUInt16BE(3, 6); // count 3, only 2 SPIs
  expectDecodeError(() => decodePayloads(PAYLOAD.DELETE, new Reader(d1)), /3 SPIs of 4 bytes need 12 bytes, body has 8/);
  expectDecodeError(chain([{ ...del, protocol: 1 }]), /SPI size 4 for IKE/);

  const tsi = s.tsi as TsPayload;
  const sel = tsi.selectors[0];
  expectDecodeError(chain([{ ...tsi, selectors: [{ ...sel, startPort: 10, endPort: 9 }] }]), /start port 10 > end port 9/);
  const { bytes: tb } = encodePayloads([tsi]);
  const t1 = Buffer.from(tb);
  t1[8] = 9; // FC selector type
  expectDecodeError(() => decodePayloads(PAYLOAD.TSi, new Reader(t1)), /unsupported TS type 9/);
  const t2 = Buffer.from(tb);
  t2.writeUInt16BE(40, 10); // IPv4 selector claiming 40 bytes
  expectDecodeError(() => decodePayloads(PAYLOAD.TSi, new Reader(t2)), /length 40, must be 16/);
  const t3 = Buffer.from(tb);
  t3[4] = 3; // 3 selectors announced
  expectDecodeError(() => decodePayloads(PAYLOAD.TSi, new Reader(t3)), /announces 3 selectors, has 2/);

  const skf = s.skf as SkfPayload;
  expectDecodeError(chain([{ ...skf, fragmentNumber: 0 }]), /fragment 0 of 3/);
  expectDecodeError(chain([{ ...skf, fragmentNumber: 4 }]), /fragment 4 of 3/);
  expectDecodeError(chain([{ ...skf, fragmentNumber: 1, totalFragments: 0 }]), /fragment 1 of 0/);

  const { bytes: cb } = encodePayloads([s.cp]);
  const c1 = Buffer.from(cb);
  c1.writeUInt16BE(9, 14); // 2nd attribute length 9 > 4 left
  expectDecodeError(() => decodePayloads(PAYLOAD.CP, new Reader(c1)), /CP payload: attribute 3 length 9 exceeds the 4 bytes left/);

  expectDecodeError(chain([{ type: PAYLOAD.EAP, message: hex('05 01 0004') }]), /invalid EAP code 5/);
  expectDecodeError(chain([{ type: PAYLOAD.EAP, message: hex('03 01 0005') }]), /EAP length field 5 differs from payload body length 4/);
  expectDecodeError(chain([{ type: PAYLOAD.EAP, message: hex('0301') }]), /message of 2 bytes/);
  assert.equal(chain([{ type: PAYLOAD.EAP, message: hex('03 01 0004') }])().length, 1);

  // SK must be last: a chain where SK is followed by more bytes.
  const { bytes: kb } = encodePayloads([s.sk]);
  const withTail = Buffer.concat([kb, hex('00000004')]);
  expectDecodeError(() => decodePayloads(PAYLOAD.SK, new Reader(withTail)), /SK payload must be last, but 4 bytes follow/);
  expectDecodeError(() => decodeInner(PAYLOAD.SK, kb), /inside encrypted content/);
});

test('fuzz: random bytes and random mutations only throw DecodeError', () => {
  const rnd = prng(0x1ced);
  const base = fullMessage();
  let decoded = 0;
  for (let i = 0; i < 3000; i++) {
    // 1) pure random bytes, sometimes with a plausible header
    const len = rnd() % 300;
    const b = Buffer.allocUnsafe(len);
    for (let j = 0; j < len; j++) b[j] = rnd() & 0xff;
    if (len >= 28 && i % 2 === 0) {
      b[16] = [33, 34, 40, 41, 46, 53, 44, 47, 48, 42, 200][rnd() % 11];
      b[17] = 0x20;
      b.writeUInt32BE(len, 24);
    }
    if (onlyDecodeError(() => decodeMessage(b), `random #${i}`)) decoded++;
    onlyDecodeError(() => decodeInner(b[0] ?? 0, b), `random inner #${i}`);
    // 2) mutate 1..4 bytes of a valid message (keeps most structure intact)
    const m = Buffer.from(i % 3 === 0 ? SA_INIT : base);
    const flips = 1 + (rnd() % 4);
    for (let k = 0; k < flips; k++) m[28 + (rnd() % (m.length - 28))] = rnd() & 0xff;
    if (onlyDecodeError(() => decodeMessage(m), `mutation #${i}`)) {
      decoded++;
      // whatever decodes must re-encode without throwing
      const re = decodeMessage(m);
      encodeMessage(re.header, re.payloads);
    }
  }
  assert.ok(decoded > 0, 'some mutated messages still decode');
});
