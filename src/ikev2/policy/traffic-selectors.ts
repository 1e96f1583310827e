/** Traffic selectors: construction from networks, narrowing (RFC 7296 2.9), text for logs. */
import { TS } from '../../wire/iana';
import { TrafficSelector } from '../payloads/payload-types';
import { addressText } from '../../wire/endpoint';

export interface Network {
  family: 4 | 6;
  addr: Buffer; // 4 or 16 bytes
  prefixLen: number;
}

function maxBuf(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) >= 0 ? a : b;
}
function minBuf(a: Buffer, b: Buffer): Buffer {
  return Buffer.compare(a, b) <= 0 ? a : b;
}

export function networkRange(n: Network): { start: Buffer; end: Buffer } {
  const len = n.family === 4 ? 4 : 16;
  const start = Buffer.alloc(len);
  const end = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    const bits = Math.max(0, Math.min(8, n.prefixLen - i * 8));
    const mask = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    start[i] = n.addr[i] & mask;
    end[i] = (n.addr[i] & mask) | (~mask & 0xff);
  }
  return { start, end };
}

export function tsFromNetwork(n: Network, ipProtocol = 0, port?: number): TrafficSelector {
  const { start, end } = networkRange(n);
  return {
    tsType: n.family === 4 ? TS.IPV4_ADDR_RANGE : TS.IPV6_ADDR_RANGE,
    ipProtocol,
    startPort: port ?? 0,
    endPort: port ?? 65535,
    startAddr: start,
    endAddr: end,
  };
}

export function tsAny(family: 4 | 6): TrafficSelector {
  return tsFromNetwork({ family, addr: Buffer.alloc(family === 4 ? 4 : 16), prefixLen: 0 });
}

/** The intersection of two selectors, or null. */
export function tsIntersect(a: TrafficSelector, b: TrafficSelector): TrafficSelector | null {
  if (a.tsType !== b.tsType) return null;
  let proto: number;
  if (a.ipProtocol === 0) proto = b.ipProtocol;
  else if (b.ipProtocol === 0 || b.ipProtocol === a.ipProtocol) proto = a.ipProtocol;
  else return null;
  const sp = Math.max(a.startPort, b.startPort);
  const ep = Math.min(a.endPort, b.endPort);
  if (sp > ep) return null;
  const sa = maxBuf(a.startAddr, b.startAddr);
  const ea = minBuf(a.endAddr, b.endAddr);
  if (Buffer.compare(sa, ea) > 0) return null;
  return { tsType: a.tsType, ipProtocol: proto, startPort: sp, endPort: ep, startAddr: sa, endAddr: ea };
}

/** Narrow what the peer proposed to what our policy allows; [] if nothing is left. */
export function tsNarrow(proposed: TrafficSelector[], allowed: TrafficSelector[]): TrafficSelector[] {
  const out: TrafficSelector[] = [];
  for (const p of proposed) {
    for (const a of allowed) {
      const i = tsIntersect(p, a);
      if (i && !out.some((o) => tsEqual(o, i))) out.push(i);
    }
  }
  return out;
}

export function tsEqual(a: TrafficSelector, b: TrafficSelector): boolean {
  return (
    a.tsType === b.tsType &&
    a.ipProtocol === b.ipProtocol &&
    a.startPort === b.startPort &&
    a.endPort === b.endPort &&
    a.startAddr.equals(b.startAddr) &&
    a.endAddr.equals(b.endAddr)
  );
}

/** True if every selector in `inner` lies inside one of `outer`. */
export function tsSubset(inner: TrafficSelector[], outer: TrafficSelector[]): boolean {
  return inner.every((i) => outer.some((o) => {
    const x = tsIntersect(i, o);
    return x !== null && tsEqual(x, i);
  }));
}

/** Prefix length if [start,end] is exactly one CIDR block, else -1. */
export function rangePrefix(start: Buffer, end: Buffer): number {
  let prefix = 0;
  let i = 0;
  for (; i < start.length && start[i] === end[i]; i++) prefix += 8;
  if (i === start.length) return prefix;
  const x = start[i] ^ end[i];
  // x must be of the form 0..01..1 and start must have zeros there, end ones
  let bits = 0;
  while (bits < 8 && ((x >> (7 - bits)) & 1) === 0) bits++;
  const low = (1 << (8 - bits)) - 1;
  if (x !== low || (start[i] & low) !== 0 || (end[i] & low) !== low) return -1;
  prefix += bits;
  for (i++; i < start.length; i++) if (start[i] !== 0 || end[i] !== 0xff) return -1;
  return prefix;
}

/** "10.1.0.0/24", "10.1.0.5-10.1.0.9", with "[proto/port]" when restricted. */
export function tsText(t: TrafficSelector): string {
  const p = rangePrefix(t.startAddr, t.endAddr);
  let s = p >= 0 ? `${addressText(t.startAddr)}/${p}` : `${addressText(t.startAddr)}-${addressText(t.endAddr)}`;
  const anyPort = t.startPort === 0 && t.endPort === 65535;
  if (t.ipProtocol !== 0 || !anyPort) {
    const port = anyPort ? '' : t.startPort === t.endPort ? `/${t.startPort}` : `/${t.startPort}-${t.endPort}`;
    s += `[${t.ipProtocol}${port}]`;
  }
  return s;
}
