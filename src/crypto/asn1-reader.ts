/**
 * A small bounded DER reader. Every read is checked against the end of the
 * enclosing element: nothing is ever read past a length. Errors name what
 * was being read ("subject Name: length 300 runs past end (120 left)").
 */

/** Universal tags used by the X.509 / PKIX code. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Tag byte of a context-specific element [n]; constructed when asked. */
export function contextTag(n: number, constructed: boolean): number {
  if (n < 0 || n > 30) throw new RangeError(`context tag [${n}] out of range`);
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One decoded element: tag byte, its full encoding and its contents. */
export interface DerElement {
  /** The identifier octet (class | constructed | number); only low-tag-number form. */
  tag: number;
  /** Whole TLV (identifier, length and contents), a view into the input. */
  raw: Buffer;
  /** Contents octets only, a view into the input. */
  value: Buffer;
}

export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Asn1Error';
  }
}

function tagName(tag: number): string {
  const names: Record<number, string> = {
    0x01: 'BOOLEAN',
    0x02: 'INTEGER',
    0x03: 'BIT STRING',
    0x04: 'OCTET STRING',
    0x05: 'NULL',
    0x06: 'OBJECT IDENTIFIER',
    0x0c: 'UTF8String',
    0x13: 'PrintableString',
    0x14: 'T61String',
    0x16: 'IA5String',
    0x17: 'UTCTime',
    0x18: 'GeneralizedTime',
    0x1e: 'BMPString',
    0x30: 'SEQUENCE',
    0x31: 'SET',
  };
  if (names[tag]) return names[tag];
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & 0x20 ? ' constructed' : ''}`;
  return `tag 0x${tag.toString(16).padStart(2, '0')}`;
}

/** Reads consecutive DER elements from buf[start, end). */
export class DerReader {
  private pos: number;
  private readonly end: number;

  /** `what` names the whole input in error messages. */
  constructor(
    private readonly buf: Buffer,
    private readonly what = 'DER input',
    start = 0,
    end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) {
      throw new Asn1Error(`${what}: bad bounds [${start}, ${end}) for ${buf.length} bytes`);
    }
    this.pos = start;
    this.end = end;
  }

  /** True when every byte has been consumed. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Tag of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  /** Reads the next element of any tag. `what` names it in errors. */
  read(what: string): DerElement {
    const start = this.pos;
    const left = this.end - start;
    if (left < 2) throw new Asn1Error(`${this.what}: ${what}: truncated (${left} bytes left, need a tag and a length)`);
    const tag = this.buf[start];
    if ((tag & 0x1f) === 0x1f) throw new Asn1Error(`${this.what}: ${what}: high-tag-number form is not supported`);
    let p = start + 1;
    const first = this.buf[p++];
    let len: number;
    if (first < 0x80) {
      len = first;
    } else if (first === 0x80) {
      throw new Asn1Error(`${this.what}: ${what}: indefinite length is not DER`);
    } else {
      const n = first & 0x7f;
      if (n > 4) throw new Asn1Error(`${this.what}: ${what}: length of ${n} octets is too large`);
      if (this.end - p < n) throw new Asn1Error(`${this.what}: ${what}: truncated length field`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.buf[p++];
    }
    const avail = this.end - p;
    if (len > avail) {
      throw new Asn1Error(`${this.what}: ${what} (${tagName(tag)}): length ${len} runs past end (${avail} left)`);
    }
    this.pos = p + len;
    return { tag, raw: this.buf.subarray(start, p + len), value: this.buf.subarray(p, p + len) };
  }

  /** Reads the next element and checks its tag. */
  expect(tag: number, what: string): DerElement {
    if (this.done) throw new Asn1Error(`${this.what}: ${what}: expected ${tagName(tag)}, found end of data`);
    const got = this.buf[this.pos];
    if (got !== tag) throw new Asn1Error(`${this.what}: ${what}: expected ${tagName(tag)}, found ${tagName(got)}`);
    return this.read(what);
  }

  /** Reads the next element if it has this tag; otherwise leaves the position alone. */
  optional(tag: number, what: string): DerElement | undefined {
    return this.peekTag() === tag ? this.read(what) : undefined;
  }

  /** Reads a constructed element with `tag` and returns a reader over its contents. */
  enter(tag: number, what: string): DerReader {
    const el = this.expect(tag, what);
    const off = el.value.byteOffset - this.buf.byteOffset;
    return new DerReader(this.buf, `${this.what}: ${what}`, off, off + el.value.length);
  }

  /** Reads a SEQUENCE and returns a reader over its contents. */
  sequence(what: string): DerReader {
    return this.enter(TAG.SEQUENCE, what);
  }

  /** Reads an OBJECT IDENTIFIER and returns it in dotted form. */
  oid(what: string): string {
    return decodeOid(this.expect(TAG.OID, what).value, `${this.what}: ${what}`);
  }

  /** Fails unless every byte was consumed. */
  finish(what: string): void {
    if (!this.done) throw new Asn1Error(`${this.what}: ${what}: ${this.remaining} unexpected trailing bytes`);
  }
}

/** Decodes OBJECT IDENTIFIER contents to dotted text. */
export function decodeOid(value: Buffer, what = 'OID'): string {
  if (value.length === 0) throw new Asn1Error(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let acc = 0;
  let started = false;
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    if (!started && b === 0x80) throw new Asn1Error(`${what}: non-minimal OID arc encoding`);
    started = true;
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw new Asn1Error(`${what}: OID arc too large`);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
      started = false;
    } else if (i === value.length - 1) {
      throw new Asn1Error(`${what}: OID ends inside an arc`);
    }
  }
  const first = arcs[0];
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Decodes a BOOLEAN's contents. */
export function decodeBoolean(value: Buffer, what = 'BOOLEAN'): boolean {
  if (value.length !== 1) throw new Asn1Error(`${what}: BOOLEAN of ${value.length} bytes`);
  return value[0] !== 0;
}

/** Decodes a small non-negative INTEGER's contents (up to 2^48). */
export function decodeSmallInteger(value: Buffer, what = 'INTEGER'): number {
  if (value.length === 0) throw new Asn1Error(`${what}: empty INTEGER`);
  if (value[0] & 0x80) throw new Asn1Error(`${what}: negative INTEGER not allowed here`);
  if (value.length > 7) throw new Asn1Error(`${what}: INTEGER too large (${value.length} bytes)`);
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

/** Decodes a BIT STRING with no unused bits to its bytes. */
export function decodeBitStringBytes(value: Buffer, what = 'BIT STRING'): Buffer {
  if (value.length === 0) throw new Asn1Error(`${what}: empty BIT STRING`);
  if (value[0] !== 0) throw new Asn1Error(`${what}: ${value[0]} unused bits, expected whole bytes`);
  return value.subarray(1);
}

/** Decodes a BIT STRING to a list of set bit numbers (bit 0 = most significant of first byte). */
export function decodeBitStringFlags(value: Buffer, what = 'BIT STRING'): Set<number> {
  if (value.length === 0) throw new Asn1Error(`${what}: empty BIT STRING`);
  const unused = value[0];
  if (unused > 7) throw new Asn1Error(`${what}: ${unused} unused bits`);
  const bits = new Set<number>();
  const total = (value.length - 1) * 8 - unused;
  for (let i = 0; i < total; i++) {
    if (value[1 + (i >> 3)] & (0x80 >> (i & 7))) bits.add(i);
  }
  return bits;
}

/** Decodes a UTCTime or GeneralizedTime (Z form, as RFC 5280 requires). */
export function decodeTime(el: DerElement, what = 'time'): Date {
  const s = el.value.toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (el.tag === TAG.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s);
    if (!m) throw new Asn1Error(`${what}: malformed UTCTime "${s}"`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (el.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(s);
    if (!m) throw new Asn1Error(`${what}: malformed GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else {
    throw new Asn1Error(`${what}: expected UTCTime or GeneralizedTime, found ${tagName(el.tag)}`);
  }
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
  if (Number.isNaN(d.getTime())) throw new Asn1Error(`${what}: invalid date "${s}"`);
  return d;
}

/** Decodes the character string types found in names to JS text. */
export function decodeString(el: DerElement, what = 'string'): string {
  switch (el.tag) {
    case TAG.UTF8_STRING:
      return el.value.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.T61_STRING:
      return el.value.toString('latin1');
    case TAG.BMP_STRING: {
      if (el.value.length % 2) throw new Asn1Error(`${what}: odd-length BMPString`);
      const swapped = Buffer.from(el.value);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case TAG.UNIVERSAL_STRING: {
      if (el.value.length % 4) throw new Asn1Error(`${what}: UniversalString length not a multiple of 4`);
      let out = '';
      for (let i = 0; i < el.value.length; i += 4) out += String.fromCodePoint(el.value.readUInt32BE(i));
      return out;
    }
    default:
      throw new Asn1Error(`${what}: ${tagName(el.tag)} is not a character string`);
  }
}
