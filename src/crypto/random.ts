/** Random SPIs and nonces from the OpenSSL CSPRNG. */
import { randomBytes } from 'node:crypto';

/** A random SPI of n bytes that is never all-zero (zero means "no SPI" on the wire). */
export function randomSpi(n: 4 | 8): Buffer {
  for (;;) {
    const spi = randomBytes(n);
    if (spi.some((b) => b !== 0)) return spi;
  }
}

/** A random nonce; RFC 7296 2.10 requires 16..256 bytes and at least half the PRF key size. */
export function nonce(len = 32): Buffer {
  if (!Number.isInteger(len) || len < 16 || len > 256) {
    throw new RangeError(`nonce length ${len} outside 16..256 bytes (RFC 7296 2.10)`);
  }
  return randomBytes(len);
}
