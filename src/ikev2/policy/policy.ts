/**
 * Run-time policies built from iked.conf policies: wire proposals, traffic selectors,
 * identities; and iked's evaluation order to find the policy for a peer.
 */
import { isIPv6 } from 'node:net';
import type { PolicyConf, AddrSpec, FlowConf } from '../../conf/types';
import { PROTOCOL } from '../../wire/iana';
import { Proposal, TrafficSelector } from '../payloads/payload-types';
import { ikeProposalsFromConf } from './proposals';
import { Network, tsFromNetwork, tsAny, networkRange } from './traffic-selectors';
import { addressBytes } from '../../wire/endpoint';
import { Identity, parseIdentity } from '../../crypto/identity';
import { lookupPolicy } from './policy-index';

export interface Policy {
  conf: PolicyConf;
  name: string;
  ikeProposals: Proposal[];
  saProtocol: number; // PROTOCOL.ESP | PROTOCOL.AH
  /** Our side (TSi when we initiate) and the peer's side. */
  localTs: TrafficSelector[];
  remoteTs: TrafficSelector[];
  peer: Network | null; // null: any
  local: Network | null;
  localId: Identity | null; // null: our address
  remoteId: Identity | null; // null: anything that authenticates
  active: boolean;
  /**
   * Set by the policy keeper (src/proc/policy-keeper.ts) when it loads this policy's
   * flows into the kernel: the reqid of those flows, used by the policy's Child SAs.
   */
  reqid?: number;
  /** flowKey()s of the flows the keeper loaded: Child SAs neither add nor remove them. */
  loadedFlows?: Set<string>;
}

function addrNetwork(a: AddrSpec | undefined): Network | null {
  if (!a || a.kind !== 'net') return null;
  return { family: a.family, addr: a.addr, prefixLen: a.prefixLen };
}

function sideTs(a: AddrSpec, port: number | undefined, protos: number[], family: 4 | 6): TrafficSelector[] {
  const protoList = protos.length ? protos : [0];
  if (a.kind === 'net') return protoList.map((p) => tsFromNetwork({ family: a.family, addr: a.addr, prefixLen: a.prefixLen }, p, port));
  // any / dynamic: the whole address space of the family
  return protoList.map((p) => {
    const t = tsAny(family);
    if (port !== undefined) return { ...t, ipProtocol: p, startPort: port, endPort: port };
    return { ...t, ipProtocol: p };
  });
}

function flowFamily(f: FlowConf, fallback: 4 | 6): 4 | 6 {
  if (f.src.kind === 'net') return f.src.family;
  if (f.dst.kind === 'net') return f.dst.family;
  return fallback;
}

export function buildPolicy(conf: PolicyConf): Policy {
  const peer = addrNetwork(conf.peer);
  const local = addrNetwork(conf.local);
  const fam: 4 | 6 = conf.af ?? peer?.family ?? 4;
  const localTs: TrafficSelector[] = [];
  const remoteTs: TrafficSelector[] = [];
  for (const f of conf.flows) {
    const family = flowFamily(f, fam);
    localTs.push(...sideTs(f.src, f.srcPort, conf.protos, family));
    remoteTs.push(...sideTs(f.dst, f.dstPort, conf.protos, family));
  }
  return {
    conf,
    name: conf.name,
    ikeProposals: ikeProposalsFromConf(conf.ikesa),
    saProtocol: conf.saProto === 'ah' ? PROTOCOL.AH : PROTOCOL.ESP,
    localTs,
    remoteTs,
    peer,
    local,
    localId: conf.srcid ? parseIdentity(conf.srcid.text, conf.srcid.type) : null,
    remoteId: conf.dstid ? parseIdentity(conf.dstid.text, conf.dstid.type) : null,
    active: conf.mode === 'active',
  };
}

export function addressInNetwork(address: string, n: Network | null): boolean {
  if (!n) return true;
  const v6 = isIPv6(address);
  if ((n.family === 6) !== v6) return false;
  let b: Buffer;
  try {
    b = addressBytes(address);
  } catch {
    return false;
  }
  let r = ranges.get(n);
  if (!r) ranges.set(n, (r = networkRange(n)));
  return Buffer.compare(b, r.start) >= 0 && Buffer.compare(b, r.end) <= 0;
}

/** Each policy network's first and last address, computed once (every IKE_SA_INIT looks them up). */
const ranges = new WeakMap<Network, ReturnType<typeof networkRange>>();

/**
 * iked's evaluation: policies are tried in order, the last match wins, a `quick`
 * match wins at once, `skip` policies are never chosen for a peer. Through an index
 * (policy-index.ts): with 10,000 policies a try of each took 12-18 ms per lookup.
 */
export function findPolicyForPeer(policies: Policy[], remoteAddr: string, localAddr: string, remoteId?: Identity | null): Policy | null {
  return lookupPolicy(policies, remoteAddr, localAddr, remoteId);
}

/** Our identity for a policy: srcid, or our address. */
export function localIdentity(p: Policy, localAddr: string): Identity {
  if (p.localId) return p.localId;
  return parseIdentity(localAddr);
}
