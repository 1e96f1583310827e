/**
 * Key bytes of many held SA records, packed into a few large buffers: fixed-size
 * slots in size classes, reused once freed and zeroed when freed. A Buffer of its
 * own per key costs some 250 bytes of V8 and malloc overhead around 20 bytes of key.
 */
const CLASSES = [32, 64, 128, 256, 512];
const SLOTS_PER_SLAB = 1024;
const CLASS_SHIFT = 2 ** 24;

class SlotPool {
  private readonly slabs: Buffer[] = [];
  private readonly freeSlots: number[] = [];
  private next = 0;

  constructor(readonly size: number) {}

  alloc(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    const slot = this.next++;
    if (slot >= CLASS_SHIFT) throw new Error(`key arena: more than ${CLASS_SHIFT} keys of ${this.size} bytes`);
    if (this.slabs.length * SLOTS_PER_SLAB <= slot) this.slabs.push(Buffer.alloc(this.size * SLOTS_PER_SLAB));
    return slot;
  }

  view(slot: number, len: number): Buffer {
    const off = (slot % SLOTS_PER_SLAB) * this.size;
    return this.slabs[(slot / SLOTS_PER_SLAB) | 0].subarray(off, off + len);
  }

  free(slot: number): void {
    this.view(slot, this.size).fill(0);
    this.freeSlots.push(slot);
  }

  /** bytes held by the slabs */
  get bytes(): number {
    return this.slabs.length * SLOTS_PER_SLAB * this.size;
  }
}

export class KeyArena {
  private readonly pools = CLASSES.map((size) => new SlotPool(size));

  /** Copy the parts, one after the other, into a fresh slot; returns its handle. */
  store(parts: readonly Buffer[]): number {
    let len = 0;
    for (const p of parts) len += p.length;
    const cls = CLASSES.findIndex((c) => c >= len);
    if (cls < 0) throw new Error(`key arena: ${len} bytes of keys exceed the largest slot (${CLASSES[CLASSES.length - 1]})`);
    const slot = this.pools[cls].alloc();
    const dst = this.pools[cls].view(slot, len);
    let off = 0;
    for (const p of parts) off += p.copy(dst, off);
    return cls * CLASS_SHIFT + slot;
  }

  /** The first `len` bytes of a slot (a view: valid until the slot is freed). */
  view(handle: number, len: number): Buffer {
    return this.pools[Math.floor(handle / CLASS_SHIFT)].view(handle % CLASS_SHIFT, len);
  }

  /** Zero the slot and make it reusable. */
  free(handle: number): void {
    this.pools[Math.floor(handle / CLASS_SHIFT)].free(handle % CLASS_SHIFT);
  }

  get bytes(): number {
    return this.pools.reduce((n, p) => n + p.bytes, 0);
  }
}
