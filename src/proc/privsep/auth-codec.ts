/**
 * The binary form of the engine's requests to the ca (ca.sign, ca.verify,
 * ca.verify-sign; frame-channel.ts requestBinary) and of their replies.
 * Decoding goes through the bounded reader with the limits messages.ts has
 * always enforced for them: policy names of 256 characters, identities of
 * 2 KiB, AUTH data of 8 KiB, AUTH octets and each certificate of 64 KiB, at
 * most 16 certificates and 32 hash algorithms, reasons of 4096 characters, no
 * trailing bytes. A violation is an IpcCheckError naming the field (fatal for
 * the receiver, as every bad message is).
 *
 * Sign request: policy (u16-length text), identity (u8 type, u16-length data),
 * octets (u32 length), u8 count of u16 hash algorithms. Verify request: policy,
 * identity, u8 method, data (u16 length), octets (u32 length), certificates
 * (u8 count; each u8 encoding, u32-length data). Verify-sign: verify, then sign.
 * Replies: LocalAuth is u8 method, data, certificates; VerifyResult is u8 1 (ok)
 * with u8 0/1 and the detail text, or u8 0 and the reason text; VerifiedAndSigned
 * is a VerifyResult then u8 0 (nothing signed) or 1 and a LocalAuth.
 * Byte fields of decoded requests are views of the body (the channel zeroes it
 * after the handler); those of decoded replies are copies (the engine keeps them).
 */
import type { Identity } from '../../crypto/identity';
import type { LocalAuth, PeerCert, SignArgs, VerifiedAndSigned, VerifyArgs, VerifyResult } from '../../ikev2/policy/auth-provider';
import { Reader } from '../../wire/reader';
import { ByteWriter } from './byte-writer';
import { IpcCheckError } from './check';

/** The limits (as the v8 checks of messages.ts had them). */
export const AUTH_LIMITS = {
  policy: 256,
  identity: 2048,
  authData: 8192,
  octets: 65536,
  cert: 65536,
  certs: 16,
  hashAlgs: 32,
  text: 4096,
} as const;
const L = AUTH_LIMITS;

// ------------------------------------------------------------------ encoding

function text(w: ByteWriter, s: string, max: number, what: string): void {
  if (s.length > max) throw new RangeError(`${what}: string of ${s.length} characters exceeds ${max}`);
  w.text(s, 2);
}

function bytes16(w: ByteWriter, b: Buffer, max: number, what: string): void {
  if (b.length > max) throw new RangeError(`${what}: ${b.length} bytes exceed ${max}`);
  w.u16(b.length);
  w.bytes(b);
}

function bytes32(w: ByteWriter, b: Buffer, max: number, what: string): void {
  if (b.length > max) throw new RangeError(`${what}: ${b.length} bytes exceed ${max}`);
  w.u32(b.length);
  w.bytes(b);
}

function u8(w: ByteWriter, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`${what}: ${v} is outside 0..255`);
  w.u8(v);
}

function identity(w: ByteWriter, id: Identity, what: string): void {
  u8(w, id.type, `${what}.type`);
  bytes16(w, id.data, L.identity, `${what}.data`);
}

function certs(w: ByteWriter, list: readonly PeerCert[]): void {
  if (list.length > L.certs) throw new RangeError(`certs: ${list.length} certificates exceed ${L.certs}`);
  w.u8(list.length);
  for (const c of list) {
    u8(w, c.encoding, 'certs.encoding');
    bytes32(w, c.data, L.cert, 'certs.data');
  }
}

function writeSign(w: ByteWriter, s: SignArgs): void {
  text(w, s.policy, L.policy, 'policy');
  identity(w, s.localId, 'localId');
  bytes32(w, s.octets, L.octets, 'octets');
  if (s.peerHashAlgs.length > L.hashAlgs) throw new RangeError(`peerHashAlgs: ${s.peerHashAlgs.length} exceed ${L.hashAlgs}`);
  w.u8(s.peerHashAlgs.length);
  for (const h of s.peerHashAlgs) {
    if (!Number.isInteger(h) || h < 0 || h > 0xffff) throw new RangeError(`peerHashAlgs: ${h} is outside 0..65535`);
    w.u16(h);
  }
}

function writeVerify(w: ByteWriter, v: VerifyArgs): void {
  text(w, v.policy, L.policy, 'policy');
  identity(w, v.remoteId, 'remoteId');
  u8(w, v.method, 'method');
  bytes16(w, v.data, L.authData, 'data');
  bytes32(w, v.octets, L.octets, 'octets');
  certs(w, v.certs);
}

function writeLocalAuth(w: ByteWriter, a: LocalAuth): void {
  u8(w, a.method, 'method');
  bytes16(w, a.data, L.authData, 'data');
  certs(w, a.certs);
}

/** A detail or reason longer than the limit is cut to it (it is log text). */
function writeVerifyResult(w: ByteWriter, r: VerifyResult): void {
  if (r.ok) {
    w.u8(1);
    w.u8(r.detail === undefined ? 0 : 1);
    if (r.detail !== undefined) text(w, r.detail.slice(0, L.text), L.text, 'detail');
  } else {
    w.u8(0);
    text(w, r.reason.slice(0, L.text), L.text, 'reason');
  }
}

/** Encode with `write`; what cannot be encoded throws RangeError and nothing is left behind (zeroed). */
function encode<T>(v: T, write: (w: ByteWriter, v: T) => void, size = 1024): Buffer {
  const w = new ByteWriter(size);
  try {
    write(w, v);
  } catch (e) {
    w.zero();
    throw e;
  }
  return w.done();
}

