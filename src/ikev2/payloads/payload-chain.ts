/**
 * Payload chains (RFC 7296 3.2): generic headers, Next Payload linking, and
 * validate-then-parse decoding as OpenIKED's ikev2_pld.c does it.
 */
import { DecodeError } from '../../wire/decode-error';
import { NOTIFY, PAYLOAD, PayloadType } from '../../wire/iana';
import type { Payload } from './payload-types';
import { codecFor, codecForType, isKnownPayloadType } from './body/registry';
import { Reader } from '../../wire/reader';

export const GENERIC_HEADER_LEN = 4;
export const MAX_PAYLOAD_LEN = 0xffff;
const CRITICAL = 0x80;

function isSealed(type: number): boolean {
  return type === PAYLOAD.SK || type === PAYLOAD.SKF;
}

/** Writes a generic payload header at out[off..off+4). */
export function writeGenericHeader(out: Buffer, off: number, next: number, critical: boolean, length: number): void {
  out.writeUInt8(next, off);
  out[off + 1] = critical ? CRITICAL : 0;
  out.writeUInt16BE(length, off + 2);
}

/** A 4-byte generic payload header. */
export function genericHeader(next: number, critical: boolean, length: number): Buffer {
  const b = Buffer.allocUnsafe(GENERIC_HEADER_LEN);
  writeGenericHeader(b, 0, next, critical, length);
  return b;
}

/** Encoded size of a payload chain, generic headers included. */
export function payloadsLength(payloads: readonly Payload[]): number {
  let n = 0;
  for (const p of payloads) n += GENERIC_HEADER_LEN + codecFor(p).size(p);
  return n;
}

/**
 * Writes a payload chain at out[off..]; returns the type of the first payload
 * (0 if none). `out` must have payloadsLength(payloads) bytes from `off`.
 */
export function writePayloads(payloads: readonly Payload[], out: Buffer, off: number): number {
  const n = payloads.length;
  for (let i = 0; i < n; i++) {
    const p = payloads[i];
    let next: number;
    if (isSealed(p.type) && !('unknown' in p)) {
      if (i !== n - 1) throw new RangeError(`${PayloadType.name(p.type)} payload must be the last payload`);
      next = (p as { innerFirst: number }).innerFirst;
    } else {
      next = i === n - 1 ? PAYLOAD.NONE : payloads[i + 1].type;
    }
    const start = off;
    const end = codecFor(p).write(p, out, start + GENERIC_HEADER_LEN);
    const len = end - start;
    if (len > MAX_PAYLOAD_LEN) {
      throw new RangeError(`${PayloadType.name(p.type)} payload of ${len} bytes exceeds ${MAX_PAYLOAD_LEN}`);
    }
    writeGenericHeader(out, start, next, p.critical === true, len);
    off = end;
  }
  return n === 0 ? PAYLOAD.NONE : payloads[0].type;
}

/** Encodes a payload chain into one buffer; `first` is the type of the first payload. */
export function encodePayloads(payloads: Payload[]): { first: number; bytes: Buffer } {
  const total = payloadsLength(payloads);
  const bytes = Buffer.allocUnsafe(total);
  const first = writePayloads(payloads, bytes, 0);
  return { first, bytes };
}

/**
 * Decodes the payload chain starting with type `first` filling all of `r`.
 * Pass 1 walks the generic headers (length >= 4 and inside the buffer, SK/SKF
 * last, unknown critical payloads rejected); pass 2 parses each body with its
 * own bounded reader. Decoded Buffers are views of r's buffer.
 */
export function decodePayloads(first: number, r: Reader): Payload[] {
  return decodeChain(first, r, true);
}

/** "SA payload", "NOTIFY payload"...: what a body's reader names in errors, made once per type (types are 8 bits). */
const LABELS: (string | undefined)[] = new Array<string | undefined>(256);

function payloadLabel(t: number): string {
  return (LABELS[t] ??= `${PayloadType.name(t)} payload`);
}

/** Decodes a chain; `allowSealed` false for decrypted SK content (no nested SK/SKF). */
export function decodeChain(first: number, r: Reader, allowSealed: boolean): Payload[] {
  const buf = r.buffer;
  const end = r.offset + r.remaining;
  const starts: number[] = [];
  const types: number[] = [];
  let off = r.offset;
  let type = first;

  // Pass 1: validate the generic headers.
  while (type !== PAYLOAD.NONE) {
    const left = end - off;
    if (left < GENERIC_HEADER_LEN) {
      throw new DecodeError(
        `truncated ${PayloadType.name(type)} payload header: need ${GENERIC_HEADER_LEN} bytes, ${left} left`,
        NOTIFY.INVALID_SYNTAX,
        type,
      );
    }
    const next = buf[off];
    const len = (buf[off + 2] << 8) | buf[off + 3];
    if (len < GENERIC_HEADER_LEN) {
      throw new DecodeError(`${PayloadType.name(type)} payload length ${len} is less than 4`, NOTIFY.INVALID_SYNTAX, type);
    }
    if (len > left) {
      throw new DecodeError(
        `${PayloadType.name(type)} payload length ${len} exceeds the ${left} bytes left`,
        NOTIFY.INVALID_SYNTAX,
        type,
      );
    }
    if ((buf[off + 1] & CRITICAL) !== 0 && !isKnownPayloadType(type)) {
      throw new DecodeError(
        `unsupported critical payload ${PayloadType.name(type)}`,
        NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD,
        type,
      );
    }
    starts.push(off);
    types.push(type);
    off += len;
    if (isSealed(type)) {
      if (!allowSealed) {
        throw new DecodeError(`${PayloadType.name(type)} payload inside encrypted content`, NOTIFY.INVALID_SYNTAX, type);
      }
      if (off !== end) {
        throw new DecodeError(
          `${PayloadType.name(type)} payload must be last, but ${end - off} bytes follow it`,
          NOTIFY.INVALID_SYNTAX,
          type,
        );
      }
      break;
    }
    type = next;
  }
  if (off !== end) {
    throw new DecodeError(`${end - off} trailing bytes after the last payload`, NOTIFY.INVALID_SYNTAX);
  }
  r.bytes(r.remaining); // consumed

  // Pass 2: parse each body.
  const out: Payload[] = new Array<Payload>(types.length);
  for (let i = 0; i < types.length; i++) {
    const t = types[i];
    const s = starts[i];
    const len = (buf[s + 2] << 8) | buf[s + 3];
    const label = payloadLabel(t);
    const body = new Reader(buf, s + GENERIC_HEADER_LEN, s + len, label, t);
    const p = codecForType(t).read(body, t, (buf[s + 1] & CRITICAL) !== 0, buf[s]);
    body.expectEnd(label);
    out[i] = p;
  }
  return out;
}
