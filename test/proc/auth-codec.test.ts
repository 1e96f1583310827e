/**
 * The binary ca.sign / ca.verify / ca.verify-sign codec: requests and replies
 * round-trip; a body over any limit (policy name, identity, AUTH data, octets,
 * certificate size and count, hash algorithms, reason), truncated, with trailing
 * bytes or a bad flag is refused with an IpcCheckError naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteWriter } from '../../src/proc/privsep/byte-writer';
import { IpcCheckError } from '../../src/proc/privsep/check';
import {
  AUTH_LIMITS as L,
  decodeLocalAuth,
  decodeSignRequest,
  decodeVerifiedAndSigned,
  decodeVerifyRequest,
  decodeVerifyResult,
  decodeVerifySignRequest,
  encodeLocalAuth,
  encodeSignRequest,
  encodeVerifiedAndSigned,
  encodeVerifyRequest,
  encodeVerifyResult,
  encodeVerifySignRequest,
} from '../../src/proc/privsep/auth-codec';
import type { LocalAuth, PeerCert, SignArgs, VerifiedAndSigned, VerifyArgs, VerifyResult } from '../../src/ikev2/policy/auth-provider';

// ------------------------------------------------------------------ arbitraries

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const u8 = fc.integer({ min: 0, max: 255 });
const text = (max: number) => fc.string({ maxLength: max, unit: 'binary' }).filter((s) => s.length <= max);
const identity = fc.record({ type: u8, data: bytes(L.identity) }, { noNullPrototype: true });
const cert: fc.Arbitrary<PeerCert> = fc.record({ encoding: u8, data: bytes(2048) }, { noNullPrototype: true });
const certs = fc.array(cert, { maxLength: L.certs });
const signArgs: fc.Arbitrary<SignArgs> = fc.record(
  { policy: text(L.policy), localId: identity, octets: bytes(4096), peerHashAlgs: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: L.hashAlgs }) },
  { noNullPrototype: true },
);
const verifyArgs: fc.Arbitrary<VerifyArgs> = fc.record(
  { policy: text(L.policy), remoteId: identity, method: u8, data: bytes(L.authData), octets: bytes(4096), certs },
  { noNullPrototype: true },
);
const localAuth: fc.Arbitrary<LocalAuth> = fc.record({ method: u8, data: bytes(L.authData), certs }, { noNullPrototype: true });
const verifyResult: fc.Arbitrary<VerifyResult> = fc.oneof(
  fc.constant({ ok: true } as VerifyResult),
  text(L.text).map((detail): VerifyResult => ({ ok: true, detail })),
  text(L.text).map((reason): VerifyResult => ({ ok: false, reason })),
);
const verifiedAndSigned: fc.Arbitrary<VerifiedAndSigned> = fc.record({ verified: verifyResult, signed: fc.option(localAuth, { nil: null }) }, { noNullPrototype: true });

// ------------------------------------------------------------------ round trips

test('sign, verify and verify-sign requests round-trip', () => {
  fc.assert(fc.property(signArgs, (s) => assert.deepStrictEqual(decodeSignRequest(encodeSignRequest(s), 'ca.sign'), s)), { numRuns: 200 });
  fc.assert(fc.property(verifyArgs, (v) => assert.deepStrictEqual(decodeVerifyRequest(encodeVerifyRequest(v), 'ca.verify'), v)), { numRuns: 200 });
  fc.assert(
    fc.property(verifyArgs, signArgs, (v, s) => assert.deepStrictEqual(decodeVerifySignRequest(encodeVerifySignRequest({ v, s }), 'ca.verify-sign'), { v, s })),
    { numRuns: 100 },
  );
});

test('replies round-trip; their byte fields are copies, not views of the frame', () => {
  fc.assert(fc.property(localAuth, (a) => assert.deepStrictEqual(decodeLocalAuth(encodeLocalAuth(a), 'r'), a)), { numRuns: 200 });
  fc.assert(fc.property(verifyResult, (r) => assert.deepStrictEqual(decodeVerifyResult(encodeVerifyResult(r), 'r'), r)), { numRuns: 200 });
  fc.assert(fc.property(verifiedAndSigned, (r) => assert.deepStrictEqual(decodeVerifiedAndSigned(encodeVerifiedAndSigned(r), 'r'), r)), { numRuns: 200 });
  const body = Buffer.from(encodeLocalAuth({ method: 14, data: Buffer.alloc(256, 7), certs: [{ encoding: 4, data: Buffer.alloc(900, 9) }] }));
  const a = decodeLocalAuth(body, 'r');
  body.fill(0); // as the channel does after decoding
  assert.deepStrictEqual(a.data, Buffer.alloc(256, 7));
  assert.deepStrictEqual(a.certs[0].data, Buffer.alloc(900, 9));
});

test('a reason over the limit is cut to it when encoded (log text)', () => {
  const r = decodeVerifyResult(encodeVerifyResult({ ok: false, reason: 'x'.repeat(L.text + 50) }), 'r');
  assert.deepStrictEqual(r, { ok: false, reason: 'x'.repeat(L.text) });
});

test('values over a limit cannot be encoded (RangeError)', () => {
  const s: SignArgs = { policy: 'p', localId: { type: 2, data: Buffer.from('a') }, octets: Buffer.alloc(10), peerHashAlgs: [2] };
  assert.throws(() => encodeSignRequest({ ...s, policy: 'p'.repeat(L.policy + 1) }), RangeError);
  assert.throws(() => encodeSignRequest({ ...s, octets: Buffer.alloc(L.octets + 1) }), RangeError);
  assert.throws(() => encodeSignRequest({ ...s, peerHashAlgs: [0x10000] }), RangeError);
  assert.throws(() => encodeLocalAuth({ method: 256, data: Buffer.alloc(1), certs: [] }), RangeError);
  assert.throws(() => encodeLocalAuth({ method: 1, data: Buffer.alloc(1), certs: Array.from({ length: L.certs + 1 }, () => ({ encoding: 4, data: Buffer.alloc(1) })) }), RangeError);
});

// ------------------------------------------------------------------ refused bodies

interface RawVerify {
  policy?: Buffer;
  idType?: number;
  idData?: Buffer;
  method?: number;
  data?: Buffer;
  octets?: Buffer;
  certs?: Buffer[];
}

/** A verify request written field by field, with no limit applied. */
function rawVerify(o: RawVerify = {}): Buffer {
  const w = new ByteWriter();
  const policy = o.policy ?? Buffer.from('peer');
  w.u16(policy.length);
  w.bytes(policy);
  w.u8(o.idType ?? 2);
  const id = o.idData ?? Buffer.from('peer.example');
  w.u16(id.length);
  w.bytes(id);
  w.u8(o.method ?? 1);
  const data = o.data ?? Buffer.alloc(256, 1);
  w.u16(data.length);
  w.bytes(data);
  const octets = o.octets ?? Buffer.alloc(500, 2);
  w.u32(octets.length);
  w.bytes(octets);
  const cs = o.certs ?? [Buffer.alloc(1000, 3)];
  w.u8(cs.length);
  for (const c of cs) {
    w.u8(4);
    w.u32(c.length);
    w.bytes(c);
  }
  return Buffer.from(w.done());
}

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof IpcCheckError && message.test(e.message), `expected IpcCheckError ${message}`);
}