export const encodeSignRequest = (s: SignArgs): Buffer => encode(s, writeSign, 256 + s.octets.length);
export const encodeVerifyRequest = (v: VerifyArgs): Buffer => encode(v, writeVerify);
export const encodeVerifySignRequest = (r: { v: VerifyArgs; s: SignArgs }): Buffer =>
  encode(
    r,
    (w, x) => {
      writeVerify(w, x.v);
      writeSign(w, x.s);
    },
    2048 + r.v.octets.length + r.s.octets.length,
  );
export const encodeLocalAuth = (a: LocalAuth): Buffer => encode(a, writeLocalAuth);
export const encodeVerifyResult = (r: VerifyResult): Buffer => encode(r, writeVerifyResult, 64);
export const encodeVerifiedAndSigned = (r: VerifiedAndSigned): Buffer =>
  encode(r, (w, x) => {
    writeVerifyResult(w, x.verified);
    w.u8(x.signed ? 1 : 0);
    if (x.signed) writeLocalAuth(w, x.signed);
  });

// ------------------------------------------------------------------ decoding

function fail(where: string, what: string): never {
  throw new IpcCheckError(`${where}: ${what}`);
}

function readText(r: Reader, max: number, where: string): string {
  const s = r.bytes(r.u16()).toString('utf8');
  if (s.length > max) fail(where, `string of ${s.length} characters exceeds ${max}`);
  return s;
}

/** `copy`: a copy instead of a view of the body. */
function readBytes(r: Reader, n: number, max: number, copy: boolean, where: string): Buffer {
  if (n > max) fail(where, `${n} bytes exceed ${max}`);
  const b = r.bytes(n);
  return copy ? Buffer.from(b) : b;
}

function readIdentity(r: Reader, where: string): Identity {
  const type = r.u8();
  return { type, data: readBytes(r, r.u16(), L.identity, false, `${where}.data`) };
}

function readCerts(r: Reader, copy: boolean): PeerCert[] {
  const n = r.u8();
  if (n > L.certs) fail('certs', `${n} certificates exceed ${L.certs}`);
  const out: PeerCert[] = [];
  for (let i = 0; i < n; i++) {
    const encoding = r.u8();
    out.push({ encoding, data: readBytes(r, r.u32(), L.cert, copy, `certs[${i}].data`) });
  }
  return out;
}

function readSign(r: Reader): SignArgs {
  const policy = readText(r, L.policy, 'policy');
  const localId = readIdentity(r, 'localId');
  const octets = readBytes(r, r.u32(), L.octets, false, 'octets');
  const n = r.u8();
  if (n > L.hashAlgs) fail('peerHashAlgs', `${n} hash algorithms exceed ${L.hashAlgs}`);
  const peerHashAlgs: number[] = [];
  for (let i = 0; i < n; i++) peerHashAlgs.push(r.u16());
  return { policy, localId, octets, peerHashAlgs };
}

function readVerify(r: Reader): VerifyArgs {
  const policy = readText(r, L.policy, 'policy');
  const remoteId = readIdentity(r, 'remoteId');
  const method = r.u8();
  const data = readBytes(r, r.u16(), L.authData, false, 'data');
  const octets = readBytes(r, r.u32(), L.octets, false, 'octets');
  return { policy, remoteId, method, data, octets, certs: readCerts(r, false) };
}

function readLocalAuth(r: Reader): LocalAuth {
  const method = r.u8();
  const data = readBytes(r, r.u16(), L.authData, true, 'data');
  return { method, data, certs: readCerts(r, true) };
}

function readFlag(r: Reader, where: string): boolean {
  const f = r.u8();
  if (f > 1) fail(where, `${f} is neither 0 nor 1`);
  return f === 1;
}

function readVerifyResult(r: Reader): VerifyResult {
  if (!readFlag(r, 'ok')) return { ok: false, reason: readText(r, L.text, 'reason') };
  return readFlag(r, 'detail') ? { ok: true, detail: readText(r, L.text, 'detail') } : { ok: true };
}

/** Decode the whole body with `read`: a truncated body or trailing bytes are refused too. */
function decode<T>(body: Buffer, where: string, read: (r: Reader) => T): T {
  const r = new Reader(body, 0, body.length, where);
  let v: T;
  try {
    v = read(r);
  } catch (e) {
    if (e instanceof IpcCheckError) throw new IpcCheckError(`${where}.${e.message}`);
    throw new IpcCheckError(e instanceof Error ? e.message : `${where}: ${String(e)}`);
  }
  if (r.remaining !== 0) fail(where, `${r.remaining} unexpected trailing bytes`);
  return v;
}

export const decodeSignRequest = (body: Buffer, where: string): SignArgs => decode(body, where, readSign);
export const decodeVerifyRequest = (body: Buffer, where: string): VerifyArgs => decode(body, where, readVerify);
export const decodeVerifySignRequest = (body: Buffer, where: string): { v: VerifyArgs; s: SignArgs } =>
  decode(body, where, (r) => {
    const v = readVerify(r);
    return { v, s: readSign(r) };
  });
export const decodeLocalAuth = (body: Buffer, where: string): LocalAuth => decode(body, where, readLocalAuth);
export const decodeVerifyResult = (body: Buffer, where: string): VerifyResult => decode(body, where, readVerifyResult);
export const decodeVerifiedAndSigned = (body: Buffer, where: string): VerifiedAndSigned =>
  decode(body, where, (r) => {
    const verified = readVerifyResult(r);
    return { verified, signed: readFlag(r, 'signed') ? readLocalAuth(r) : null };
  });
