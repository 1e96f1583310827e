/**
 * An open-addressing multimap from 32-bit hashes to objects (or strings): the hashes in one Int32Array, the
 * values in one array, linear probing, tombstones for deletions. It replaces a Map and its key
 * strings (or bigints) where the value itself can say whether it is the one looked for: a lookup
 * is by hash plus a predicate on the value. Several values may share a hash (or a key): every
 * lookup probes until the first empty slot.
 *
 * Per entry ~12 bytes per slot at a load between 3/8 and 3/4, against a Map's ~30-50 bytes plus
 * its key. Lookups stay O(1) as long as the hashes are spread (hash32.ts, seeded).
 */

const MIN_CAPACITY = 8;
/** Marks a deleted slot: probing continues past it, an insertion may reuse it. */
const TOMB: object = Object.freeze({});
const same = (a: unknown, b: unknown): boolean => a === b;

export class HashSlots<V extends object | string> {
  private hashes: Int32Array;
  private vals: Array<V | typeof TOMB | undefined>;
  private mask: number;
  private live = 0;
  /** live entries plus tombstones */
  private used = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.hashes = new Int32Array(cap);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.live;
  }

  /** Slots allocated (for tests and memory accounting). */
  get capacity(): number {
    return this.mask + 1;
  }

  /** The first value with hash `h` for which `is(value, k)` holds (`k`: the key, so `is` needs no closure). */
  find<K>(h: number, is: (v: V, k: K) => boolean, k?: K): V | undefined {
    const i = this.indexOf(h, is, k as K);
    return i < 0 ? undefined : (this.vals[i] as V);
  }

  /** Every value with hash `h` for which `is` holds, in probe order. */
  findAll<K>(h: number, is: (v: V, k: K) => boolean, k?: K): V[] {
    const out: V[] = [];
    const { hashes, vals, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined) return out;
      if (v !== TOMB && hashes[i] === h && is(v as V, k as K)) out.push(v as V);
    }
  }

  /** Add `v` under hash `h` (a value already there with the same key stays: see put). */
  add(h: number, v: V): void {
    if ((this.used + 1) * 4 > this.capacity * 3) this.resize();
    const { vals, mask } = this;
    let i = h & mask;
    while (vals[i] !== undefined && vals[i] !== TOMB) i = (i + 1) & mask;
    if (vals[i] === undefined) this.used++;
    this.hashes[i] = h;
    vals[i] = v;
    this.live++;
  }

  /** Put `v` in place of the first value with hash `h` for which `is` holds, or add it. */
  put<K>(h: number, v: V, is: (old: V, k: K) => boolean, k?: K): void {
    const i = this.indexOf(h, is, k as K);
    if (i >= 0) this.vals[i] = v;
    else this.add(h, v);
  }

  /** Remove the value `v` (this very object) stored under hash `h`. */
  delete(h: number, v: V): boolean {
    const i = this.indexOf(h, same, v);
    if (i < 0) return false;
    this.vals[i] = TOMB;
    this.live--;
    return true;
  }

  /** Replace the value `old` (this very object) under hash `h` by `v`. */
  replace(h: number, old: V, v: V): boolean {
    const i = this.indexOf(h, same, old);
    if (i >= 0) this.vals[i] = v;
    return i >= 0;
  }

  *values(): IterableIterator<V> {
    const { vals } = this;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (v !== undefined && v !== TOMB) yield v as V;
    }
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.vals = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.live = 0;
    this.used = 0;
  }

  private indexOf<K>(h: number, is: (v: V, k: K) => boolean, k: K): number {
    const { hashes, vals, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined) return -1;
      if (v !== TOMB && hashes[i] === h && is(v as V, k)) return i;
    }
  }

  /** Rehash into the smallest power of two that holds the live entries at half load (drops tombstones; grows or shrinks). */
  private resize(): void {
    let cap = MIN_CAPACITY;
    while (cap < (this.live + 1) * 2) cap *= 2;
    const oldHashes = this.hashes;
    const oldVals = this.vals;
    this.hashes = new Int32Array(cap);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.used = this.live;
    const { hashes, vals, mask } = this;
    for (let j = 0; j < oldVals.length; j++) {
      const v = oldVals[j];
      if (v === undefined || v === TOMB) continue;
      const h = oldHashes[j];
      let i = h & mask;
      while (vals[i] !== undefined) i = (i + 1) & mask;
      hashes[i] = h;
      vals[i] = v;
    }
  }
}
