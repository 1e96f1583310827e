/**
 * An IKE SA after its IKE_AUTH exchange: what only AUTH needed goes, the rest of
 * its long-lived bytes move into one allocation.
 *
 * Dropped (RFC 7296 2.15, 2.17, 2.18): the IKE_SA_INIT messages and nonces (the
 * AUTH payloads and the first Child SA's KEYMAT are computed; later Child SAs and
 * IKE SA rekeys use the nonces of their own CREATE_CHILD_SA exchange), SK_pi and
 * SK_pr (only AUTH uses them; zeroed), the cookie.
 * Packed: SPIs, SK_d/SK_a/SK_e, Child SA keys, traffic selector addresses,
 * identities and the last response (kept to answer a retransmitted request).
 * Small Buffers come from Node's shared 8 KiB pool slabs: one kept slice keeps its
 * whole slab alive, so an SA holding a dozen slices from handshake-time slabs
 * held ~4 KB of otherwise dead memory. One Buffer.alloc per SA holds it all.
 */
import type { IkeSa } from './ike-sa';
import type { ChildSa } from './child-sa';
import type { TrafficSelector } from './payload-types';
import type { Identity } from '../crypto/identity';
import type { Chosen } from './proposals';

const EMPTY = Buffer.alloc(0);
const NO_HASH_ALGS: number[] = [];

/** Collects buffers, then copies them into one allocation and hands back views. */
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

  done(): void {
    if (!this.size) return;
    const all = Buffer.alloc(this.size); // its own ArrayBuffer, not a pool slice
    let off = 0;
    this.parts.forEach((b, i) => {
      b.copy(all, off);
      this.sinks[i](all.subarray(off, off + b.length));
      off += b.length;
    });
  }
}

function packIdentity(p: Packer, id: Identity | null, set: (v: Identity) => void): void {
  if (!id) return;
  const type = id.type;
  p.add(id.data, (data) => set({ type, data }));
}

function packSelectors(p: Packer, list: TrafficSelector[], set: (v: TrafficSelector[]) => void): void {
  const out: TrafficSelector[] = list.map((t) => ({ ...t }));
  out.forEach((t, i) => {
    p.add(list[i].startAddr, (b) => (t.startAddr = b));
    p.add(list[i].endAddr, (b) => (t.endAddr = b));
  });
  set(out);
}

function packChosen(p: Packer, ch: Chosen, set: (v: Chosen) => void): void {
  p.add(ch.spi, (spi) => set({ ...ch, spi }));
}

function packChild(p: Packer, c: ChildSa): void {
  packChosen(p, c.chosen, (v) => (c.chosen = v));
  packSelectors(p, c.tsLocal, (v) => (c.tsLocal = v));
  packSelectors(p, c.tsRemote, (v) => (c.tsRemote = v));
  const k = c.keys;
  if (!k) return;
  const keys = { ...k };
  p.add(k.encIn, (b) => (keys.encIn = b));
  p.add(k.integIn, (b) => (keys.integIn = b));
  p.add(k.encOut, (b) => (keys.encOut = b));
  p.add(k.integOut, (b) => (keys.integOut = b));
  c.keys = keys;
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
  if (sa.peerHashAlgs.length === 0) sa.peerHashAlgs = NO_HASH_ALGS;

  const oldKeys = sa.keys;
  const oldChildKeys = sa.children.map((c) => c.keys);
  const p = new Packer();
  const spis = sa as unknown as { spiI: Buffer; spiR: Buffer };
  p.add(sa.spiI, (b) => (spis.spiI = b));
  p.add(sa.spiR, (b) => (spis.spiR = b));
  const keys = { ...oldKeys, skPi: EMPTY, skPr: EMPTY };
  p.add(oldKeys.skD, (b) => (keys.skD = b));
  p.add(oldKeys.skAi, (b) => (keys.skAi = b));
  p.add(oldKeys.skAr, (b) => (keys.skAr = b));
  p.add(oldKeys.skEi, (b) => (keys.skEi = b));
  p.add(oldKeys.skEr, (b) => (keys.skEr = b));
  const alg = sa.alg;
  if (alg) packChosen(p, alg.chosen, (chosen) => (sa.alg = { ...alg, chosen }));
  packIdentity(p, sa.localId, (v) => (sa.localId = v));
  packIdentity(p, sa.remoteId, (v) => (sa.remoteId = v));
  for (const c of sa.children) packChild(p, c);
  const last = sa.lastResponse;
  if (last) {
    const packets = last.packets.slice();
    packets.forEach((pkt, i) => p.add(pkt, (b) => (packets[i] = b)));
    sa.lastResponse = { id: last.id, packets };
  }
  p.done();
  sa.keys = keys;
  for (const b of Object.values(oldKeys) as Buffer[]) b.fill(0);
  for (const k of oldChildKeys) if (k) for (const b of Object.values(k) as Buffer[]) b.fill(0);
}
