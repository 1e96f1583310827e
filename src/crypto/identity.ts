/**
 * IKEv2 identities (RFC 7296 3.5): parsing configured text as OpenBSD iked's
 * srcid/dstid, printing for logs and `ikectl show sa`, and comparison.
 */
import { parseIp, ipBytes, formatIp } from '../wire/ip-address';
import { isIPv4, isIPv6 } from 'node:net';
import { ID, IdType } from '../wire/iana';
import { decodeDn, dnEquals, dnMatches, encodeDn, formatDnDer, looksLikeDn, parseDnText } from './x509-dn';

export interface Identity {
  /** ID.* */
  type: number;
  /** Identification data as on the wire. */
  data: Buffer;
}

/** IPv4 dotted quad to 4 bytes. */
export function ipv4ToBytes(text: string): Buffer {
  if (!isIPv4(text)) throw new Error(`"${text}" is not an IPv4 address`);
  return ipBytes(text);
}

/** IPv6 text (with optional embedded IPv4 tail) to 16 bytes. */
export function ipv6ToBytes(text: string): Buffer {
  const b = isIPv6(text) ? parseIp(text) : null;
  if (!b) throw new Error(`"${text}" is not an IPv6 address`);
  return b;
}

/** 16 bytes to RFC 5952 text. */
export function bytesToIpv6(b: Buffer): string {
  if (b.length !== 16) throw new Error(`IPv6 address of ${b.length} bytes`);
  return formatIp(b);
}

function keyIdData(text: string): Buffer {
  const h = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (h.length > 0 && h.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(h)) return Buffer.from(h, 'hex');
  if (text === '') throw new Error('empty key id');
  return Buffer.from(text, 'utf8');
}

function encodeAs(type: number, text: string): Identity {
  switch (type) {
    case ID.IPV4_ADDR:
      return { type, data: ipv4ToBytes(text) };
    case ID.IPV6_ADDR:
      return { type, data: ipv6ToBytes(text) };
    case ID.FQDN:
    case ID.RFC822_ADDR:
      if (text === '') throw new Error(`empty ${IdType.name(type)} identity`);
      return { type, data: Buffer.from(text, 'utf8') };
    case ID.DER_ASN1_DN:
      return { type, data: encodeDn(parseDnText(text)) };
    case ID.KEY_ID:
      return { type, data: keyIdData(text) };
    case ID.NULL:
      return { type, data: Buffer.alloc(0) };
    default:
      throw new Error(`cannot parse an identity of type ${IdType.name(type)} from text`);
  }
}

const PREFIXES: Array<[string, number]> = [
  ['asn1dn/', ID.DER_ASN1_DN],
  ['fqdn/', ID.FQDN],
  ['ufqdn/', ID.RFC822_ADDR],
  ['keyid/', ID.KEY_ID],
];

/**
 * Parses configured identity text. Without forcedType the type is inferred:
 * "asn1dn/", "fqdn/", "ufqdn/", "keyid/" prefixes (iked.conf); an IPv4 or
 * IPv6 literal; a DN ("/C=DE/O=x/CN=y" or "C=DE, O=x, CN=y"); "@#hex" key id
 * and "@name" FQDN (strongSwan); "user@domain" RFC822; "%null" NULL; else FQDN.
 */
export function parseIdentity(text: string, forcedType?: number): Identity {
  const t = text.trim();
  if (forcedType !== undefined) return encodeAs(forcedType, t);
  if (t === '') throw new Error('empty identity');
  for (const [prefix, type] of PREFIXES) {
    if (t.toLowerCase().startsWith(prefix)) return encodeAs(type, t.slice(prefix.length));
  }
  if (isIPv4(t)) return encodeAs(ID.IPV4_ADDR, t);
  if (isIPv6(t)) return encodeAs(ID.IPV6_ADDR, t);
  if (t === '%null') return encodeAs(ID.NULL, '');
  if (t.startsWith('/')) return encodeAs(ID.DER_ASN1_DN, t);
  if (t.includes('=') && looksLikeDn(t)) return encodeAs(ID.DER_ASN1_DN, t);
  if (t.startsWith('@#')) return encodeAs(ID.KEY_ID, t.slice(2));
  if (t.startsWith('@')) return encodeAs(ID.FQDN, t.slice(1));
  if (t.indexOf('@') > 0) return encodeAs(ID.RFC822_ADDR, t);
  return encodeAs(ID.FQDN, t);
}

