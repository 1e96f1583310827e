/**
 * RADIUS packet codec (RFC 2865 section 3 and 5): Code, Identifier, Length,
 * Authenticator, then type-length-value attributes. Decoding goes through the
 * bounded Reader; every length is checked. Vendor-Specific attributes
 * (type 26) are kept raw here and taken apart with decodeVendorSpecific.
 * Authenticators and Message-Authenticator are in authenticator.ts.
 */
import { Reader } from '../wire/reader';
import { DecodeError } from '../wire/decode-error';
import { MAX_ATTR_VALUE, MAX_PACKET, MIN_PACKET, RADIUS_ATTR, radiusAttrName } from './dictionary';

export interface RadiusAttribute {
  type: number;
  value: Buffer;
}

export interface RadiusPacket {
  code: number;
  identifier: number;
  /** 16 bytes: Request or Response Authenticator. */
  authenticator: Buffer;
  attributes: RadiusAttribute[];
}

/** A received RADIUS packet is malformed. */
export class RadiusDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RadiusDecodeError';
  }
}

export function encodeRadiusPacket(p: RadiusPacket): Buffer {
  if (p.authenticator.length !== 16) throw new RangeError(`RADIUS authenticator must be 16 bytes, not ${p.authenticator.length}`);
  if (!Number.isInteger(p.identifier) || p.identifier < 0 || p.identifier > 255) throw new RangeError(`RADIUS identifier ${p.identifier} outside 0-255`);
  const parts: Buffer[] = [];
  let len = MIN_PACKET;
  for (const a of p.attributes) {
    if (a.value.length > MAX_ATTR_VALUE) {
      throw new RangeError(`RADIUS attribute ${radiusAttrName(a.type)}: ${a.value.length} bytes exceed ${MAX_ATTR_VALUE} (split it)`);
    }
    if (!Number.isInteger(a.type) || a.type < 1 || a.type > 255) throw new RangeError(`RADIUS attribute type ${a.type} outside 1-255`);
    parts.push(Buffer.from([a.type, a.value.length + 2]), a.value);
    len += a.value.length + 2;
  }
  if (len > MAX_PACKET) throw new RangeError(`RADIUS packet of ${len} bytes exceeds ${MAX_PACKET}`);
  const head = Buffer.alloc(4);
  head[0] = p.code;
  head[1] = p.identifier;
  head.writeUInt16BE(len, 2);
  return Buffer.concat([head, p.authenticator, ...parts], len);
}

/**
 * Decode a datagram. Octets beyond the Length field are padding and ignored
 * (RFC 2865 section 3); a Length beyond the datagram, below 20 or above 4096,
 * or an attribute that overruns the packet, is an error.
 */
export function decodeRadiusPacket(buf: Buffer): RadiusPacket {
  try {
    if (buf.length < MIN_PACKET) throw new RadiusDecodeError(`RADIUS packet of ${buf.length} bytes is shorter than ${MIN_PACKET}`);
    const len = buf.readUInt16BE(2);
    if (len < MIN_PACKET || len > MAX_PACKET) throw new RadiusDecodeError(`RADIUS Length ${len} outside ${MIN_PACKET}-${MAX_PACKET}`);
    if (len > buf.length) throw new RadiusDecodeError(`RADIUS Length ${len} exceeds the ${buf.length} bytes received`);
    const r = new Reader(buf, 0, len, 'RADIUS packet');
    const code = r.u8();
    const identifier = r.u8();
    r.u16();
    const authenticator = Buffer.from(r.bytes(16));
    const attributes: RadiusAttribute[] = [];
    while (r.remaining > 0) {
      const type = r.u8();
      const alen = r.u8();
      if (alen < 2) throw new RadiusDecodeError(`RADIUS attribute ${radiusAttrName(type)} has invalid length ${alen}`);
      const value = Buffer.from(r.sub(alen - 2, `RADIUS attribute ${radiusAttrName(type)}`).rest());
      attributes.push({ type, value });
    }
    return { code, identifier, authenticator, attributes };
  } catch (e) {
    if (e instanceof DecodeError) throw new RadiusDecodeError(e.message);
    throw e;
  }
}

// ------------------------------------------------------------ attribute values

export function attrString(type: number, text: string): RadiusAttribute {
  return { type, value: Buffer.from(text, 'utf8') };
}

export function attrU32(type: number, n: number): RadiusAttribute {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(n >>> 0);
  return { type, value: v };
}