test('a well-formed raw verify request decodes (the refusals below differ from it in one field)', () => {
  const v = decodeVerifyRequest(rawVerify(), 'ca.verify');
  assert.equal(v.policy, 'peer');
  assert.equal(v.certs.length, 1);
});

test('verify requests over a limit are refused, naming the field', () => {
  refused(() => decodeVerifyRequest(rawVerify({ policy: Buffer.from('p'.repeat(L.policy + 1)) }), 'ca.verify'), /^ca\.verify\.policy: string of 257 characters exceeds 256$/);
  refused(() => decodeVerifyRequest(rawVerify({ idData: Buffer.alloc(L.identity + 1) }), 'ca.verify'), /^ca\.verify\.remoteId\.data: 2049 bytes exceed 2048$/);
  refused(() => decodeVerifyRequest(rawVerify({ data: Buffer.alloc(L.authData + 1) }), 'ca.verify'), /^ca\.verify\.data: 8193 bytes exceed 8192$/);
  refused(() => decodeVerifyRequest(rawVerify({ octets: Buffer.alloc(L.octets + 1) }), 'ca.verify'), /^ca\.verify\.octets: 65537 bytes exceed 65536$/);
  refused(() => decodeVerifyRequest(rawVerify({ certs: [Buffer.alloc(10), Buffer.alloc(L.cert + 1)] }), 'ca.verify'), /^ca\.verify\.certs\[1\]\.data: 65537 bytes exceed 65536$/);
  refused(() => decodeVerifyRequest(rawVerify({ certs: Array.from({ length: L.certs + 1 }, () => Buffer.alloc(4)) }), 'ca.verify'), /^ca\.verify\.certs: 17 certificates exceed 16$/);
});

