/**
 * Hex text of SPIs for log lines and events, from a table of the 256 byte pairs: a
 * handshake writes several (spi=0x… tags, Child SA SPIs), and Number#toString(16) with
 * padStart, or a Buffer view's toString('hex'), cost several times more.
 */
const PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** A 32-bit value as 8 lower-case hex digits. */
export function hex32(v: number): string {
  return PAIRS[(v >>> 24) & 255] + PAIRS[(v >>> 16) & 255] + PAIRS[(v >>> 8) & 255] + PAIRS[v & 255];
}

/** `len` bytes of `b` from `at` as lower-case hex (Buffer#toString('hex', at, at + len)). */
export function hexAt(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len; i++) s += PAIRS[b[i]];
  return s;
}
