/** Whole IKE messages (RFC 7296 3.1): header + payload chain. */
import { DecodeError } from '../../wire/decode-error';
import { HEADER_LEN, decodeHeader, encodeHeader } from './header';
import { NOTIFY } from '../../wire/iana';
import { decodeChain, payloadsLength, writePayloads } from './payload-chain';
import type { IkeHeader, IkeMessage, Payload } from './payload-types';
import { Reader } from '../../wire/reader';

/** Largest message we accept or build (IKE length fits UDP; 64 KiB - 1). */
export const MAX_MESSAGE_LEN = 0xffff;
export const IKE_MAJOR_VERSION = 2;

/**
 * Encodes header + payloads in one allocation. The output's Next Payload and
 * Length are computed; `header` is not mutated.
 */
export function encodeMessage(header: IkeHeader, payloads: Payload[]): Buffer {
  const total = HEADER_LEN + payloadsLength(payloads);
  if (total > MAX_MESSAGE_LEN) throw new RangeError(`IKE message of ${total} bytes exceeds ${MAX_MESSAGE_LEN}`);
  const out = Buffer.allocUnsafe(total);
  const first = writePayloads(payloads, out, HEADER_LEN);
  encodeHeader(header, out, 0);
  out[16] = first;
  out.writeUInt32BE(total, 24);
  return out;
}

/**
 * Decodes a received message. Checks: header present, major version 2
 * (else INVALID_MAJOR_VERSION), size <= 64 KiB, header length == buf.length,
 * and the payload chain. On a DecodeError after the header was read, the
 * error's `header` is set so a response can be addressed.
 * Decoded Buffers (SPIs, payload data) are views of `buf`; an SK payload's
 * data ends at buf's end, so the associated data is
 * buf.subarray(0, buf.length - sk.data.length).
 */
export function decodeMessage(buf: Buffer): IkeMessage {
  if (buf.length < HEADER_LEN) {
    throw new DecodeError(`truncated IKE header: need ${HEADER_LEN} bytes, ${buf.length} left`);
  }
  const header = decodeHeader(new Reader(buf, 0, HEADER_LEN, 'IKE header'));
  try {
    if (header.majorVersion !== IKE_MAJOR_VERSION) {
      throw new DecodeError(
        `unsupported IKE major version ${header.majorVersion}.${header.minorVersion}`,
        NOTIFY.INVALID_MAJOR_VERSION,
      );
    }
    if (buf.length > MAX_MESSAGE_LEN) {
      throw new DecodeError(`IKE message of ${buf.length} bytes exceeds ${MAX_MESSAGE_LEN}`);
    }
    if (header.length !== buf.length) {
      throw new DecodeError(`IKE header length ${header.length} differs from the ${buf.length} bytes received`);
    }
    const payloads = decodeChain(header.nextPayload, new Reader(buf, HEADER_LEN, buf.length, 'IKE message'), true);
    return { header, payloads };
  } catch (e) {
    if (e instanceof DecodeError) e.header = header;
    throw e;
  }
}

/** Decodes the decrypted content of an SK payload (no nested SK/SKF allowed). */
export function decodeInner(first: number, plaintext: Buffer): Payload[] {
  return decodeChain(first, new Reader(plaintext, 0, plaintext.length, 'SK content'), false);
}
