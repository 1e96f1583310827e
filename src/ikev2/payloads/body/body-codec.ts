import type { Reader } from '../../../wire/reader';

/**
 * How one payload family's body (everything after the 4-byte generic
 * header) is sized, written and read. The chain (payload-chain.ts) writes
 * generic headers and hands each body its own bounded Reader.
 */
export interface BodyCodec<P> {
  /** Body length in bytes (without the generic header). */
  size(p: P): number;
  /** Writes the body at out[off..]; returns the offset just past it. */
  write(p: P, out: Buffer, off: number): number;
  /**
   * Reads a body. `r` is bounded to exactly the body; `next` is the generic
   * header's Next Payload (only SK/SKF use it).
   */
  read(r: Reader, type: number, critical: boolean, next: number): P;
}

/** Sets `critical: true` only when set, so decoded objects stay minimal. */
export function markCritical<P extends { critical?: boolean }>(p: P, critical: boolean): P {
  if (critical) p.critical = true;
  return p;
}
