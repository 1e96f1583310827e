/**
 * IP addresses between text and network-order bytes: the one parser and printer
 * used by the codec, identities, the config parser and the kernel glue.
 */
import { isIPv6 } from 'node:net';
import { parseHexIpv6 } from './ipv6-hex';

/**
 * Dotted-quad text to 4 bytes, exactly what node's isIPv4() accepts: four decimal
 * parts of 0-255 without leading zeros. null otherwise.
 */
function parseIpv4(text: string): Buffer | null {
  const n = text.length;
  if (n < 7 || n > 15) return null;
  const out = Buffer.allocUnsafe(4);
  let pos = 0;
  for (let part = 0; part < 4; part++) {
    if (part && text.charCodeAt(pos++) !== 46 /* . */) return null;
    const first = pos;
    let v = 0;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      pos++;
    }
    const len = pos - first;
    if (len === 0 || len > 3 || v > 255 || (len > 1 && text.charCodeAt(first) === 48)) return null;
    out[part] = v;
  }
  return pos === n ? out : null;
}

/** Groups of validated IPv6 text from `from` to `to` into `g` at `at`; an embedded IPv4 tail takes two. Returns the next index. */
function v6Groups(text: string, from: number, to: number, g: number[], at: number): number {
  let pos = from;
  while (pos < to) {
    let end = text.indexOf(':', pos);
    if (end < 0 || end > to) end = to;
    const dot = text.indexOf('.', pos);
    if (dot >= 0 && dot < end) {
      const v4 = parseIpv4(text.slice(pos, to)) as Buffer;
      g[at++] = (v4[0] << 8) | v4[1];
      g[at++] = (v4[2] << 8) | v4[3];
      return at;
    }
    g[at++] = parseInt(text.slice(pos, end), 16);
    pos = end + 1;
  }
  return at;
}

/** 4 or 16 bytes, or null when `text` is not a numeric address (no zone ids). */
export function parseIp(text: string): Buffer | null {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const hex = parseHexIpv6(text);
  if (hex !== undefined) return hex;
  if (text.indexOf(':') < 0 || text.indexOf('%') >= 0 || !isIPv6(text)) return null;
  // isIPv6 has checked the syntax: 8 groups, or fewer with one "::" standing for the rest
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  const dbl = text.indexOf('::');
  if (dbl < 0) v6Groups(text, 0, text.length, g, 0);
  else {
    v6Groups(text, 0, dbl, g, 0);
    const tail: number[] = [];
    const count = v6Groups(text, dbl + 2, text.length, tail, 0);
    for (let i = 0; i < count; i++) g[8 - count + i] = tail[i];
  }
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = g[i] >> 8;
    out[i * 2 + 1] = g[i] & 0xff;
  }
  return out;
}

/** Like parseIp, but a clear error instead of null. */
export function ipBytes(text: string): Buffer {
  const b = parseIp(text);
  if (!b) throw new Error(`"${text}" is not an IP address`);
  return b;
}

/** Dotted quad, or RFC 5952 text (longest run of two or more zero groups compressed; IPv4-mapped kept dotted). */
export function formatIp(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${b.length}`);
  const g = (i: number): number => (b[i * 2] << 8) | b[i * 2 + 1];
  if (g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g(i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g(j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = 8;
  let out = '';
  for (let i = 0; i < bestStart; i++) out += (i ? ':' : '') + g(i).toString(16);
  if (bestStart === 8) return out;
  out += '::';
  for (let i = bestStart + bestLen; i < 8; i++) out += (i > bestStart + bestLen ? ':' : '') + g(i).toString(16);
  return out;
}
