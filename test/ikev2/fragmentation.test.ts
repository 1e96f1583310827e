/** RFC 7383 fragmentation: sealing into SKF fragments and reassembly with its bounds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENCR, INTEG, PAYLOAD, EXCHANGE, FLAG, CERT, AUTH, ID } from '../../src/wire/iana';
import { encrById } from '../../src/crypto/encr';
import { integById } from '../../src/crypto/integ';
import type { SkSuite } from '../../src/crypto/sk-seal';
import { IkeSa } from '../../src/ikev2/sa/ike-sa';
import type { Policy } from '../../src/ikev2/policy/policy';
import type { IkeHeader, Payload, SkfPayload } from '../../src/ikev2/payloads/payload-types';
import { decodeMessage } from '../../src/ikev2/payloads/message';
import { encodePayloads } from '../../src/ikev2/payloads/payload-chain';
import { sealFragments, FragmentReassembler, fragmentThreshold, fragmentChunkSize, isFragment } from '../../src/ikev2/exchange/fragmentation';

const SUITES: SkSuite[] = [
  ...[ENCR.AES_CBC, ENCR.AES_CTR].flatMap((id) =>
    [128, 256].flatMap((bits) => [INTEG.HMAC_SHA1_96, INTEG.HMAC_SHA2_256_128, INTEG.HMAC_SHA2_512_256, INTEG.AES_XCBC_96].map((i) => ({ encr: encrById(id, bits), integ: integById(i) }))),
  ),
  { encr: encrById(ENCR['3DES']), integ: integById(INTEG.HMAC_SHA2_384_192) },
  ...[ENCR.AES_GCM_8, ENCR.AES_GCM_12, ENCR.AES_GCM_16].flatMap((id) => [128, 256].map((b) => ({ encr: encrById(id, b), integ: null }))),
  { encr: encrById(ENCR.CHACHA20_POLY1305), integ: null },
];
const label = (s: SkSuite): string => `${s.encr.name}/${s.integ?.name ?? 'AEAD'}`;

/** An initiator and a responder IKE SA sharing keys for `suite`. */
function saPair(suite: SkSuite): { i: IkeSa; r: IkeSa } {
  const spiI = randomBytes(8);
  const spiR = randomBytes(8);
  const keys = {
    skD: randomBytes(32),
    skAi: suite.integ ? randomBytes(suite.integ.keyLen) : Buffer.alloc(0),
    skAr: suite.integ ? randomBytes(suite.integ.keyLen) : Buffer.alloc(0),
    skEi: randomBytes(suite.encr.keyLen),
    skEr: randomBytes(suite.encr.keyLen),
    skPi: randomBytes(32),
    skPr: randomBytes(32),
  };
  const mk = (initiator: boolean): IkeSa => {
    const sa = new IkeSa(initiator, spiI, {} as Policy, { address: '192.0.2.1', port: 500 }, { address: '192.0.2.2', port: 500 });
    sa.spiR = spiR;
    sa.alg = { chosen: {} as never, encr: suite.encr, integ: suite.integ, prf: {} as never, suite };
    sa.keys = { ...keys };
    return sa;
  };
  return { i: mk(true), r: mk(false) };
}

function header(sa: IkeSa, messageId: number): IkeHeader {
  return { spiI: sa.spiI, spiR: sa.spiR, nextPayload: 0, majorVersion: 2, minorVersion: 0, exchange: EXCHANGE.IKE_AUTH, flags: FLAG.INITIATOR, messageId, length: 0 };
}

/** IKE_AUTH-like content with a certificate chain of `certBytes`. */
function bigInner(certBytes = 4000): Payload[] {
  return [
    { type: PAYLOAD.IDi, idType: ID.FQDN, data: Buffer.from('client.example.test') },
    { type: PAYLOAD.CERT, encoding: CERT.X509_SIG, data: randomBytes(certBytes) },
    { type: PAYLOAD.CERT, encoding: CERT.X509_SIG, data: randomBytes(1200) },
    { type: PAYLOAD.AUTH, method: AUTH.DIGITAL_SIGNATURE, data: randomBytes(300) },
  ];
}

