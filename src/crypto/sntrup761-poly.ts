/**
 * Streamlined NTRU Prime sntrup761 ring arithmetic: R/3 and R/q with
 * R = Z[x]/(x^p - x - 1), p = 761, q = 4591, weight w = 286 (NTRU Prime
 * specification, round 3, section 3). Written for this project after the
 * specification; the reference implementation (supercop crypto_kem/sntrup761/ref,
 * also in OpenSSH's sntrup761.c) was read for the exact conventions only.
 *
 * Representations follow the reference so that results are bit-identical:
 * elements of F3 are -1, 0, 1 (Int8Array), elements of Fq are -(q-1)/2 ... (q-1)/2
 * (Int16Array). Secret-dependent steps use masks, not branches, in the spirit of
 * the reference (JavaScript gives no hard constant-time guarantee).
 */

// module-local constants (exported below) so that the hot loops see literals, not export lookups
const P = 761;
const Q = 4591;
const W = 286;
const Q12 = (Q - 1) / 2;
export { P, Q, W };

/** -1 if x != 0, else 0 (x a 32-bit integer). */
export function nonzeroMask(x: number): number {
  return (0 - ((x | (0 - x)) >>> 31)) | 0;
}

/** -1 if x < 0, else 0 (x a 32-bit integer). */
export function negativeMask(x: number): number {
  return x >> 31;
}

/*
 * The freezes add a multiple of the modulus first so that the reduction always sees a
 * non-negative value: no data-dependent sign, and no -0 (which would push V8 off its
 * small-integer path). Every caller stays well inside the stated bounds.
 */

/**
 * x mod 3 in -1, 0, 1 (|x| < 12288): y - 3 floor(y / 3) with floor(y / 3) =
 * (y * 21846) >> 16, exact for 0 <= y < 32768.
 */
export function f3Freeze(x: number): number {
  const y = x + 1 + 3 * 4096;
  return y - 3 * ((y * 21846) >> 16) - 1;
}

const Q_INVERSE = 1 / Q;

/**
 * x mod q in -(q-1)/2 ... (q-1)/2 (|x| < q * 2^12 - q; products of two frozen values
 * fit): a quotient estimate from one double multiplication (off by at most one),
 * then one masked correction each way.
 */
export function fqFreeze(x: number): number {
  const y = x + Q12 + Q * 4096;
  let r = y - Q * Math.floor(y * Q_INVERSE);
  r += (r >> 31) & Q;
  r -= Q & ((Q - 1 - r) >> 31);
  return r - Q12;
}

/** 1/a in Fq (a^(q-2)). */
export function fqRecip(a: number): number {
  let result = 1;
  let base = fqFreeze(a);
  for (let e = Q - 2; e > 0; e >>>= 1) {
    if (e & 1) result = fqFreeze(result * base);
    base = fqFreeze(base * base);
  }
  return result;
}

/**
 * out = f * g in R/(modulus) for a small g: the product folded modulo x^p - x - 1 as
 * exact integers (|coefficients| < 3 p (q-1)/2), then reduced with freeze.
 */
function multiplySmall<T extends Int8Array | Int16Array>(f: ArrayLike<number>, g: Int8Array, out: T, freeze: (x: number) => number): T {
  const fg = new Int32Array(2 * P - 1);
  for (let i = 0; i < P; i++) {
    const gi = g[i];
    for (let j = 0; j < P; j++) fg[i + j] += (f[j] * gi) | 0;
  }
  // x^p = x + 1: the coefficient of x^i (i >= p) moves to x^(i-p) and x^(i-p+1)
  for (let i = 2 * P - 2; i >= P; i--) {
    fg[i - P] += fg[i];
    fg[i - P + 1] += fg[i];
  }
  for (let i = 0; i < P; i++) out[i] = freeze(fg[i]);
  fg.fill(0);
  return out;
}

/** h = f * g in R/q, g small. */
export function rqMultSmall(f: Int16Array, g: Int8Array): Int16Array {
  return multiplySmall(f, g, new Int16Array(P), fqFreeze);
}

/** h = f * g in R/3. */
export function r3Mult(f: Int8Array, g: Int8Array): Int8Array {
  return multiplySmall(f, g, new Int8Array(P), f3Freeze);
}

