/**
 * Random SPIs and nonces from the OpenSSL CSPRNG. Small requests are served from a
 * pool refilled with one randomFillSync call (one OpenSSL call per 4 KiB instead of
 * one per SPI or nonce); handed-out bytes are copied out and wiped from the pool.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

/** n fresh random bytes (a copy: never shared with the pool). */
export function pooledRandom(n: number): Buffer {
  if (n > POOL_SIZE / 4) return randomBytes(n);
  return fillRandom(Buffer.allocUnsafe(n));
}

/** Fill `out` with fresh random bytes (from the pool when small); returns `out`. */
export function fillRandom(out: Buffer): Buffer {
  const n = out.length;
  if (n > POOL_SIZE / 4) return randomFillSync(out);
  if (used + n > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  pool.copy(out, 0, used, used + n);
  pool.fill(0, used, used + n);
  used += n;
  return out;
}

/** A random 32-bit number (for kernel SPIs). */
export function randomU32(): number {
  if (used + 4 > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const v = pool.readUInt32BE(used);
  pool.fill(0, used, used + 4);
  used += 4;
  return v;
}

/** A random SPI of n bytes that is never all-zero (zero means "no SPI" on the wire). */
export function randomSpi(n: 4 | 8): Buffer {
  for (;;) {
    const spi = pooledRandom(n);
    if (spi.some((b) => b !== 0)) return spi;
  }
}

/** A random nonce; RFC 7296 2.10 requires 16..256 bytes and at least half the PRF key size. */
export function nonce(len = 32): Buffer {
  if (!Number.isInteger(len) || len < 16 || len > 256) {
    throw new RangeError(`nonce length ${len} outside 16..256 bytes (RFC 7296 2.10)`);
  }
  return pooledRandom(len);
}
