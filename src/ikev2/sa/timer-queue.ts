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

/**
 * What the queue orders: a due time (performance.now() ms, whole), the order it was scheduled in,
 * its position in the heap (-1 when not in it); run() when due. A TimerEntry is one timer; an
 * IKE SA's SaTimers (sa-timers.ts) is one item for all of its timers.
 */
export interface QueueItem {
  due: number;
  /** order of scheduling (wraps at 2^31): items due in the same millisecond fire in this order */
  seq: number;
  /** position in the heap; -1 once fired or cancelled */
  idx: number;
  run(): void;
}

/** The due time of a timer set now for `ms` milliseconds (0 or negative: on the next turn). */
export function dueIn(ms: number): number {
  return Math.ceil(performance.now() + Math.max(0, ms));
}

export class TimerEntry implements QueueItem {
  seq = 0;
  idx = -1;
  constructor(
    /** performance.now() at which it fires */
    public due: number,
    /** called with `arg` and `id`: one function shared by many entries needs no closure per entry */
    readonly fn: (arg: unknown, id: number) => void,
    readonly arg: unknown,
    /**
     * tells apart entries of one name and owner (a Child SA's SPI: any 32-bit unsigned value); 0 when
     * there is one. Kept as a signed 32-bit integer (a small integer, not a heap number); fn gets it unsigned.
     */
    readonly id: number,
    /** the owner's name for it */
    readonly name: string,
    readonly owner: TimerOwner | null,
  ) {}

  run(): void {
    this.owner?.fired(this);
    this.fn(this.arg, this.id >>> 0);
  }
}

export class TimerQueue {
  private readonly heap: QueueItem[] = [];
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Run fn(arg, id) in ms milliseconds (0 or negative: on the next turn). */
  add<A>(ms: number, fn: (arg: A, id: number) => void, name = '', owner: TimerOwner | null = null, arg?: A, id = 0): TimerEntry {
    const e = new TimerEntry(0, fn as (arg: unknown, id: number) => void, arg, id | 0, name, owner);
    this.schedule(e, dueIn(ms));
    return e;
  }

  /** Put `item` in the queue for `due` (see dueIn), or move it there if it is queued already. */
  schedule(item: QueueItem, due: number): void {
    this.seq = (this.seq + 1) | 0;
    item.due = due;
    item.seq = this.seq;
    const i = item.idx;
    if (i >= 0 && this.heap[i] === item) {
      this.down(i);
      this.up(item.idx);
    } else {
      item.idx = this.heap.length;
      this.heap.push(item);
      this.up(item.idx);
    }
    if (this.heap[0] === item) this.arm();
  }

  /** Remove an item that has not fired; a no-op otherwise. */
  cancel(e: QueueItem): void {
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
    const due: QueueItem[] = [];
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
          e.run();
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
function before(a: QueueItem, b: QueueItem): boolean {
  return a.due < b.due || (a.due === b.due && ((a.seq - b.seq) | 0) < 0);
}

/** The queue every IKE SA's timers go to. */
export const saTimerQueue = new TimerQueue();
