/**
 * X.501 Distinguished Names: text <-> DER, printing in strongSwan's style
 * ("C=ZZ, O=sw-rig, CN=a.rig.test", in DER order) and semantic comparison.
 *
 * Text forms accepted:
 *   "C=DE, O=x, CN=y"   (strongSwan / RFC 4514-like; ',' or ';' between RDNs)
 *   "/C=DE/O=x/CN=y"    (OpenSSL -subj / OpenBSD iked form)
 * Both list RDNs in DER order (most significant first), one attribute per
 * RDN, as strongSwan and OpenSSL read them ('+' is an ordinary character).
 * Values may be "quoted" or use backslash escapes (\, \/ \\ \" and \XX hex).
 * Values are encoded as OpenSSL does (C and serialNumber PrintableString,
 * emailAddress and DC IA5String, the rest UTF8String), so the DER of a
 * subject typed as text equals that of an openssl-made certificate.
 */
import { Asn1Error, DerReader, TAG, decodeString } from './asn1-reader';
import { derOid, derTlv } from './x509-der-encode';

export interface DnAttribute {
  /** Attribute type, dotted OID. */
  oid: string;
  /** Decoded text value ("#hex" of the DER value when not a string type). */
  value: string;
  /** DER tag of the value (string type). */
  tag: number;
  /** The value's whole DER element, kept when it is not a character string. */
  der?: Buffer;
}
/** A Relative Distinguished Name: usually one attribute. */
export type Rdn = DnAttribute[];
/** A Distinguished Name: RDNs in DER order. */
export type Dn = Rdn[];

type StringKind = 'utf8' | 'printable' | 'ia5';
interface AttrDef {
  oid: string;
  /** First name is the one printed (strongSwan's), the rest are accepted aliases. */
  names: string[];
  kind: StringKind;
}

const ATTRS: AttrDef[] = [
  { oid: '2.5.4.6', names: ['C', 'countryName'], kind: 'printable' },
  { oid: '2.5.4.8', names: ['ST', 'stateOrProvinceName'], kind: 'utf8' },
  { oid: '2.5.4.7', names: ['L', 'localityName'], kind: 'utf8' },
  { oid: '2.5.4.10', names: ['O', 'organizationName'], kind: 'utf8' },
  { oid: '2.5.4.11', names: ['OU', 'organizationalUnitName'], kind: 'utf8' },
  { oid: '2.5.4.3', names: ['CN', 'commonName'], kind: 'utf8' },
  { oid: '1.2.840.113549.1.9.1', names: ['E', 'emailAddress', 'Email'], kind: 'ia5' },
  { oid: '2.5.4.5', names: ['serialNumber'], kind: 'printable' },
  // "SN" is surname for both OpenSSL and strongSwan (5.9 prints it as "SN").
  { oid: '2.5.4.4', names: ['SN', 'surname', 'S'], kind: 'utf8' },
  { oid: '0.9.2342.19200300.100.1.25', names: ['DC', 'domainComponent'], kind: 'ia5' },
  { oid: '0.9.2342.19200300.100.1.1', names: ['UID', 'userId'], kind: 'utf8' },
  { oid: '2.5.4.12', names: ['T', 'title'], kind: 'utf8' },
  { oid: '2.5.4.13', names: ['D', 'description'], kind: 'utf8' },
  { oid: '2.5.4.41', names: ['N', 'name'], kind: 'utf8' },
  { oid: '2.5.4.42', names: ['G', 'givenName', 'GN'], kind: 'utf8' },
  { oid: '2.5.4.43', names: ['I', 'initials'], kind: 'utf8' },
  { oid: '2.5.4.46', names: ['dnQualifier'], kind: 'printable' },
  { oid: '2.5.4.9', names: ['street', 'streetAddress'], kind: 'utf8' },
  { oid: '2.5.4.17', names: ['postalCode'], kind: 'utf8' },
  { oid: '2.5.4.65', names: ['pseudonym'], kind: 'utf8' },
  { oid: '1.2.840.113549.1.9.2', names: ['UN', 'unstructuredName'], kind: 'ia5' },
];