/** A dotted-quad IPv4 address attribute. */
export function attrIpv4(type: number, address: string): RadiusAttribute {
  const parts = address.split('.').map((x) => Number(x));
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
    throw new RangeError(`RADIUS ${radiusAttrName(type)}: '${address}' is not an IPv4 address`);
  }
  return { type, value: Buffer.from(parts) };
}

/** A Vendor-Specific attribute carrying one sub-attribute (RFC 2865 section 5.26). */
export function vendorAttr(vendor: number, type: number, value: Buffer): RadiusAttribute {
  if (value.length > MAX_ATTR_VALUE - 6) throw new RangeError(`RADIUS vendor ${vendor} attribute ${type}: ${value.length} bytes too long`);
  const v = Buffer.alloc(6 + value.length);
  v.writeUInt32BE(vendor, 0);
  v[4] = type;
  v[5] = value.length + 2;
  value.copy(v, 6);
  return { type: RADIUS_ATTR.VENDOR_SPECIFIC, value: v };
}

export interface VendorSubAttribute {
  vendor: number;
  type: number;
  value: Buffer;
}

/**
 * The sub-attributes of a Vendor-Specific value in the RFC 2865 suggested
 * format (type, length, value). Throws RadiusDecodeError when they do not fit.
 */
export function decodeVendorSpecific(value: Buffer): VendorSubAttribute[] {
  try {
    const r = new Reader(value, 0, value.length, 'RADIUS Vendor-Specific attribute');
    const vendor = r.u32();
    const out: VendorSubAttribute[] = [];
    while (r.remaining > 0) {
      const type = r.u8();
      const len = r.u8();
      if (len < 2) throw new RadiusDecodeError(`RADIUS vendor ${vendor} attribute ${type} has invalid length ${len}`);
      out.push({ vendor, type, value: Buffer.from(r.bytes(len - 2)) });
    }
    return out;
  } catch (e) {
    if (e instanceof DecodeError) throw new RadiusDecodeError(e.message);
    throw e;
  }
}

// ------------------------------------------------------------ lookups

export function findAttr(p: RadiusPacket, type: number): Buffer | undefined {
  return p.attributes.find((a) => a.type === type)?.value;
}

export function findAllAttrs(p: RadiusPacket, type: number): Buffer[] {
  return p.attributes.filter((a) => a.type === type).map((a) => a.value);
}

/** Values of a vendor sub-attribute, over every Vendor-Specific attribute; malformed VSAs are skipped. */
export function findVendorAttrs(p: RadiusPacket, vendor: number, type: number): Buffer[] {
  const out: Buffer[] = [];
  for (const v of findAllAttrs(p, RADIUS_ATTR.VENDOR_SPECIFIC)) {
    if (v.length < 4 || v.readUInt32BE(0) !== vendor) continue;
    let subs: VendorSubAttribute[];
    try {
      subs = decodeVendorSpecific(v);
    } catch {
      continue;
    }
    for (const s of subs) if (s.type === type) out.push(s.value);
  }
  return out;
}

/** Split a long value into consecutive attributes of at most 253 bytes (EAP-Message, RFC 3579 3.1). */
export function splitAttribute(type: number, value: Buffer): RadiusAttribute[] {
  const out: RadiusAttribute[] = [];
  for (let off = 0; off < value.length; off += MAX_ATTR_VALUE) {
    out.push({ type, value: value.subarray(off, Math.min(off + MAX_ATTR_VALUE, value.length)) });
  }
  if (out.length === 0) out.push({ type, value: Buffer.alloc(0) });
  return out;
}

/** Concatenate every attribute of a type, in order (undefined when there is none). */
export function joinAttribute(p: RadiusPacket, type: number): Buffer | undefined {
  const all = findAllAttrs(p, type);
  return all.length ? Buffer.concat(all) : undefined;
}

/** Position of the first attribute of `type` in an encoded packet: offset of its value, or -1. */
export function attributeValueOffset(raw: Buffer, type: number): number {
  const len = Math.min(raw.length, raw.length >= 4 ? raw.readUInt16BE(2) : 0);
  let off = MIN_PACKET;
  while (off + 2 <= len) {
    const alen = raw[off + 1];
    if (alen < 2 || off + alen > len) return -1;
    if (raw[off] === type) return off + 2;
    off += alen;
  }
  return -1;
}