test('truncated bodies and trailing bytes are refused', () => {
  const body = rawVerify();
  for (const cut of [0, 1, 5, 20, body.length - 1]) refused(() => decodeVerifyRequest(body.subarray(0, cut), 'ca.verify'), /truncated ca\.verify/);
  refused(() => decodeVerifyRequest(Buffer.concat([body, Buffer.from([0])]), 'ca.verify'), /^ca\.verify: 1 unexpected trailing bytes$/);
  const vs = encodeVerifySignRequest({ v: decodeVerifyRequest(body, 'x'), s: { policy: 'p', localId: { type: 1, data: Buffer.alloc(4) }, octets: Buffer.alloc(8), peerHashAlgs: [] } });
  refused(() => decodeVerifySignRequest(vs.subarray(0, vs.length - 1), 'ca.verify-sign'), /truncated ca\.verify-sign/);
  refused(() => decodeVerifySignRequest(body, 'ca.verify-sign'), /truncated ca\.verify-sign/); // the sign part missing
});

test('sign requests: too many hash algorithms are refused', () => {
  const w = new ByteWriter();
  w.text('p', 2);
  w.u8(1);
  w.u16(4);
  w.bytes(Buffer.alloc(4));
  w.u32(0);
  w.u8(L.hashAlgs + 1);
  for (let i = 0; i <= L.hashAlgs; i++) w.u16(2);
  refused(() => decodeSignRequest(Buffer.from(w.done()), 'ca.sign'), /^ca\.sign\.peerHashAlgs: 33 hash algorithms exceed 32$/);
});

test('replies: bad flags, an over-long reason and trailing bytes are refused', () => {
  refused(() => decodeVerifyResult(Buffer.from([2]), 'ca.verify reply'), /^ca\.verify reply\.ok: 2 is neither 0 nor 1$/);
  refused(() => decodeVerifyResult(Buffer.from([1, 3]), 'ca.verify reply'), /^ca\.verify reply\.detail: 3 is neither 0 nor 1$/);
  const w = new ByteWriter();
  w.u8(0);
  w.text('r'.repeat(L.text + 1), 2);
  refused(() => decodeVerifyResult(Buffer.from(w.done()), 'ca.verify reply'), /^ca\.verify reply\.reason: string of 4097 characters exceeds 4096$/);
  const ok = encodeVerifiedAndSigned({ verified: { ok: true }, signed: null });
  refused(() => decodeVerifiedAndSigned(Buffer.from([...ok.subarray(0, ok.length - 1), 5]), 'ca.verify-sign reply'), /^ca\.verify-sign reply\.signed: 5 is neither 0 nor 1$/);
  refused(() => decodeVerifiedAndSigned(Buffer.concat([ok, Buffer.from([1])]), 'ca.verify-sign reply'), /trailing/);
  const la = rawLocalAuth(Buffer.alloc(L.authData + 1));
  refused(() => decodeLocalAuth(la, 'ca.sign reply'), /^ca\.sign reply\.data: 8193 bytes exceed 8192$/);
});

function rawLocalAuth(data: Buffer): Buffer {
  const w = new ByteWriter();
  w.u8(14);
  w.u16(data.length);
  w.bytes(data);
  w.u8(0);
  return Buffer.from(w.done());
}
