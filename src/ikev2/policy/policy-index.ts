/**
 * Finding the policy for a peer among many (IKE_SA_INIT, IKE_AUTH) without trying each
 * one. iked's rule (policy.ts findPolicyForPeer): in order, the last match wins and a
 * `quick` match wins at once; `skip` policies never match. Said otherwise: the first
 * matching quick policy, else the last matching policy. The index keeps, in file order,
 * the quick policies, the policies whose peer is one address (by that address) and the
 * others (peer any or a network); a lookup tries the quick ones forward, then the
 * candidates for the peer's address backward, and stops at the first match. The
 * addresses are parsed once per lookup, not once per policy.
 */
import { parseIp } from '../../wire/ip-address';
import { Identity, identityMatches } from '../../crypto/identity';
import { ID } from '../../wire/iana';
import { networkRange, Network } from './traffic-selectors';

/** What the lookup reads of a policy (policy.ts Policy has it; no import, no cycle). */
export interface Policy {
  conf: { skip: boolean; quick: boolean };
  peer: Network | null;
  local: Network | null;
  remoteId: Identity | null;
}

/** A parsed address: its bytes (4 or 16), or null when the text is not a numeric address. */
type Addr = Buffer | null;

/** Policy positions (ascending) by peer: one address, or anything else (any, a network). */
interface Buckets {
  byPeerHost: Map<string, number[]>;
  otherPeers: number[];
}

interface PolicyIndex {
  /** The array indexed, element by element: a change in place makes a new index. */
  snapshot: Policy[];
  quick: Buckets;
  all: Buckets;
}

const indexes = new WeakMap<Policy[], PolicyIndex>();
const ranges = new WeakMap<Network, { start: Buffer; end: Buffer }>();

function rangeOf(n: Network): { start: Buffer; end: Buffer } {
  let r = ranges.get(n);
  if (!r) ranges.set(n, (r = networkRange(n)));
  return r;
}

/** Is the address in the network (null: any)? As addressInNetwork, on bytes parsed once. */
export function inNetwork(a: Addr, n: Network | null): boolean {
  if (!n) return true;
  if (!a || a.length !== (n.family === 6 ? 16 : 4)) return false;
  const r = rangeOf(n);
  return cmp(a, r.start) >= 0 && cmp(a, r.end) <= 0;
}

/** Buffer.compare for two addresses of one length, without the call into C++. */
function cmp(a: Buffer, b: Buffer): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function hostKey(family: 4 | 6, bytes: Buffer): string {
  return `${family}:${bytes.toString('hex')}`;
}

function isHost(n: Network): boolean {
  return n.prefixLen >= (n.family === 6 ? 128 : 32);
}

function add(b: Buckets, p: Policy, i: number): void {
  if (p.peer && isHost(p.peer)) {
    const k = hostKey(p.peer.family, rangeOf(p.peer).start);
    const list = b.byPeerHost.get(k);
    if (list) list.push(i);
    else b.byPeerHost.set(k, [i]);
  } else b.otherPeers.push(i);
}

function buildIndex(policies: Policy[]): PolicyIndex {
  const ix: PolicyIndex = { snapshot: [...policies], quick: { byPeerHost: new Map(), otherPeers: [] }, all: { byPeerHost: new Map(), otherPeers: [] } };
  policies.forEach((p, i) => {
    if (p.conf.skip) return;
    if (p.conf.quick) add(ix.quick, p, i);
    add(ix.all, p, i);
  });
  return ix;
}

function sameArray(a: Policy[], b: Policy[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function indexOf(policies: Policy[]): PolicyIndex {
  let ix = indexes.get(policies);
  if (!ix || !sameArray(ix.snapshot, policies)) indexes.set(policies, (ix = buildIndex(policies)));
  return ix;
}

/** The received identity, with its lower-case text for names (read once per lookup). */
interface Received {
  id: Identity;
  name: string | null;
}

const names = new WeakMap<Identity, string>();

function isName(id: Identity): boolean {
  return id.type === ID.FQDN || id.type === ID.RFC822_ADDR;
}

/** Lower-case text of a configured FQDN or RFC 822 identity, computed once. */
function nameOf(id: Identity): string {
  let n = names.get(id);
  if (n === undefined) names.set(id, (n = id.data.toString('utf8').toLowerCase()));
  return n;
}

/**
 * identityMatches(configured, received): for two names and a pattern without a
 * wildcard that is comparing lower-case texts (done here on texts made once);
 * everything else goes to identityMatches.
 */
function idMatches(configured: Identity, r: Received): boolean {
  if (configured.type !== r.id.type) return false;
  if (r.name !== null) {
    const pattern = nameOf(configured);
    if (!pattern.startsWith('*')) return pattern === r.name;
  }
  return identityMatches(configured, r.id);
}

function matches(p: Policy, remote: Addr, local: Addr, remoteId: Received | null): boolean {
  if (!inNetwork(remote, p.peer)) return false;
  if (!inNetwork(local, p.local)) return false;
  if (remoteId && p.remoteId && !idMatches(p.remoteId, remoteId)) return false;
  return true;
}

const NONE: number[] = [];

/** The candidates for a peer address in file order (forward) or reverse; the first that matches. */
function firstMatch<P extends Policy>(policies: P[], b: Buckets, remote: Addr, local: Addr, remoteId: Received | null, forward: boolean): P | null {
  const hosts = remote ? (b.byPeerHost.get(hostKey(remote.length === 16 ? 6 : 4, remote)) ?? NONE) : NONE;
  const others = b.otherPeers;
  // both lists ascend: merge them, lowest first (forward) or highest first
  let h = forward ? 0 : hosts.length - 1;
  let o = forward ? 0 : others.length - 1;
  const step = forward ? 1 : -1;
  const inH = (): boolean => h >= 0 && h < hosts.length;
  const inO = (): boolean => o >= 0 && o < others.length;
  while (inH() || inO()) {
    let i: number;
    if (!inO() || (inH() && (forward ? hosts[h] < others[o] : hosts[h] > others[o]))) {
      i = hosts[h];
      h += step;
    } else {
      i = others[o];
      o += step;
    }
    if (matches(policies[i], remote, local, remoteId)) return policies[i];
  }
  return null;
}

/** findPolicyForPeer's answer, through the index: the first quick match, else the last match. */
export function lookupPolicy<P extends Policy>(policies: P[], remoteAddr: string, localAddr: string, remoteId?: Identity | null): P | null {
  const ix = indexOf(policies);
  const remote = parseIp(remoteAddr);
  const local = parseIp(localAddr);
  const r: Received | null = remoteId ? { id: remoteId, name: isName(remoteId) ? remoteId.data.toString('utf8').toLowerCase() : null } : null;
  return firstMatch(policies, ix.quick, remote, local, r, true) ?? firstMatch(policies, ix.all, remote, local, r, false);
}
