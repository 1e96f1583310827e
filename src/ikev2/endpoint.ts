/** A UDP endpoint (address text as Node's dgram reports it, and port). */
import { isIPv6 } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
}

export function endpointText(e: Endpoint): string {
  return isIPv6(e.address) ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

/** Address as network-order bytes (4 or 16). */
export function addressBytes(address: string): Buffer {
  if (isIPv6(address)) {
    const parts = expandIPv6(address);
    const out = Buffer.alloc(16);
    for (let i = 0; i < 8; i++) out.writeUInt16BE(parts[i], i * 2);
    return out;
  }
  const p = address.split('.').map((x) => Number(x));
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return Buffer.from(p);
}

function expandIPv6(address: string): number[] {
  let a = address;
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  let tail: number[] = [];
  // embedded IPv4 (::ffff:1.2.3.4)
  const lastColon = a.lastIndexOf(':');
  const last = a.slice(lastColon + 1);
  if (last.includes('.')) {
    const b = addressBytes(last);
    tail = [b.readUInt16BE(0), b.readUInt16BE(2)];
    a = a.slice(0, lastColon + 1) + '0';
  }
  const [head, rest] = a.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest !== undefined ? 8 - tail.length - h.length - r.length + (tail.length ? 1 : 0) : 0;
  let words = [...h, ...Array(Math.max(fill, 0)).fill('0'), ...r].map((x) => parseInt(x, 16));
  if (tail.length) words = [...words.slice(0, words.length - 1), ...tail];
  if (words.length !== 8 || words.some((w) => Number.isNaN(w) || w < 0 || w > 0xffff)) {
    throw new Error(`not an IPv6 address: ${address}`);
  }
  return words;
}

/** Bytes to address text (4 -> dotted quad, 16 -> compressed IPv6). */
export function addressText(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new Error(`address of ${b.length} bytes`);
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push(b.readUInt16BE(i));
  // longest run of zeros
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}
