/**
 * Addresses in iked.conf: numeric IPv4/IPv6 hosts and networks, parsing to
 * bytes and canonical text (like getnameinfo(NI_NUMERICHOST)), and interface
 * name resolution (iked's host_if()).
 */
import { parseIp, formatIp } from '../wire/ip-address';
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
  const b = parseIp(s);
  return b && b.length === 4 ? b : null;
}

export function ipv6Bytes(s: string): Buffer | null {
  const b = parseIp(s);
  return b && b.length === 16 ? b : null;
}

/** Numeric text of 4 or 16 address bytes (RFC 5952 style for IPv6). */
export const formatAddress = formatIp;

/** A numeric host or network; `prefix` undefined for a plain host. */
export function makeNet(bytes: Buffer, prefix: number | undefined): NetAddr {
  return netOf(bytes, prefix, formatAddress(bytes));
}

/** "/0" .. "/128": a network's text is its address and one of these. */
const SLASH: readonly string[] = Array.from({ length: 129 }, (_, i) => `/${i}`);

/** makeNet with the canonical text of the bytes already known. */
function netOf(bytes: Buffer, prefix: number | undefined, base: string): NetAddr {
  const family: 4 | 6 = bytes.length === 4 ? 4 : 6;
  const full = family === 4 ? 32 : 128;
  return {
    kind: 'net',
    family,
    addr: bytes,
    prefixLen: prefix ?? full,
    text: prefix === undefined ? base : base + (SLASH[prefix] ?? `/${prefix}`),
    isNetwork: prefix !== undefined,
  };
}

/** Numeric IPv4/IPv6 text to an address, or null. */
export function parseNumericHost(text: string, prefix: number | undefined): NetAddr | null {
  const b = parseIp(text);
  if (!b) return null;
  // parseIp takes only canonical dotted quads (no leading zeros): the text is what formatAddress would give
  return netOf(b, prefix, b.length === 4 ? text : formatAddress(b));
}

function isLinkLocal6(b: Buffer): boolean {
  return b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
}

/**
 * Host interfaces via os.networkInterfaces(), read once per lookup function
 * (one per parse, like iked's iftab); IPv6 link-local skipped, as iked does.
 */
export function systemInterfaceLookup(): InterfaceLookup {
  let all: Map<string, ReturnType<typeof networkInterfaces>[string]> | undefined;
  return (name: string) => {
    // a Map: every host of the file is looked up here, and a name is never an Object.prototype key
    all ??= new Map(Object.entries(networkInterfaces()));
    return interfaceAddrs(all.get(name));
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
