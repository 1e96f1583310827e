/**
 * Minimal DER encoding helpers: TLV framing and OBJECT IDENTIFIERs.
 * Used to build Distinguished Names and AlgorithmIdentifiers.
 */

/** Encodes a definite DER length. */
export function derLength(len: number): Buffer {
  if (!Number.isInteger(len) || len < 0) throw new RangeError(`bad DER length ${len}`);
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Encodes one element: tag, length, then the concatenated contents. */
export function derTlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** Encodes an OBJECT IDENTIFIER element from dotted text. */
export function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new Error(`bad OID "${dotted}"`);
    return Number(s);
  });
  if (arcs.length < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) throw new Error(`bad OID "${dotted}"`);
  const out: number[] = [];
  const values = [arcs[0] * 40 + arcs[1], ...arcs.slice(2)];
  for (const v of values) {
    const chunk: number[] = [v & 0x7f];
    for (let n = Math.floor(v / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  }
  return derTlv(0x06, Buffer.from(out));
}

/** Encodes a small non-negative INTEGER element. */
export function derSmallInteger(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad INTEGER ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return derTlv(0x02, Buffer.from(bytes));
}

/** The NULL element. */
export const DER_NULL = Buffer.from([0x05, 0x00]);