function feed(re: FragmentReassembler, sa: IkeSa, frags: Buffer[], order: number[], now?: number): ReturnType<FragmentReassembler['add']>[] {
  return order.map((k) => re.add(sa.alg!.suite, sa.inKeys(), decodeMessage(frags[k]), frags[k], now));
}

test('fragment thresholds follow RFC 7383 2.5.1 (576 / 1280 minus IP, UDP and non-ESP marker)', () => {
  assert.equal(fragmentThreshold('192.0.2.1'), 576 - 20 - 8 - 4);
  assert.equal(fragmentThreshold('2001:db8::1'), 1280 - 40 - 8 - 4);
});

test('split and reassemble round trips for every cipher suite, in shuffled order', () => {
  for (const suite of SUITES) {
    const { i, r } = saPair(suite);
    const inner = bigInner();
    const max = fragmentThreshold('192.0.2.2');
    const frags = sealFragments(i, header(i, 1), inner, max);
    assert.ok(frags.length >= 10, `${label(suite)}: ${frags.length} fragments`);
    for (const [k, f] of frags.entries()) {
      assert.ok(f.length <= max, `${label(suite)}: fragment ${k + 1} is ${f.length} bytes`);
      const m = decodeMessage(f);
      assert.ok(isFragment(m));
      const skf = m.payloads[0] as SkfPayload;
      assert.equal(skf.fragmentNumber, k + 1);
      assert.equal(skf.totalFragments, frags.length);
      assert.equal(skf.innerFirst, k === 0 ? PAYLOAD.IDi : PAYLOAD.NONE, 'only fragment 1 names the first inner payload');
      assert.equal(m.header.messageId, 1);
    }
    // all but the last full: the chunk size is used to the byte
    const chunk = fragmentChunkSize(suite, max);
    assert.ok(frags[0].length > max - Math.max(suite.encr.blockSize, 1) - 1, `${label(suite)}: first fragment ${frags[0].length} of ${max} (chunk ${chunk})`);
    const order = frags.map((_, k) => k).reverse();
    [order[0], order[3]] = [order[3], order[0]];
    const re = new FragmentReassembler();
    const res = feed(re, r, frags, order);
    for (const x of res.slice(0, -1)) assert.equal(x.kind, 'incomplete');
    const last = res[res.length - 1];
    assert.equal(last.kind, 'complete', `${label(suite)}: ${JSON.stringify(last)}`);
    if (last.kind === 'complete') assert.deepEqual(encodePayloads(last.inner).bytes, encodePayloads(inner).bytes, `${label(suite)}: content survives`);
    assert.equal(re.pending, null, 'nothing left after completion');
  }
});

test('a fragment sealed with the wrong direction keys, or altered, is dropped without touching state', () => {
  const suite = SUITES[0];
  const { i, r } = saPair(suite);
  const frags = sealFragments(i, header(i, 1), bigInner(), 544);
  const re = new FragmentReassembler();
  // opened with our own outbound keys: wrong keys
  const wrong = re.add(suite, i.inKeys(), decodeMessage(frags[0]), frags[0]);
  assert.equal(wrong.kind, 'dropped');
  assert.match((wrong as { reason: string }).reason, /integrity/);
  assert.equal(re.pending, null);
  // the fragment number is covered by the ICV: renumbering fragment 2 as 3 fails
  const forged = Buffer.from(frags[1]);
  forged.writeUInt16BE(3, 28 + 4);
  const f = re.add(suite, r.inKeys(), decodeMessage(forged), forged);
  assert.equal(f.kind, 'dropped');
  assert.equal(re.pending, null);
  // the real ones still complete
  const res = feed(re, r, frags, frags.map((_, k) => k));
  assert.equal(res[res.length - 1].kind, 'complete');
});