function printable(b: Buffer): string {
  // eslint-disable-next-line no-control-regex
  return b.toString('utf8').replace(/[\x00-\x1f\x7f]/g, '?');
}

/** Text for logs and `ikectl show sa`. */
export function formatIdentity(id: Identity): string {
  switch (id.type) {
    case ID.IPV4_ADDR:
      return id.data.length === 4 ? Array.from(id.data).join('.') : `IPV4_ADDR:#${id.data.toString('hex')}`;
    case ID.IPV6_ADDR:
      return id.data.length === 16 ? bytesToIpv6(id.data) : `IPV6_ADDR:#${id.data.toString('hex')}`;
    case ID.FQDN:
    case ID.RFC822_ADDR:
      return printable(id.data);
    case ID.DER_ASN1_DN:
      return formatDnDer(id.data);
    case ID.KEY_ID:
      return `@#${id.data.toString('hex')}`;
    case ID.NULL:
      return '%null';
    default:
      return `${IdType.name(id.type)}:#${id.data.toString('hex')}`;
  }
}

function dnOrBytesEqual(a: Buffer, b: Buffer): boolean {
  try {
    return dnEquals(decodeDn(a), decodeDn(b));
  } catch {
    return a.equals(b);
  }
}

/** Same type and same identity: DN by decoded RDNs, FQDN/RFC822 case-insensitive, others bytewise. */
export function identityEquals(a: Identity, b: Identity): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case ID.DER_ASN1_DN:
      return dnOrBytesEqual(a.data, b.data);
    case ID.FQDN:
    case ID.RFC822_ADDR:
      return a.data.toString('utf8').toLowerCase() === b.data.toString('utf8').toLowerCase();
    default:
      return a.data.equals(b.data);
  }
}

/**
 * Does a received identity satisfy a configured one? As identityEquals, plus
 * strongSwan wildcards: DN RDN values of "*", FQDN "*" or "*.example.com"
 * (any name below example.com), RFC822 "*@example.com".
 */
export function identityMatches(configured: Identity, received: Identity): boolean {
  if (identityEquals(configured, received)) return true;
  if (configured.type !== received.type) return false;
  switch (configured.type) {
    case ID.DER_ASN1_DN:
      try {
        return dnMatches(decodeDn(configured.data), decodeDn(received.data));
      } catch {
        return false;
      }
    case ID.FQDN:
    case ID.RFC822_ADDR: {
      const pattern = configured.data.toString('utf8').toLowerCase();
      const name = received.data.toString('utf8').toLowerCase();
      if (pattern === '*') return name.length > 0;
      if (!pattern.startsWith('*')) return false;
      const suffix = pattern.slice(1);
      return suffix.length > 0 && name.length > suffix.length && name.endsWith(suffix);
    }
    default:
      return false;
  }
}

/** The ID payload body (type | 3 reserved zero bytes | data): the bytes prf'd into AUTH. */
export function idPayloadBody(id: Identity): Buffer {
  const hdr = Buffer.alloc(4);
  hdr[0] = id.type;
  return Buffer.concat([hdr, id.data]);
}

/** Inverse of idPayloadBody (reserved bytes are ignored, as RFC 7296 requires). */
export function identityFromPayloadBody(body: Buffer): Identity {
  if (body.length < 4) throw new Error(`ID payload body of ${body.length} bytes, need at least 4`);
  return { type: body[0], data: Buffer.from(body.subarray(4)) };
}
