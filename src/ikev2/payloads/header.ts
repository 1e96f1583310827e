import type { IkeHeader } from './payload-types';
import type { Reader } from '../../wire/reader';

/** IKE header (RFC 7296 3.1). */
export const HEADER_LEN = 28;

/** Reads the 28-byte IKE header. SPIs are views of the input. No semantic checks. */
export function decodeHeader(r: Reader): IkeHeader {
  const spiI = r.bytes(8);
  const spiR = r.bytes(8);
  const nextPayload = r.u8();
  const version = r.u8();
  const exchange = r.u8();
  const flags = r.u8();
  const messageId = r.u32();
  const length = r.u32();
  return {
    spiI,
    spiR,
    nextPayload,
    majorVersion: version >> 4,
    minorVersion: version & 0x0f,
    exchange,
    flags,
    messageId,
    length,
  };
}

/** Writes h (including h.length and h.nextPayload as given) at out[offset..offset+28). */
export function encodeHeader(h: IkeHeader, out: Buffer, offset = 0): void {
  if (h.spiI.length !== 8 || h.spiR.length !== 8) {
    throw new RangeError(`IKE header SPIs must be 8 bytes (got ${h.spiI.length} and ${h.spiR.length})`);
  }
  if (out.length - offset < HEADER_LEN) {
    throw new RangeError(`IKE header needs ${HEADER_LEN} bytes, output has ${out.length - offset}`);
  }
  h.spiI.copy(out, offset);
  h.spiR.copy(out, offset + 8);
  out[offset + 16] = h.nextPayload;
  out[offset + 17] = ((h.majorVersion & 0x0f) << 4) | (h.minorVersion & 0x0f);
  out[offset + 18] = h.exchange;
  out[offset + 19] = h.flags;
  out.writeUInt32BE(h.messageId >>> 0, offset + 20);
  out.writeUInt32BE(h.length >>> 0, offset + 24);
}

/** The two SPIs as views, or null if buf is too short for a header. */
export function peekSpis(buf: Buffer): { spiI: Buffer; spiR: Buffer } | null {
  if (buf.length < HEADER_LEN) return null;
  return { spiI: buf.subarray(0, 8), spiR: buf.subarray(8, 16) };
}
