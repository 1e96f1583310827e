/**
 * iked's expansion of a policy's flows (create_ike/expand_flows/create_flow):
 * one flow per written pair and IP protocol; `any` becomes 0.0.0.0/0 or ::/0
 * and `dynamic` 0.0.0.0 or :: in the family of the other side, both families
 * when neither side has one. Flows are kept in iked's flow tree order
 * (flow_cmp) without duplicates, which is the order print_policy shows.
 */
import { makeNet, NetAddr } from './address';
import type { AddrSpec, FlowConf, PolicyConf } from './types';

export interface ExpandedFlow {
  src: NetAddr;
  srcPort?: number;
  srcNat?: NetAddr;
  dst: NetAddr;
  dstPort?: number;
  /** IP protocol, 0 = any. */
  proto: number;
}

export type ExpandResult = { ok: true; flows: ExpandedFlow[]; duplicates: number } | { ok: false; message: string };

/* `any` and `dynamic` in each family: made once, only read (expanded flows are compared and printed, never kept). */
const ANY4 = makeNet(Buffer.alloc(4), 0);
const ANY6 = makeNet(Buffer.alloc(16), 0);
const DYNAMIC4 = makeNet(Buffer.alloc(4), undefined);
const DYNAMIC6 = makeNet(Buffer.alloc(16), undefined);

function concrete(a: AddrSpec, family: 4 | 6): NetAddr | null {
  switch (a.kind) {
    case 'net':
      return a;
    case 'any':
      return family === 4 ? ANY4 : ANY6;
    case 'dynamic':
      return family === 4 ? DYNAMIC4 : DYNAMIC6;
    case 'iface':
      return null;
  }
}

function familyOf(a: AddrSpec): 4 | 6 | 0 {
  return a.kind === 'net' ? a.family : 0;
}

/** sockaddr_cmp() on a little-endian host: address words compared as host-order integers. */
function addrCmp(a: Buffer, b: Buffer): number {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** A network-order port compared as a host-order u16 (as flow_cmp does). */
function portKey(p: number | undefined): number {
  const v = p ?? 0;
  return ((v & 0xff) << 8) | (v >> 8);
}

function sideCmp(a: NetAddr | undefined, b: NetAddr | undefined, pa: number | undefined, pb: number | undefined, ports: boolean): number {
  const fa = a ? a.family : 0;
  const fb = b ? b.family : 0;
  if (a && b) {
    if (fa !== fb) return fa - fb;
    const d = addrCmp(a.addr, b.addr);
    if (d) return d;
  }
  const ma = a ? a.prefixLen : 0;
  const mb = b ? b.prefixLen : 0;
  if (ma !== mb) return ma - mb;
  if (ports) return portKey(pa) - portKey(pb);
  return 0;
}

export function flowCmp(a: ExpandedFlow, b: ExpandedFlow): number {
  return (
    a.proto - b.proto ||
    sideCmp(a.dst, b.dst, a.dstPort, b.dstPort, true) ||
    sideCmp(a.src, b.src, a.srcPort, b.srcPort, true) ||
    sideCmp(a.srcNat, b.srcNat, undefined, undefined, false)
  );
}

/** The families a pair with no family on either side expands to. */
const BOTH_FAMILIES: readonly (4 | 6)[] = [4, 6];
/** No `proto`: one flow per pair, protocol 0 (any). */
const ANY_PROTO: readonly number[] = [0];

function expandPair(f: FlowConf, proto: number, out: ExpandedFlow[]): string | null {
  const fs = familyOf(f.src);
  const fd = familyOf(f.dst);
  const both = fs === 0 && fd === 0;
  const n = both ? 2 : 1;
  for (let k = 0; k < n; k++) {
    const fam: 4 | 6 = both ? BOTH_FAMILIES[k] : fs === 0 ? (fd as 4 | 6) : fs;
    const src = concrete(f.src, fs === 0 ? fam : fs);
    const dst = concrete(f.dst, fd === 0 ? fam : fd);
    if (!src || !dst) return 'interface addresses must be resolved before flows are expanded';
    if (src.family !== dst.family) return 'cannot mix different address families.';
    const e: ExpandedFlow = { src, dst, proto };
    if (f.srcPort) e.srcPort = f.srcPort;
    if (f.dstPort) e.dstPort = f.dstPort;
    if (f.srcNat && f.srcNat.kind === 'net') e.srcNat = f.srcNat;
    out.push(e);
  }
  return null;
}

/** Flows of a policy, iked-expanded, in iked's order, duplicates removed. */
export function expandFlows(p: Pick<PolicyConf, 'flows' | 'protos'>): ExpandResult {
  const raw: ExpandedFlow[] = [];
  const protos = p.protos.length ? p.protos : ANY_PROTO;
  for (const f of p.flows) {
    for (const proto of protos) {
      const err = expandPair(f, proto, raw);
      if (err) return { ok: false, message: err };
    }
  }
  // (a policy's usual one or two: Array#sort allocates its work space even for one element)
  if (raw.length === 2) {
    if (flowCmp(raw[0], raw[1]) > 0) raw.reverse();
  } else if (raw.length > 2) raw.sort(flowCmp);
  const flows: ExpandedFlow[] = [];
  let duplicates = 0;
  for (const f of raw) {
    if (flows.length && flowCmp(flows[flows.length - 1], f) === 0) duplicates++;
    else flows.push(f);
  }
  return { ok: true, flows, duplicates };
}
