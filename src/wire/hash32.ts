/**
 * 32-bit hashes for the open-addressing tables (hash-slots.ts): of a 64-bit SPI, of bytes, of a
 * string, without making a key string or a bigint per entry. Every hash starts from a seed drawn
 * at start-up, so a peer cannot choose keys (its SPIi, its identity) that all land in one probe
 * chain of our tables.
 */
import { randomBytes } from 'node:crypto';

const SEED = randomBytes(4).readInt32LE(0);

/** Murmur3's finalizer: spreads every input bit over the result. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Two hashes into one (order matters). */
export function combine32(a: number, b: number): number {
  return mix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/**
 * The 8 bytes at `off` of `b` (a 64-bit SPI). Invertible given the low 32 bits (every step is a
 * bijection of 32-bit words): a slot's hash and the low word of the SPI stored with it determine
 * the whole SPI, so a table need not compare the SPI's bytes (spiLow32).
 */
export function hashSpi64(b: Uint8Array, off = 0): number {
  const hi = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) | 0;
  const lo = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) | 0;
  return combine32(mix32(hi ^ SEED), lo);
}

/** The low 32 bits of the SPI at `off` of `b`, as hashSpi64 reads them (a signed integer). */
export function spiLow32(b: Uint8Array, off = 0): number {
  return ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) | 0;
}

/** FNV-1a over bytes, then mixed. */
export function hashBytes(b: Uint8Array, seed = 0): number {
  let h = (0x811c9dc5 ^ seed ^ SEED) | 0;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return mix32(h);
}

/** FNV-1a over UTF-16 code units, then mixed. */
export function hashString(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed ^ SEED) | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Whether the 8 bytes at `aOff` of `a` equal the first 8 of `b` (two SPIs). */
export function sameSpi64(a: Uint8Array, b: Uint8Array, aOff = 0): boolean {
  for (let i = 0; i < 8; i++) if (a[aOff + i] !== b[i]) return false;
  return true;
}

/** A 32-bit integer (an SPI, a reqid), seeded and mixed. */
export function hashInt32(x: number): number {
  return mix32(x ^ SEED);
}
