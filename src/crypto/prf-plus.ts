/** prf+ (RFC 7296 section 2.13). */
import type { PrfAlg } from './prf';

/**
 * prf+(K, S) = T1 | T2 | ... where T1 = prf(K, S | 0x01),
 * Tn = prf(K, Tn-1 | S | n); truncated to `length` bytes.
 * At most 255 iterations (the counter is one octet).
 */
export function prfPlus(prf: PrfAlg, key: Buffer, seed: Buffer, length: number): Buffer {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(`prf+ length must be a non-negative integer, got ${length}`);
  }
  const rounds = Math.ceil(length / prf.outLen);
  if (rounds > 255) {
    throw new RangeError(
      `prf+ cannot produce ${length} bytes with ${prf.name}: needs ${rounds} iterations, max 255`,
    );
  }
  const out = Buffer.alloc(rounds * prf.outLen);
  const counter = Buffer.alloc(1);
  let prev: Buffer = Buffer.alloc(0);
  for (let i = 1; i <= rounds; i++) {
    counter[0] = i;
    const t = prf.compute(key, prev, seed, counter);
    t.copy(out, (i - 1) * prf.outLen);
    prev.fill(0);
    prev = t;
  }
  prev.fill(0);
  if (out.length === length) return out;
  const res = Buffer.from(out.subarray(0, length));
  out.fill(0);
  return res;
}