/** 3f in R/q. */
export function rqMult3(f: Int16Array): Int16Array {
  const h = new Int16Array(P);
  for (let i = 0; i < P; i++) h[i] = fqFreeze(3 * f[i]);
  return h;
}

/** The R/3 image of an element of R/q (each coefficient mod 3). */
export function r3FromRq(r: Int16Array): Int8Array {
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = f3Freeze(r[i]);
  return out;
}

/** Round each coefficient to the nearest multiple of 3. */
export function round3(a: Int16Array): Int16Array {
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = a[i] - f3Freeze(a[i]);
  return out;
}

/** 0 if r has exactly w nonzero coefficients, else -1. */
export function weightMask(r: Int8Array): number {
  let weight = 0;
  for (let i = 0; i < P; i++) weight += r[i] & 1;
  return nonzeroMask(weight - W);
}

/**
 * The divstep state shared by both reciprocals (Int32Array throughout, so that the
 * shared loop stays monomorphic): f = x^p - x - 1 and g = the input, both reversed.
 */
function divstepStart(input: Int8Array): { f: Int32Array; g: Int32Array; v: Int32Array; r: Int32Array } {
  const f = new Int32Array(P + 1);
  const g = new Int32Array(P + 1);
  f[0] = 1;
  f[P - 1] = -1;
  f[P] = -1;
  for (let i = 0; i < P; i++) g[P - 1 - i] = input[i];
  return { f, g, v: new Int32Array(P + 1), r: new Int32Array(P + 1) };
}

function wipe(f: Int32Array, g: Int32Array, v: Int32Array, r: Int32Array): void {
  f.fill(0);
  g.fill(0);
  v.fill(0);
  r.fill(0);
}

/** One constant-shape divstep: returns the new delta after a conditional swap of (f, g) and (v, r). */
function divstepSwap(delta: number, f: Int32Array, g: Int32Array, v: Int32Array, r: Int32Array): number {
  v.copyWithin(1, 0, P);
  v[0] = 0;
  const swap = negativeMask(0 - delta) & nonzeroMask(g[0]);
  delta ^= swap & (delta ^ (0 - delta));
  delta += 1;
  for (let i = 0; i <= P; i++) {
    let t = swap & (f[i] ^ g[i]);
    f[i] ^= t;
    g[i] ^= t;
    t = swap & (v[i] ^ r[i]);
    v[i] ^= t;
    r[i] ^= t;
  }
  return delta;
}

/** out = 1/input in R/3; returns 0 on success, -1 if input is not invertible. */
export function r3Recip(out: Int8Array, input: Int8Array): number {
  const { f, g, v, r } = divstepStart(input);
  r[0] = 1;
  let delta = 1;
  for (let loop = 0; loop < 2 * P - 1; loop++) {
    delta = divstepSwap(delta, f, g, v, r);
    const sign = -(g[0] * f[0]) | 0; // the swap does not change the product; | 0: no -0
    // g = (g + sign f) / x, r = r + sign v: the shift folded into the update
    for (let i = 0; i < P; i++) g[i] = f3Freeze(g[i + 1] + sign * f[i + 1]);
    g[P] = 0;
    for (let i = 0; i <= P; i++) r[i] = f3Freeze(r[i] + sign * v[i]);
  }
  const sign = f[0];
  for (let i = 0; i < P; i++) out[i] = (sign * v[P - 1 - i]) | 0;
  wipe(f, g, v, r);
  return nonzeroMask(delta);
}

/** out = 1/(3 * input) in R/q; returns 0 on success, -1 if not invertible. */
export function rqRecip3(out: Int16Array, input: Int8Array): number {
  const { f, g, v, r } = divstepStart(input);
  r[0] = fqRecip(3);
  let delta = 1;
  for (let loop = 0; loop < 2 * P - 1; loop++) {
    delta = divstepSwap(delta, f, g, v, r);
    const f0 = f[0];
    const g0 = g[0];
    for (let i = 0; i < P; i++) g[i] = fqFreeze(f0 * g[i + 1] - g0 * f[i + 1]);
    g[P] = 0;
    for (let i = 0; i <= P; i++) r[i] = fqFreeze(f0 * r[i] - g0 * v[i]);
  }
  const scale = fqRecip(f[0]);
  for (let i = 0; i < P; i++) out[i] = fqFreeze(scale * v[P - 1 - i]);
  wipe(f, g, v, r);
  return nonzeroMask(delta);
}
