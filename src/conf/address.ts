/**
 * Addresses in iked.conf: numeric IPv4/IPv6 hosts and networks, parsing to
 * bytes and canonical text (like getnameinfo(NI_NUMERICHOST)), and interface
 * name resolution (iked's host_if()).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { AddrSpec } from './types';

export type NetAddr = Extract<AddrSpec, { kind: 'net' }>;

/** Addresses of an interface: family and numeric text. */
export interface IfaceAddr {
  family: 4 | 6;
  address: string;
}

/** Interface name -> addresses (undefined: no such interface). */
export type InterfaceLookup = (name: string) => IfaceAddr[] | undefined;

export function ipv4Bytes(s: string): Buffer | null {
  if (!isIPv4(s)) return null;
  return Buffer.from(s.split('.').map((x) => Number(x)));
}

export function ipv6Bytes(s: string): Buffer | null {
  if (!isIPv6(s) || s.includes('%')) return null;
  let text = s;
  const out = Buffer.alloc(16);
  let tail: number[] = [];
  // Embedded IPv4 in the last 32 bits.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = ipv4Bytes(last);
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  const parse = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  if (halves.length === 2) {
    const a = parse(halves[0]);
    const b = parse(halves[1]);
    groups = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else {
    groups = parse(text);
  }
  if (groups.length !== 8) return null;
  if (tail.length) {
    groups[6] = tail[0];
    groups[7] = tail[1];
  }
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Numeric text of 4 or 16 address bytes (RFC 5952 style for IPv6). */
export function formatAddress(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(i * 2));
  // IPv4-mapped addresses keep the dotted quad.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** A numeric host or network; `prefix` undefined for a plain host. */
export function makeNet(bytes: Buffer, prefix: number | undefined): NetAddr {
  const family: 4 | 6 = bytes.length === 4 ? 4 : 6;
  const full = family === 4 ? 32 : 128;
  const base = formatAddress(bytes);
  return {
    kind: 'net',
    family,
    addr: bytes,
    prefixLen: prefix ?? full,
    text: prefix === undefined ? base : `${base}/${prefix}`,
    isNetwork: prefix !== undefined,
  };
}

/** Numeric IPv4/IPv6 text to an address, or null. */
export function parseNumericHost(text: string, prefix: number | undefined): NetAddr | null {
  const b = ipv4Bytes(text) ?? ipv6Bytes(text);
  if (!b) return null;
  return makeNet(b, prefix);
}

function isLinkLocal6(b: Buffer): boolean {
  return b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
}

/**
 * Host interfaces via os.networkInterfaces(), read once per lookup function
 * (one per parse, like iked's iftab); IPv6 link-local skipped, as iked does.
 */
export function systemInterfaceLookup(): InterfaceLookup {
  let all: ReturnType<typeof networkInterfaces> | undefined;
  return (name: string) => {
    all ??= networkInterfaces();
    return interfaceAddrs(all[name]);
  };
}

function interfaceAddrs(list: ReturnType<typeof networkInterfaces>[string]): IfaceAddr[] | undefined {
  if (!list) return undefined;
  const out: IfaceAddr[] = [];
  for (const a of list) {
    const family: 4 | 6 = a.family === 'IPv4' ? 4 : 6;
    if (family === 6) {
      const b = ipv6Bytes(a.address.split('%')[0]);
      if (!b || isLinkLocal6(b)) continue;
    }
    out.push({ family, address: a.address.split('%')[0] });
  }
  return out;
}

/** Interface addresses as host AddrSpecs (iked's ifa_lookup()). */
export function interfaceHosts(list: IfaceAddr[]): NetAddr[] {
  const out: NetAddr[] = [];
  for (const a of list) {
    const n = parseNumericHost(a.address, undefined);
    if (n) out.push(n);
  }
  return out;
}

/** Text of an AddrSpec as print_policy shows it: "any" for unspecified. */
export function addrText(a: AddrSpec | undefined): string {
  if (!a) return 'any';
  switch (a.kind) {
    case 'net':
      return isNetworkAddr(a) ? `${formatAddress(a.addr)}/${a.prefixLen}` : formatAddress(a.addr);
    case 'any':
      return 'any';
    case 'dynamic':
      return 'dynamic';
    case 'iface':
      return a.name;
  }
}

export function isNetworkAddr(a: NetAddr): boolean {
  return a.isNetwork ?? a.text.includes('/');
}
