/**
 * RADIUS packet integrity: the Request Authenticator of Access-Request
 * (random), the Response Authenticator (RFC 2865 section 3), the
 * Accounting-Request Authenticator (RFC 2866 section 3) and the
 * Message-Authenticator attribute, HMAC-MD5 (RFC 3579 section 3.2).
 * MD5 and HMAC-MD5 come from node:crypto.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RADIUS_ATTR } from './dictionary';
import { attributeValueOffset, encodeRadiusPacket, RadiusPacket } from './packet';

const ZERO16 = Buffer.alloc(16);

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function hmacMd5(secret: Buffer, data: Buffer): Buffer {
  return createHmac('md5', secret).update(data).digest();
}

function secretBytes(secret: string | Buffer): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}

export function newRequestAuthenticator(): Buffer {
  return randomBytes(16);
}

/** Packet with a zeroed Message-Authenticator placeholder appended if it has none. */
function withMaPlaceholder(p: RadiusPacket): RadiusPacket {
  const attributes = p.attributes.filter((a) => a.type !== RADIUS_ATTR.MESSAGE_AUTHENTICATOR);
  attributes.push({ type: RADIUS_ATTR.MESSAGE_AUTHENTICATOR, value: ZERO16 });
  return { ...p, attributes };
}

/** Fill the Message-Authenticator of `raw` in place; `authField` is what the Authenticator field holds for the HMAC. */
function fillMessageAuthenticator(raw: Buffer, authField: Buffer, secret: Buffer): void {
  const off = attributeValueOffset(raw, RADIUS_ATTR.MESSAGE_AUTHENTICATOR);
  if (off < 0) throw new Error('RADIUS packet has no Message-Authenticator to fill');
  const copy = Buffer.from(raw);
  authField.copy(copy, 4);
  ZERO16.copy(copy, off);
  hmacMd5(secret, copy).copy(raw, off);
}

/**
 * Encode an Access-Request: a fresh random Request Authenticator unless
 * `p.authenticator` is 16 bytes already, and a Message-Authenticator (always
 * added: RFC 3579 requires it with EAP-Message, and it is good practice).
 */
export function encodeAccessRequest(p: Omit<RadiusPacket, 'authenticator'> & { authenticator?: Buffer }, secret: string | Buffer): { raw: Buffer; authenticator: Buffer } {
  const s = secretBytes(secret);
  const authenticator = p.authenticator?.length === 16 ? p.authenticator : newRequestAuthenticator();
  const raw = encodeRadiusPacket(withMaPlaceholder({ ...p, authenticator }));
  fillMessageAuthenticator(raw, authenticator, s);
  return { raw, authenticator };
}

/** Encode an Accounting-Request: Authenticator = MD5(packet with zero authenticator + secret). */
export function encodeAccountingRequest(p: Omit<RadiusPacket, 'authenticator'>, secret: string | Buffer): { raw: Buffer; authenticator: Buffer } {
  const raw = encodeRadiusPacket({ ...p, authenticator: ZERO16 });
  const authenticator = md5(raw, secretBytes(secret));
  authenticator.copy(raw, 4);
  return { raw, authenticator };
}

/**
 * Encode a reply (Access-Accept/Reject/Challenge, Accounting-Response) to a
 * request with `requestAuthenticator`: Message-Authenticator if `withMa`,
 * then the Response Authenticator. (Used by test servers; a NAS only verifies.)
 */
export function encodeResponse(p: Omit<RadiusPacket, 'authenticator'>, requestAuthenticator: Buffer, secret: string | Buffer, withMa = true): Buffer {
  const s = secretBytes(secret);
  const raw = encodeRadiusPacket(withMa ? withMaPlaceholder({ ...p, authenticator: requestAuthenticator }) : { ...p, authenticator: requestAuthenticator });
  if (withMa) fillMessageAuthenticator(raw, requestAuthenticator, s);
  md5(raw, s).copy(raw, 4);
  return raw;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

function checkMa(raw: Buffer, authField: Buffer, s: Buffer, required: boolean): Verdict {
  const off = attributeValueOffset(raw, RADIUS_ATTR.MESSAGE_AUTHENTICATOR);
  if (off < 0) return required ? { ok: false, reason: 'Message-Authenticator missing' } : { ok: true };
  if (raw[off - 1] !== 18) return { ok: false, reason: `Message-Authenticator has length ${raw[off - 1]}, not 18` };
  const copy = Buffer.from(raw);
  authField.copy(copy, 4);
  ZERO16.copy(copy, off);
  const want = hmacMd5(s, copy);
  return timingSafeEqual(want, raw.subarray(off, off + 16)) ? { ok: true } : { ok: false, reason: 'Message-Authenticator mismatch (wrong shared secret?)' };
}

/**
 * Verify a reply against the request it answers: the Response Authenticator
 * MD5(Code+Identifier+Length+RequestAuth+Attributes+Secret) and the
 * Message-Authenticator (required when `requireMa`, checked whenever present).
 * `raw` is the datagram; bytes after the Length field are ignored.
 */
export function verifyResponse(raw: Buffer, requestAuthenticator: Buffer, secret: string | Buffer, requireMa: boolean): Verdict {
  if (raw.length < 20) return { ok: false, reason: `reply of ${raw.length} bytes is too short` };
  const len = raw.readUInt16BE(2);
  if (len < 20 || len > raw.length) return { ok: false, reason: `reply Length ${len} does not fit ${raw.length} bytes` };
  const pkt = raw.subarray(0, len);
  const s = secretBytes(secret);
  const copy = Buffer.from(pkt);
  requestAuthenticator.copy(copy, 4);
  const want = md5(copy, s);
  if (!timingSafeEqual(want, pkt.subarray(4, 20))) return { ok: false, reason: 'Response Authenticator mismatch (wrong shared secret?)' };
  return checkMa(pkt, requestAuthenticator, s, requireMa);
}

/** Verify a received Access-Request's Message-Authenticator (test servers, DAE). */
export function verifyAccessRequest(raw: Buffer, secret: string | Buffer, requireMa: boolean): Verdict {
  const len = raw.length >= 4 ? raw.readUInt16BE(2) : 0;
  if (len < 20 || len > raw.length) return { ok: false, reason: 'bad Length' };
  const pkt = raw.subarray(0, len);
  return checkMa(pkt, pkt.subarray(4, 20), secretBytes(secret), requireMa);
}

/** Verify a received Accounting-Request's Authenticator (test servers). */
export function verifyAccountingRequest(raw: Buffer, secret: string | Buffer): Verdict {
  const len = raw.length >= 4 ? raw.readUInt16BE(2) : 0;
  if (len < 20 || len > raw.length) return { ok: false, reason: 'bad Length' };
  const copy = Buffer.from(raw.subarray(0, len));
  ZERO16.copy(copy, 4);
  return timingSafeEqual(md5(copy, secretBytes(secret)), raw.subarray(4, 20)) ? { ok: true } : { ok: false, reason: 'Accounting-Request Authenticator mismatch' };
}
