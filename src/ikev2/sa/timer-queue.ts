/**
 * One timer for many: the per-SA timers (lifetimes, DPD, NAT keepalives, half-open
 * limits) are entries in a binary heap ordered by due time, served by a single
 * (unref'd) setTimeout armed for the earliest entry. An entry costs one small
 * object instead of a Node Timeout (and a TimersList per distinct duration, which
 * jittered lifetimes make nearly one per timer). Due times are monotonic
 * (performance.now()), not wall-clock, rounded up to whole milliseconds: an integer
 * below 2^31 is a small integer in the entry, a fraction a 16-byte heap number.
 */
import { performance } from 'node:perf_hooks';

/** setTimeout's limit (2^31 - 1 ms); a later entry is re-armed when this one fires. */
const MAX_DELAY_MS = 0x7fffffff;

/** Told when one of its entries fires (before the entry's function runs). */
export interface TimerOwner {
  fired(e: TimerEntry): void;
}

export interface TimerEntry {
  /** performance.now() at which it fires */
  readonly due: number;
  /** called with `arg` and `id`: one function shared by many entries needs no closure per entry */
  readonly fn: (arg: unknown, id: number) => void;
  readonly arg: unknown;
  /**
   * tells apart entries of one name and owner (a Child SA's SPI: any 32-bit unsigned value); 0 when
   * there is one. Kept as a signed 32-bit integer (a small integer, not a heap number); fn gets it unsigned.
   */
  readonly id: number;
  /** order of adding (wraps at 2^31): entries due in the same millisecond fire in this order */
  readonly seq: number;
  /** position in the heap; -1 once fired or cancelled */
  idx: number;
  /** the owner's name for it */
  readonly name: string;
  readonly owner: TimerOwner | null;
}

export class TimerQueue {
  private readonly heap: TimerEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Run fn(arg, id) in ms milliseconds (0 or negative: on the next turn). */
  add<A>(ms: number, fn: (arg: A, id: number) => void, name = '', owner: TimerOwner | null = null, arg?: A, id = 0): TimerEntry {
    const due = Math.ceil(performance.now() + Math.max(0, ms));
    this.seq = (this.seq + 1) | 0;
    const e: TimerEntry = { due, fn: fn as (arg: unknown, id: number) => void, arg, id: id | 0, seq: this.seq, idx: this.heap.length, name, owner };
    this.heap.push(e);
    this.up(e.idx);
    if (this.heap[0] === e) this.arm();
    return e;
  }

  /** Remove an entry that has not fired; a no-op otherwise. */
  cancel(e: TimerEntry): void {
    const i = e.idx;
    if (i < 0 || this.heap[i] !== e) return;
    e.idx = -1;
    const last = this.heap.pop()!;
    if (last !== e) {
      this.heap[i] = last;
      last.idx = i;
      this.down(i);
      this.up(last.idx);
    }
    if (this.heap.length === 0) this.disarm();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  /** Arm the one timer for the earliest entry, unless it is armed for that time or earlier. */
  private arm(): void {
    const top = this.heap[0];
    if (!top) return this.disarm();
    if (this.timer && this.armedFor <= top.due) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = top.due;
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, Math.ceil(top.due - performance.now())));
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = performance.now();
    const due: TimerEntry[] = [];
    while (this.heap.length && this.heap[0].due <= now) {
      const e = this.heap[0];
      this.cancel(e);
      due.push(e);
    }
    try {
      // entries that fire together run in due order; one that throws does not stop the rest
      let failure: unknown = null;
      for (const e of due) {
        try {
          e.owner?.fired(e);
          e.fn(e.arg, e.id >>> 0);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== null) throw failure;
    } finally {
      this.arm();
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p])) break;
      h[i] = h[p];
      h[i].idx = i;
      i = p;
    }
    h[i] = e;
    e.idx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r], h[l]) ? r : l;
      if (!before(h[c], e)) break;
      h[i] = h[c];
      h[i].idx = i;
      i = c;
    }
    h[i] = e;
    e.idx = i;
  }
}

/** Whether `a` fires before `b`: earlier due, or the same millisecond and added first. */
function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.due < b.due || (a.due === b.due && ((a.seq - b.seq) | 0) < 0);
}

/** The queue every IKE SA's timers go to. */
export const saTimerQueue = new TimerQueue();
