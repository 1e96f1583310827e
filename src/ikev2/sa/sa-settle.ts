/**
 * An IKE SA after its IKE_AUTH exchange: what only AUTH needed goes, the rest of
 * its long-lived bytes move into one allocation.
 *
 * Dropped (RFC 7296 2.15, 2.17, 2.18): the IKE_SA_INIT messages and nonces (the
 * AUTH payloads and the first Child SA's KEYMAT are computed; later Child SAs and
 * IKE SA rekeys use the nonces of their own CREATE_CHILD_SA exchange), SK_pi and
 * SK_pr (only AUTH uses them; zeroed), the cookie.
 * Packed: SPIs, SK_d/SK_a/SK_e, Child SA keys, traffic selector addresses,
 * the peer's identity and the last response (kept to answer a retransmitted request;
 * one packet is read through a view, packed-views.ts PackedResponse).
 * Shared: our own identity (the same few for every SA), our endpoint, algorithms.
 * Small Buffers come from Node's shared 8 KiB pool slabs: one kept slice keeps its
 * whole slab alive, so an SA holding a dozen slices from handshake-time slabs
 * held ~4 KB of otherwise dead memory. One Buffer.alloc per SA holds it all.
 */
import type { IkeSa, IkeAlgorithms } from './ike-sa';
import type { Endpoint } from '../../wire/endpoint';
import type { ChildSa } from './child-sa';
import type { TrafficSelector } from '../payloads/payload-types';
import type { Identity } from '../../crypto/identity';
import type { Chosen } from '../policy/proposals';
import type { IkeSaKeys } from '../../crypto/keymat';
import { PackedChildKeys, PackedIdentity, PackedIkeKeys, PackedResponse, PackedSelector, wipeIkeKeys } from './packed-views';
import { EMPTY } from '../../wire/empty-bytes';
import { dropRareIfEmpty } from './rare-fields';
import { NO_REQUESTS } from './ike-sa';

const NO_HASH_ALGS: number[] = [];

/** Collects buffers, then copies them into one allocation and hands back views (or offsets). */
class Packer {
  private readonly parts: Buffer[] = [];
  private readonly sinks: Array<(b: Buffer) => void> = [];
  private size = 0;

  add(b: Buffer, sink: (packed: Buffer) => void): void {
    if (b.length === 0) return sink(EMPTY);
    this.parts.push(b);
    this.sinks.push(sink);
    this.size += b.length;
  }

  /** Copy several buffers back to back; `sink` gets the whole allocation and where they start. */
  addRun(bs: Buffer[], sink: (blob: Buffer, at: number) => void): void {
    const len = bs.reduce((n, b) => n + b.length, 0);
    if (!len) return sink(EMPTY, 0);
    const at = this.size;
    for (const b of bs) if (b.length) this.add(b, () => undefined);
    this.later.push((all) => sink(all, at));
  }

  private readonly later: Array<(all: Buffer) => void> = [];

  done(): void {
    if (!this.size) return;
    const all = Buffer.alloc(this.size); // its own ArrayBuffer, not a pool slice
    let off = 0;
    this.parts.forEach((b, i) => {
      b.copy(all, off);
      this.sinks[i](all.subarray(off, off + b.length));
      off += b.length;
    });
    for (const f of this.later) f(all);
    for (const f of this.finally) f();
  }

  private readonly finally: Array<() => void> = [];
  /** Run once every sink has been called. */
  afterDone(f: () => void): void {
    this.finally.push(f);
  }
}

function packIdentity(p: Packer, id: Identity | null, set: (v: Identity) => void): void {
  if (!id || !id.data.length) return;
  const { type, data } = id;
  p.addRun([data], (blob, at) => set(new PackedIdentity(type, blob, at, data.length)));
}

function packSelectors(p: Packer, list: TrafficSelector[], set: (v: TrafficSelector[]) => void): void {
  const out: TrafficSelector[] = list.slice();
  list.forEach((t, i) => {
    if (t.startAddr.length !== t.endAddr.length) {
      const copy = { ...t };
      out[i] = copy;
      p.add(t.startAddr, (b) => (copy.startAddr = b));
      p.add(t.endAddr, (b) => (copy.endAddr = b));
      return;
    }
    const { tsType, ipProtocol, startPort, endPort } = t;
    const len = t.startAddr.length;
    p.addRun([t.startAddr, t.endAddr], (blob, at) => (out[i] = new PackedSelector(tsType, ipProtocol, startPort, endPort, blob, at, len)));
  });
  p.afterDone(() => set(out));
}

