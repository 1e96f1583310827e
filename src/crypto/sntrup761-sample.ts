/**
 * sntrup761 random sampling (NTRU Prime specification, round 3): Small (any
 * coefficients in -1, 0, 1) and Short (exactly w nonzero coefficients), drawn from a
 * random source 4 bytes at a time (little-endian 32-bit words) in the order of the
 * reference implementation, so that NIST-style known-answer tests reproduce.
 *
 * Short is "sort the list of random words with the value in the two low bits", done
 * with a data-oblivious sorting network (Batcher's merge exchange, Knuth 5.2.2 M):
 * the sequence of compare-exchanges depends only on the length, never on the data.
 */
import { randomBytes } from 'node:crypto';
import { P, W } from './sntrup761-poly';

/** A source of randomness: returns `length` fresh random bytes (node:crypto, or a DRBG in tests). */
export type RandomSource = (length: number) => Uint8Array;

/**
 * The system random source, buffered so that the 4-byte draws do not each cost a
 * system call. wipe() zeroes what is left of the buffer.
 */
export function systemRandom(): { source: RandomSource; wipe(): void } {
  let pool = randomBytes(4096);
  let pos = 0;
  return {
    source(length: number): Uint8Array {
      if (pos + length > pool.length) {
        pool.fill(0);
        pool = randomBytes(Math.max(4096, length));
        pos = 0;
      }
      const out = Buffer.from(pool.subarray(pos, pos + length));
      pool.fill(0, pos, pos + length);
      pos += length;
      return out;
    },
    wipe(): void {
      pool.fill(0);
    },
  };
}

function random32(random: RandomSource): number {
  const b = random(4);
  const x = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  b.fill(0);
  return x;
}

/** Each coefficient floor(3 * (x mod 2^30) / 2^30) - 1 for a fresh random word x. */
export function smallRandom(random: RandomSource): Int8Array {
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = Math.floor(((random32(random) & 0x3fffffff) * 3) / 0x40000000) - 1;
  return out;
}

/** Compare-exchange without a data-dependent branch: a[i] <= a[j] afterwards. */
function minmax(a: Int32Array, i: number, j: number): void {
  const x = a[i];
  const y = a[j];
  const mask = -Number(y < x);
  const t = (x ^ y) & mask;
  a[i] = x ^ t;
  a[j] = y ^ t;
}

/** Sort unsigned 32-bit words (held as words ^ 2^31 in an Int32Array) in place. */
export function sortNetwork(a: Int32Array): void {
  const n = a.length;
  if (n < 2) return;
  let t = 0;
  while (1 << t < n) t++;
  for (let p = 1 << (t - 1); p > 0; p >>= 1) {
    let q = 1 << (t - 1);
    let r = 0;
    let d = p;
    for (;;) {
      for (let i = 0; i < n - d; i++) if ((i & p) === r) minmax(a, i, i + d);
      if (q === p) break;
      d = q - p;
      q >>= 1;
      r = p;
    }
  }
}

/**
 * A random Short polynomial: w words tagged -1 or +1 (low bits 00 or 10) and p - w
 * tagged 0 (low bits 01), sorted by the random high bits, tags read off in order.
 */
export function shortRandom(random: RandomSource): Int8Array {
  const list = new Int32Array(P);
  for (let i = 0; i < P; i++) {
    const x = random32(random);
    const tagged = i < W ? x & ~1 : (x & ~3) | 1;
    list[i] = tagged ^ 0x80000000;
  }
  sortNetwork(list);
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = ((list[i] ^ 0x80000000) & 3) - 1;
  list.fill(0);
  return out;
}