const BY_OID = new Map(ATTRS.map((a) => [a.oid, a]));
const BY_NAME = new Map<string, AttrDef>();
for (const a of ATTRS) for (const n of a.names) BY_NAME.set(n.toLowerCase(), a);

function lookupAttr(name: string, text: string): AttrDef | { oid: string; kind: StringKind } {
  const key = name.toLowerCase();
  const def = BY_NAME.get(key);
  if (def) return def;
  if (/^\d+(\.\d+)+$/.test(name)) return BY_OID.get(name) ?? { oid: name, kind: 'utf8' };
  throw new Error(`unknown DN attribute "${name}" in "${text}"`);
}

/** The name printed for an attribute OID (the dotted OID when unknown). */
export function attributeName(oid: string): string {
  return BY_OID.get(oid)?.names[0] ?? oid;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function tagFor(kind: StringKind, value: string): number {
  if (kind === 'printable' && PRINTABLE.test(value)) return TAG.PRINTABLE_STRING;
  // eslint-disable-next-line no-control-regex
  if (kind === 'ia5' && /^[\x00-\x7f]*$/.test(value)) return TAG.IA5_STRING;
  return TAG.UTF8_STRING;
}

/** Splits on an unescaped, unquoted separator character set. */
function splitUnescaped(s: string, seps: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (!quoted && seps.includes(c)) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (quoted) throw new Error(`unterminated quote in DN "${s}"`);
  parts.push(cur);
  return parts;
}

/** Removes quotes and backslash escapes from a value. */
function unescapeValue(raw: string, text: string): string {
  let v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  const bytes: number[] = [];
  const pushText = (t: string): void => {
    bytes.push(...Buffer.from(t, 'utf8'));
  };
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c !== '\\') {
      pushText(c);
      continue;
    }
    if (i + 1 >= v.length) throw new Error(`dangling backslash in DN "${text}"`);
    const h = v.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(h)) {
      bytes.push(parseInt(h, 16));
      i += 2;
    } else {
      pushText(v[++i]);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Does the text look like a DN (slash form, or "attr=value" pairs with known names)? */
export function looksLikeDn(text: string): boolean {
  const t = text.trim();
  if (t.startsWith('/')) return t.includes('=');
  if (!t.includes('=')) return false;
  try {
    parseDnText(t);
    return true;
  } catch {
    return false;
  }
}

/** Parses a DN in either text form. Throws naming the offending part. */
export function parseDnText(text: string): Dn {
  const t = text.trim();
  const slash = t.startsWith('/');
  const rdnTexts = slash ? splitUnescaped(t.slice(1), '/') : splitUnescaped(t, ',;');
  const dn: Dn = [];
  for (const rdnText of rdnTexts) {
    if (rdnText.trim() === '') {
      if (slash && rdnText === '' && rdnTexts.length > 1) continue; // tolerate a trailing '/'
      throw new Error(`empty RDN in DN "${text}"`);
    }
    const eq = rdnText.indexOf('=');
    if (eq <= 0) throw new Error(`expected attribute=value, got "${rdnText.trim()}" in DN "${text}"`);
    const name = rdnText.slice(0, eq).trim();
    const def = lookupAttr(name, text);
    const value = unescapeValue(rdnText.slice(eq + 1), text);
    if (value === '') throw new Error(`empty value for ${name} in DN "${text}"`);
    dn.push([{ oid: def.oid, value, tag: tagFor(def.kind, value) }]);
  }
  if (dn.length === 0) throw new Error(`empty DN "${text}"`);
  return dn;
}

function encodeValue(a: DnAttribute): Buffer {
  if (a.der) return a.der; // non-string value kept verbatim from decoding
  const enc = a.tag === TAG.UTF8_STRING ? 'utf8' : 'latin1';
  if (a.tag === TAG.BMP_STRING) {
    const b = Buffer.from(a.value, 'utf16le');
    b.swap16();
    return derTlv(a.tag, b);
  }
  return derTlv(a.tag, Buffer.from(a.value, enc));
}

/** Encodes a DN to DER: SEQUENCE OF SET OF SEQUENCE { OID, value }. */
export function encodeDn(dn: Dn): Buffer {
  const rdns = dn.map((rdn) => {
    const avas = rdn.map((a) => derTlv(TAG.SEQUENCE, derOid(a.oid), encodeValue(a)));
    // DER: SET OF elements are sorted by their encodings.
    avas.sort(Buffer.compare);
    return derTlv(TAG.SET, ...avas);
  });
  return derTlv(TAG.SEQUENCE, ...rdns);
}

/** Decodes the DER of a Name (the whole SEQUENCE). */
export function decodeDn(der: Buffer): Dn {
  const top = new DerReader(der, 'Name');
  const seq = top.sequence('RDNSequence');
  top.finish('Name');
  const dn: Dn = [];
  let i = 0;
  while (!seq.done) {
    const set = seq.enter(TAG.SET, `RDN ${i}`);
    const rdn: Rdn = [];
    while (!set.done) {
      const ava = set.sequence(`RDN ${i} attribute`);
      const oid = ava.oid(`RDN ${i} attribute type`);
      const v = ava.read(`RDN ${i} value`);
      ava.finish(`RDN ${i} attribute`);
      try {
        rdn.push({ oid, value: decodeString(v, `RDN ${i} value`), tag: v.tag });
      } catch (e) {
        if (!(e instanceof Asn1Error)) throw e;
        rdn.push({ oid, value: '#' + v.raw.toString('hex'), tag: v.tag, der: Buffer.from(v.raw) });
      }
    }
    if (rdn.length === 0) throw new Asn1Error(`Name: RDN ${i} is an empty SET`);
    dn.push(rdn);
    i++;
  }
  return dn;
}

function escapeForPrint(v: string): string {
  // Only what would make the text ambiguous to parse back; plain values print as strongSwan does.
  let out = v.replace(/[\\,;"]/g, (c) => '\\' + c);
  if (out.startsWith(' ')) out = '\\' + out;
  if (out.endsWith(' ')) out = out.slice(0, -1) + '\\ ';
  return out;
}

/** Prints a DN as "C=ZZ, O=sw-rig, CN=a.rig.test" (DER order, strongSwan's attribute names). */
export function formatDn(dn: Dn): string {
  return dn.map((rdn) => rdn.map((a) => `${attributeName(a.oid)}=${escapeForPrint(a.value)}`).join(' + ')).join(', ');
}

/** Prints a DER Name; never throws (a malformed name prints as hex). */
export function formatDnDer(der: Buffer): string {
  try {
    return formatDn(decodeDn(der));
  } catch {
    return `#${der.toString('hex')}`;
  }
}

function normalize(v: string): string {
  return v.trim().replace(/\s+/g, ' ').toLowerCase();
}

function byOid(p: DnAttribute, q: DnAttribute): number {
  return p.oid < q.oid ? -1 : p.oid > q.oid ? 1 : normalize(p.value) < normalize(q.value) ? -1 : 1;
}

function rdnEquals(x: Rdn, y: Rdn, wildcard: boolean): boolean {
  if (x.length !== y.length) return false;
  const xs = [...x].sort(byOid);
  const ys = [...y].sort(byOid);
  return xs.every((a, i) => {
    const b = ys[i];
    if (a.oid !== b.oid) return false;
    if (wildcard && a.value === '*') return true;
    return normalize(a.value) === normalize(b.value);
  });
}

/** Same RDN sequence, same attribute types, values equal ignoring case and extra whitespace. */
export function dnEquals(a: Dn, b: Dn): boolean {
  return a.length === b.length && a.every((rdn, i) => rdnEquals(rdn, b[i], false));
}

/** Like dnEquals, but a configured value of "*" matches any value of that attribute (strongSwan). */
export function dnMatches(configured: Dn, received: Dn): boolean {
  return configured.length === received.length && configured.every((rdn, i) => rdnEquals(rdn, received[i], true));
}