/*
 * After IKE_AUTH a proposal's SPI is not needed any more (the Child SA keeps its
 * peer's SPI as a number, the IKE SA its SPIs): the chosen transforms are the same
 * for most SAs and are shared, frozen, as are the algorithm objects that go with them.
 */
const sharedChosen = new Map<string, Chosen>();
const sharedAlgs = new WeakMap<Chosen, IkeAlgorithms>();
const sharedLocal = new Map<string, Endpoint>();
const sharedHashAlgs = new Map<string, number[]>();
const sharedKeMethods = new Map<string, number[]>();

/** The key exchange methods of the SA's keys (assigned anew by a rekey, never changed in place): a few lists for all SAs. */
function shareKeMethods(list: number[]): number[] {
  const k = list.join(',');
  let s = sharedKeMethods.get(k);
  if (!s) {
    if (sharedKeMethods.size > 256) sharedKeMethods.clear();
    s = Object.freeze(list.slice()) as number[];
    sharedKeMethods.set(k.normalize(), s);
  }
  return s;
}

/** The peer's RFC 7427 hash list: the same few lists for all peers of one implementation. */
function shareHashAlgs(list: number[]): number[] {
  if (list.length === 0) return NO_HASH_ALGS;
  const k = list.join(',');
  let s = sharedHashAlgs.get(k);
  if (!s) {
    if (sharedHashAlgs.size > 256) sharedHashAlgs.clear();
    s = Object.freeze(list.slice()) as number[];
    sharedHashAlgs.set(k, s);
  }
  return s;
}

function shareChosen(ch: Chosen): Chosen {
  const k = `${ch.protocol}|${ch.proposalNum}|${ch.encr.id}/${ch.encr.keyBits ?? ''}|${ch.prf ?? ''}|${ch.integ ?? ''}|${ch.dh ?? ''}|${ch.esn ?? ''}`;
  let c = sharedChosen.get(k);
  if (!c) {
    c = Object.freeze({ ...ch, spi: EMPTY, encr: Object.freeze({ ...ch.encr }) });
    sharedChosen.set(k.normalize(), c);
  }
  return c;
}

function shareAlgs(alg: IkeAlgorithms): IkeAlgorithms {
  const chosen = shareChosen(alg.chosen);
  let a = sharedAlgs.get(chosen);
  if (!a || a.encr !== alg.encr || a.integ !== alg.integ || a.prf !== alg.prf) {
    a = Object.freeze({ ...alg, chosen });
    sharedAlgs.set(chosen, a);
  }
  return a;
}

/** Our own endpoint: a handful of distinct values across all SAs (endpoints are replaced, never changed in place). */
function shareLocal(e: Endpoint): Endpoint {
  const k = `${e.address}|${e.port}`;
  let s = sharedLocal.get(k);
  if (!s) {
    if (sharedLocal.size > 1024) sharedLocal.clear();
    s = Object.freeze({ address: e.address, port: e.port });
    sharedLocal.set(k.normalize(), s);
  }
  return s;
}

const sharedRemote = new Map<string, Endpoint>();

/**
 * The peer's endpoint: one frozen object (and address string) for every SA with the same
 * address and port (a NAT gateway's many peers, a load client's few source addresses).
 * Bounded (cleared past 4,096 endpoints: SAs settled before keep theirs, which stays correct, shared or not).
 */
function shareRemote(e: Endpoint): Endpoint {
  const k = `${e.address}|${e.port}`;
  let s = sharedRemote.get(k);
  if (!s) {
    if (sharedRemote.size >= 4096) sharedRemote.clear();
    s = Object.freeze({ address: e.address, port: e.port });
    sharedRemote.set(k.normalize(), s);
  }
  return s;
}

const sharedLocalId = new Map<string, Identity>();

/** Our own identity: one per policy (or certificate) for every SA; frozen, its bytes in their own allocation. */
function shareLocalId(id: Identity): Identity {
  const k = `${id.type}|${id.data.toString('hex')}`;
  let s = sharedLocalId.get(k);
  if (!s) {
    if (sharedLocalId.size > 1024) sharedLocalId.clear();
    const data = Buffer.alloc(id.data.length); // not a pool slice
    id.data.copy(data);
    s = Object.freeze({ type: id.type, data });
    sharedLocalId.set(k.normalize(), s);
  }
  return s;
}

const sharedSelectors = new Map<string, TrafficSelector[]>();

/**
 * Our side's selectors: the protected networks, the same for every peer of a policy.
 * Shared, frozen, each address in the one allocation of its list.
 */