test('duplicates are ignored and do not count towards completion', () => {
  const { i, r } = saPair(SUITES[SUITES.length - 1]);
  const frags = sealFragments(i, header(i, 5), bigInner(2000), 544);
  const re = new FragmentReassembler();
  const first = feed(re, r, frags, [0, 0, 1, 1, 0]);
  assert.deepEqual(first.map((x) => x.kind), ['incomplete', 'dropped', 'incomplete', 'dropped', 'dropped']);
  assert.deepEqual(re.pending, { messageId: 5, received: 2, total: frags.length });
  const rest = feed(re, r, frags, frags.map((_, k) => k).slice(2));
  assert.equal(rest[rest.length - 1].kind, 'complete');
});

test('bounds: too many fragments, inconsistent totals, too many bytes, timeout', () => {
  const suite = { encr: encrById(ENCR.AES_GCM_16, 128), integ: null };
  const { i, r } = saPair(suite);
  const inner = bigInner(6000);
  // too many fragments
  const small = sealFragments(i, header(i, 1), inner, 200);
  assert.ok(small.length > 40);
  const tight = new FragmentReassembler({ maxFragments: 16, maxTotalBytes: 0xffff, timeoutMs: 30_000 });
  const t = tight.add(suite, r.inKeys(), decodeMessage(small[0]), small[0]);
  assert.equal(t.kind, 'dropped');
  assert.match((t as { reason: string }).reason, /exceed the limit of 16/);

  // inconsistent totals: a smaller total than the collection's is dropped, a larger one restarts it
  const big = sealFragments(i, header(i, 1), inner, 1000);
  const mid = sealFragments(i, header(i, 1), inner, 544);
  assert.ok(big.length < mid.length);
  const re = new FragmentReassembler();
  assert.equal(feed(re, r, mid, [0, 1])[1].kind, 'incomplete');
  const lower = feed(re, r, big, [2])[0];
  assert.equal(lower.kind, 'dropped');
  assert.match((lower as { reason: string }).reason, /earlier ones said/);
  assert.equal(re.pending?.total, mid.length, 'the collection is kept');
  const higher = feed(re, r, small.slice(0, 0).concat(sealFragments(i, header(i, 1), inner, 300)), [0])[0];
  assert.equal(higher.kind, 'incomplete');
  assert.ok(re.pending!.total > mid.length && re.pending!.received === 1, 'a larger total restarts the collection');

  // a message larger than maxTotalBytes
  const cap = new FragmentReassembler({ maxFragments: 64, maxTotalBytes: 3000, timeoutMs: 30_000 });
  const res = feed(cap, r, mid, mid.map((_, k) => k));
  const dropped = res.find((x) => x.kind === 'dropped');
  assert.ok(dropped, 'dropped once the bytes exceed the cap');
  assert.match((dropped as { reason: string }).reason, /exceed 3000 bytes/);
  assert.ok(!res.some((x) => x.kind === 'complete'));

  // timeout: an old collection is replaced
  const slow = new FragmentReassembler({ maxFragments: 64, maxTotalBytes: 0xffff, timeoutMs: 1000 });
  feed(slow, r, mid, [0, 1], 10_000);
  assert.equal(slow.pending?.received, 2);
  feed(slow, r, mid, [2], 12_000);
  assert.equal(slow.pending?.received, 1, 'fragments older than the timeout were discarded');

  // a new message ID replaces an unfinished one
  const next = sealFragments(i, header(i, 2), bigInner(1000), 544);
  feed(slow, r, next, [0], 12_001);
  assert.deepEqual(slow.pending, { messageId: 2, received: 1, total: next.length });
});

test('a small message is one fragment and still reassembles', () => {
  const { i, r } = saPair(SUITES[0]);
  const inner: Payload[] = [{ type: PAYLOAD.NOTIFY, protocol: 0, spi: Buffer.alloc(0), notifyType: 16384, data: Buffer.alloc(0) }];
  const frags = sealFragments(i, header(i, 3), inner, 544);
  assert.equal(frags.length, 1);
  const res = new FragmentReassembler().add(r.alg!.suite, r.inKeys(), decodeMessage(frags[0]), frags[0]);
  assert.equal(res.kind, 'complete');
});

test('too small a fragment size is refused with a clear error', () => {
  const { i } = saPair(SUITES[0]);
  assert.throws(() => sealFragments(i, header(i, 1), bigInner(), 60), /fragment size 60 is too small/);
});
