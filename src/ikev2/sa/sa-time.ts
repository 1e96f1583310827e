/**
 * An SA's wall-clock times (unix ms) as small integers: ms since just before this module
 * loaded. A unix time in ms (~1.8e12) is beyond a small integer (±2^31) and costs a
 * 16-byte heap number per field once one SA stores one; relative to the process's start
 * it stays small for ~24 days of uptime (later, and any other time, it is still exact:
 * a heap number again). 0 ("never", "not yet") stays 0.
 */
const EPOCH = Date.now() - 1;

/** What a time field holds for `ms` (unix ms). */
export function packTime(ms: number): number {
  if (ms === 0) return 0;
  const rel = ms - EPOCH;
  if (rel === 0) return -0; // the one time that would read back as 0
  // `| 0`: a small integer; the difference of two heap numbers stays a heap number even when whole
  return rel === (rel | 0) ? rel | 0 : rel;
}

/** The unix ms a time field holds. */
export function unpackTime(rel: number): number {
  if (rel === 0) return Object.is(rel, -0) ? EPOCH : 0;
  return rel + EPOCH;
}
