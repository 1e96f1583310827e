/**
 * sntrup761 byte encodings (NTRU Prime specification, round 3, section 3.2 "Encoding"):
 * the mixed-radix Encode/Decode of sequences with moduli below 2^14, and on top of
 * it R/q (public keys, 1158 bytes), rounded R/q (ciphertexts, 1007 bytes) and small
 * polynomials (secret keys and inputs, 2 bits per coefficient, 191 bytes).
 * Written for this project after the specification; the byte layout matches the
 * reference implementation's.
 */
import { P, Q } from './sntrup761-poly';

const Q12 = (Q - 1) / 2;
/** Moduli of rounded coefficients: (q + 2) / 3 multiples of 3. */
const ROUNDED_M = (Q + 2) / 3;

export const RQ_BYTES = 1158;
export const ROUNDED_BYTES = 1007;
export const SMALL_BYTES = (P + 3) >> 2;

/** Append the encoding of R (0 <= R[i] < M[i] < 16384) to out. */
function encode(out: number[], R: ArrayLike<number>, M: ArrayLike<number>): void {
  const len = R.length;
  if (len === 1) {
    let r = R[0];
    for (let m = M[0]; m > 1; m = (m + 255) >>> 8) {
      out.push(r & 255);
      r >>>= 8;
    }
    return;
  }
  const half = (len + 1) >> 1;
  const R2 = new Array<number>(half);
  const M2 = new Array<number>(half);
  let i = 0;
  for (; i < len - 1; i += 2) {
    let r = R[i] + R[i + 1] * M[i];
    let m = M[i + 1] * M[i];
    while (m >= 16384) {
      out.push(r & 255);
      r >>>= 8;
      m = (m + 255) >>> 8;
    }
    R2[i >> 1] = r;
    M2[i >> 1] = m;
  }
  if (i < len) {
    R2[i >> 1] = R[i];
    M2[i >> 1] = M[i];
  }
  encode(out, R2, M2);
}

/** Decode what encode wrote, starting at s[pos]; always 0 <= out[i] < M[i], even for junk input. */
function decode(s: Uint8Array, pos: number, M: ArrayLike<number>): number[] {
  const len = M.length;
  if (len === 1) {
    const m = M[0];
    if (m === 1) return [0];
    if (m <= 256) return [s[pos] % m];
    return [(s[pos] + (s[pos + 1] << 8)) % m];
  }
  const half = (len + 1) >> 1;
  const M2 = new Array<number>(half);
  const bottomR = new Array<number>(len >> 1);
  const bottomT = new Array<number>(len >> 1);
  let i = 0;
  for (; i < len - 1; i += 2) {
    const m = M[i] * M[i + 1];
    if (m > 256 * 16383) {
      bottomT[i >> 1] = 65536;
      bottomR[i >> 1] = s[pos] + 256 * s[pos + 1];
      pos += 2;
      M2[i >> 1] = (((m + 255) >>> 8) + 255) >>> 8;
    } else if (m >= 16384) {
      bottomT[i >> 1] = 256;
      bottomR[i >> 1] = s[pos];
      pos += 1;
      M2[i >> 1] = (m + 255) >>> 8;
    } else {
      bottomT[i >> 1] = 1;
      bottomR[i >> 1] = 0;
      M2[i >> 1] = m;
    }
  }
  if (i < len) M2[i >> 1] = M[i];
  const R2 = decode(s, pos, M2);
  const out: number[] = [];
  for (i = 0; i < len - 1; i += 2) {
    const r = bottomR[i >> 1] + bottomT[i >> 1] * R2[i >> 1];
    out.push(r % M[i], Math.floor(r / M[i]) % M[i + 1]);
  }
  if (i < len) out.push(R2[i >> 1]);
  return out;
}

function encodeAll(values: number[], modulus: number, bytes: number): Buffer {
  const out: number[] = [];
  encode(out, values, new Array<number>(P).fill(modulus));
  if (out.length !== bytes) throw new Error(`sntrup761: encoding produced ${out.length} bytes, expected ${bytes}`);
  return Buffer.from(out);
}

export function rqEncode(r: Int16Array): Buffer {
  return encodeAll(Array.from(r, (x) => x + Q12), Q, RQ_BYTES);
}

export function rqDecode(s: Uint8Array): Int16Array {
  return Int16Array.from(decode(s, 0, new Array<number>(P).fill(Q)), (x) => x - Q12);
}

export function roundedEncode(r: Int16Array): Buffer {
  return encodeAll(Array.from(r, (x) => ((x + Q12) * 10923) >>> 15), ROUNDED_M, ROUNDED_BYTES);
}

export function roundedDecode(s: Uint8Array): Int16Array {
  return Int16Array.from(decode(s, 0, new Array<number>(P).fill(ROUNDED_M)), (x) => x * 3 - Q12);
}

/** Four coefficients per byte as c + 1 in 2 bits, little end first; p = 4 * 190 + 1. */
export function smallEncode(f: Int8Array): Buffer {
  const s = Buffer.alloc(SMALL_BYTES);
  for (let i = 0; i < P; i++) s[i >> 2] |= (f[i] + 1) << (2 * (i & 3));
  return s;
}

export function smallDecode(s: Uint8Array): Int8Array {
  const f = new Int8Array(P);
  for (let i = 0; i < P; i++) f[i] = ((s[i >> 2] >> (2 * (i & 3))) & 3) - 1;
  return f;
}
