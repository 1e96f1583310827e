/**
 * IPv6 text made only of hex digits and colons (no embedded IPv4, no zone), checked and
 * parsed in one pass: 8 groups of 1 to 4 hex digits, or fewer with one "::" standing for
 * the rest (the forms node's isIPv6 accepts without a dot). The config parser meets one
 * such address per host; node's isIPv6 regular expression cost more than the rest.
 */

/** A hex digit's value, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The 16 bytes of `text`; null when it is not an address; undefined when it has other
 * characters than hex digits and colons (the caller decides those).
 */
export function parseHexIpv6(text: string): Buffer | null | undefined {
  const n = text.length;
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  /** Index in `groups` where "::" stands, -1 if none. */
  let gap = -1;
  let i = 0;
  if (n >= 2 && text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
    if (n === 2) return Buffer.allocUnsafe(16).fill(0);
  }
  for (;;) {
    // one group
    let v = 0;
    let digits = 0;
    while (i < n) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      digits++;
      i++;
    }
    if (i < n && text.charCodeAt(i) !== 58) return undefined;
    if (digits === 0 || digits > 4 || count === 8) return null;
    groups[count++] = v;
    if (i === n) break;
    i++; // ':'
    if (i < n && text.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) return null;
  }
  if (gap < 0 ? count !== 8 : count > 7) return null;
  // from the pool, as parseIp's other paths (a Buffer of its own costs an ArrayBuffer per address)
  const out = Buffer.allocUnsafe(16).fill(0);
  const shift = gap < 0 ? 0 : 8 - count;
  for (let k = 0; k < count; k++) {
    const at = k < gap || gap < 0 ? k : k + shift;
    out[at * 2] = groups[k] >> 8;
    out[at * 2 + 1] = groups[k] & 0xff;
  }
  return out;
}
