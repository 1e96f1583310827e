/**
 * An IKE SA's named timers ('ike-rekey', 'dpd', 'child-rekey' of SPI x, ...) on the shared
 * TimerQueue, as ONE queue item for all of them: the item is due when the SA's earliest timer
 * is, and runs the SA's timers that are due then. A timer is five slots of one flat array (a
 * constant name, its due time, a shared function, its argument, a number: the Child SA's SPI,
 * 0 for the IKE SA's own), not an entry object in the queue: no object or string made per timer.
 * A timer is forgotten when it fires or is cleared, so has(name, id) means "armed". Timers of
 * one SA due in the same millisecond fire in the order they were set.
 */
import { performance } from 'node:perf_hooks';
import { QueueItem, TimerQueue, dueIn, saTimerQueue } from './timer-queue';

/** Slots per timer in SaTimers.slots, and their offsets. */
const W = 5;
const NAME = 0;
const DUE = 1;
const FN = 2;
const ARG = 3;
const ID = 4;

type TimerFn = (arg: unknown, id: number) => void;

export class SaTimers implements QueueItem {
  /** the timers, W slots each, in the order they were set; null when none */
  private slots: unknown[] | null = null;
  // QueueItem: the earliest timer's due time, while queued
  due = 0;
  seq = 0;
  idx = -1;

  constructor(private readonly queue: TimerQueue = saTimerQueue) {}

  get size(): number {
    return this.slots ? this.slots.length / W : 0;
  }

  /** Arm (or re-arm) the timer `name` (of `id`): fn(arg, id) in ms milliseconds. */
  set<A>(name: string, ms: number, fn: (arg: A, id: number) => void, arg?: A, id = 0): void {
    this.drop(name, id);
    // kept exactly sized: concat allocates what it holds (push reserves room)
    const t = [name, dueIn(ms), fn, arg, id | 0];
    this.slots = this.slots ? this.slots.concat(t) : t;
    this.reschedule();
  }

  has(name: string, id = 0): boolean {
    return this.find(name, id) >= 0;
  }

  /** Cancel the timer `name` (of `id`); true when it was armed. */
  delete(name: string, id = 0): boolean {
    if (!this.drop(name, id)) return false;
    this.reschedule();
    return true;
  }

  /** Names of the armed timers ('name' or 'name:id'). */
  keys(): string[] {
    const out: string[] = [];
    const s = this.slots;
    if (s) for (let i = 0; i < s.length; i += W) out.push(s[i + ID] ? `${s[i + NAME] as string}:${(s[i + ID] as number) >>> 0}` : (s[i + NAME] as string));
    return out;
  }

  /** Cancel every timer but `name` (id 0). */
  clearAllBut(name: string): void {
    const s = this.slots;
    if (!s) return;
    const keep: unknown[] = [];
    for (let i = 0; i < s.length; i += W) if (s[i + NAME] === name && s[i + ID] === 0) keep.push(...s.slice(i, i + W));
    this.slots = keep.length ? keep.slice() : null;
    this.reschedule();
  }

  /** Cancel every timer. */
  clear(): void {
    this.slots = null;
    this.queue.cancel(this);
  }

  /**
   * The queue found this SA due: take out the timers due by now, then run them in order (one
   * that throws does not stop the rest; the first error is thrown after). Timers they set run
   * on a later turn.
   */
  run(): void {
    const now = performance.now();
    const s = this.slots;
    const due: unknown[] = [];
    if (s) {
      const rest: unknown[] = [];
      for (let i = 0; i < s.length; i += W) {
        if ((s[i + DUE] as number) <= now) due.push(s[i + FN], s[i + ARG], s[i + ID]);
        else for (let j = 0; j < W; j++) rest.push(s[i + j]);
      }
      this.slots = rest.length ? rest.slice() : null; // slice: exactly sized
    }
    this.reschedule();
    let failure: unknown = null;
    let failed = false;
    for (let i = 0; i < due.length; i += 3) {
      try {
        (due[i] as TimerFn)(due[i + 1], (due[i + 2] as number) >>> 0);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
    if (failed) throw failure;
  }

  private find(name: string, id: number): number {
    const s = this.slots;
    if (!s) return -1;
    const k = id | 0;
    for (let i = 0; i < s.length; i += W) if (s[i + NAME] === name && s[i + ID] === k) return i;
    return -1;
  }

  /** Take the timer out of the slots (the queue item is left as it is). */
  private drop(name: string, id: number): boolean {
    const i = this.find(name, id);
    if (i < 0) return false;
    const s = this.slots!;
    this.slots = s.length === W ? null : s.slice(0, i).concat(s.slice(i + W));
    return true;
  }

  /** Queue this SA for its earliest timer (out of the queue when it has none). */
  private reschedule(): void {
    const s = this.slots;
    if (!s) return this.queue.cancel(this);
    let min = Infinity;
    for (let i = 0; i < s.length; i += W) if ((s[i + DUE] as number) < min) min = s[i + DUE] as number;
    if (this.idx >= 0 && this.due === min) return;
    this.queue.schedule(this, min);
  }
}
