/**
 * EAP packets (RFC 3748 section 4): Code, Identifier, Length, and for
 * Request/Response a Type and type data. Decoding goes through the bounded
 * Reader; the Length field must match the packet exactly.
 */
import { Reader } from '../../wire/reader';
import { EAP_CODE, EapCode, EapType } from '../../wire/iana';

export interface EapPacket {
  code: number; // EAP_CODE.*
  identifier: number; // 0..255
  /** EAP_TYPE.* for Request/Response; absent for Success/Failure. */
  type?: number;
  /** Type data (after the Type byte); empty for Success/Failure. */
  data: Buffer;
}

/** Longest EAP packet we accept or build (the Length field is 16 bits). */
export const EAP_MAX_LENGTH = 0xffff;

function hasType(code: number): boolean {
  return code === EAP_CODE.REQUEST || code === EAP_CODE.RESPONSE;
}

export function decodeEap(buf: Buffer): EapPacket {
  const r = new Reader(buf, 0, buf.length, 'EAP packet');
  const code = r.u8();
  const identifier = r.u8();
  const length = r.u16();
  if (length < 4 || length !== buf.length) throw new Error(`EAP packet: Length field ${length} does not match the ${buf.length} bytes received`);
  if (code < EAP_CODE.REQUEST || code > EAP_CODE.FAILURE) throw new Error(`EAP packet: unknown code ${code}`);
  if (!hasType(code)) {
    if (length !== 4) throw new Error(`EAP ${EapCode.name(code)}: length ${length}, must be 4`);
    return { code, identifier, data: Buffer.alloc(0) };
  }
  const type = r.u8();
  return { code, identifier, type, data: Buffer.from(r.rest()) };
}

export function encodeEap(p: EapPacket): Buffer {
  const typed = hasType(p.code);
  if (typed && p.type === undefined) throw new Error(`EAP ${EapCode.name(p.code)} needs a type`);
  const len = 4 + (typed ? 1 + p.data.length : 0);
  if (len > EAP_MAX_LENGTH) throw new Error(`EAP packet of ${len} bytes exceeds the 16-bit Length field`);
  const b = Buffer.alloc(len);
  b[0] = p.code;
  b[1] = p.identifier & 0xff;
  b.writeUInt16BE(len, 2);
  if (typed) {
    b[4] = p.type!;
    p.data.copy(b, 5);
  }
  return b;
}

/** A short description for logs, e.g. "Request/Identity id 1". */
export function describeEap(buf: Buffer): string {
  try {
    const p = decodeEap(buf);
    return `${EapCode.name(p.code)}${p.type !== undefined ? '/' + EapType.name(p.type) : ''} id ${p.identifier}`;
  } catch (e) {
    return `malformed EAP (${e instanceof Error ? e.message : String(e)})`;
  }
}

export const eapSuccess = (identifier: number): Buffer => encodeEap({ code: EAP_CODE.SUCCESS, identifier, data: Buffer.alloc(0) });
export const eapFailure = (identifier: number): Buffer => encodeEap({ code: EAP_CODE.FAILURE, identifier, data: Buffer.alloc(0) });