function shareSelectors(list: TrafficSelector[]): TrafficSelector[] {
  const k = list.map((t) => `${t.tsType},${t.ipProtocol},${t.startPort},${t.endPort},${t.startAddr.toString('hex')},${t.endAddr.toString('hex')}`).join(';');
  let s = sharedSelectors.get(k);
  if (!s) {
    if (sharedSelectors.size > 1024) sharedSelectors.clear();
    const p = new Packer();
    let packed: TrafficSelector[] = list;
    packSelectors(p, list, (v) => (packed = v));
    p.done();
    s = Object.freeze(packed.map((t) => Object.freeze(t))) as TrafficSelector[];
    sharedSelectors.set(k.normalize(), s);
  }
  return s;
}

function packChild(p: Packer, c: ChildSa): void {
  c.chosen = shareChosen(c.chosen);
  c.tsLocal = shareSelectors(c.tsLocal);
  packSelectors(p, c.tsRemote, (v) => (c.tsRemote = v));
  const k = c.keys;
  if (!k || k.encIn.length !== k.encOut.length || k.integIn.length !== k.integOut.length) return;
  const e = k.encIn.length;
  const i = k.integIn.length;
  p.addRun([k.encIn, k.integIn, k.encOut, k.integOut], (blob, at) => (c.keys = new PackedChildKeys(blob, at, e, i)));
  // the originals are wiped once copied (below, after done())
}

/** Call once the IKE_AUTH exchange is over (its response sent or processed). */
export function settleEstablished(sa: IkeSa): void {
  if (sa.state !== 'ESTABLISHED' || !sa.keys) return;
  sa.initRequest = null;
  sa.initResponse = null;
  sa.cookie = null;
  sa.ni = EMPTY; // public values (sent in the clear), not wiped: a rekey may share them
  sa.nr = EMPTY;
  sa.peerHashAlgs = shareHashAlgs(sa.peerHashAlgs);
  sa.keMethods = shareKeMethods(sa.keMethods);
  if (sa.queue.length === 0) sa.queue = NO_REQUESTS;
  dropRareIfEmpty(sa);

  const oldKeys = sa.keys;
  const oldChildKeys = sa.children.map((c) => c.keys);
  const p = new Packer();
  p.addRun([sa.spis], (blob, at) => sa.moveSpis(blob, at));
  let keys: IkeSaKeys = { ...oldKeys, skPi: EMPTY, skPr: EMPTY };
  if (oldKeys.skAi.length === oldKeys.skAr.length && oldKeys.skEi.length === oldKeys.skEr.length) {
    const [d, a, en] = [oldKeys.skD.length, oldKeys.skAi.length, oldKeys.skEi.length];
    p.addRun([oldKeys.skD, oldKeys.skAi, oldKeys.skAr, oldKeys.skEi, oldKeys.skEr], (blob, at) => (keys = new PackedIkeKeys(blob, at, d, a, en)));
  }
  if (sa.alg) sa.alg = shareAlgs(sa.alg);
  const local = sa.local;
  const remote = sa.remote;
  sa.local = shareLocal(local);
  sa.remote = shareRemote(remote);
  // where the Child SAs were installed: the same endpoints, shared
  for (const c of sa.children) {
    const at = c.placed;
    if (at && at.local === local && at.remote === remote) c.placed = { local: sa.local, remote: sa.remote };
  }
  if (sa.localId) sa.localId = shareLocalId(sa.localId);
  packIdentity(p, sa.remoteId, (v) => (sa.remoteId = v));
  for (const c of sa.children) packChild(p, c);
  const last = sa.lastResponse;
  if (last && last.packets.length === 1 && last.packets[0].length) {
    const len = last.packets[0].length;
    p.addRun(last.packets, (blob, at) => (sa.lastResponse = new PackedResponse(last.id, blob, at, len)));
  } else if (last) {
    const packets = last.packets.slice();
    packets.forEach((pkt, i) => p.add(pkt, (b) => (packets[i] = b)));
    sa.lastResponse = { id: last.id, packets };
  }
  p.done();
  sa.keys = keys;
  if (keys instanceof PackedIkeKeys) wipeIkeKeys(oldKeys);
  else for (const b of [oldKeys.skPi, oldKeys.skPr]) b.fill(0); // only AUTH used them
  oldChildKeys.forEach((k, i) => {
    if (k && sa.children[i].keys !== k) for (const b of [k.encIn, k.integIn, k.encOut, k.integOut]) b.fill(0);
  });
}
