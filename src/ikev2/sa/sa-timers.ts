/**
 * An IKE SA's named timers ('ike-rekey', 'dpd', 'child-<spi>-expire', ...) on the
 * shared TimerQueue: a small array of queue entries instead of a Map of Node
 * Timeouts. An entry is forgotten when it fires or is cleared, so has(name)
 * means "armed".
 */
import { TimerEntry, TimerOwner, TimerQueue, saTimerQueue } from './timer-queue';

export class SaTimers implements TimerOwner {
  private list: TimerEntry[] | null = null;

  constructor(private readonly queue: TimerQueue = saTimerQueue) {}

  get size(): number {
    return this.list ? this.list.length : 0;
  }

  /** Arm (or re-arm) the timer `name`: fn(arg) in ms milliseconds. */
  set<A>(name: string, ms: number, fn: (arg: A) => void, arg?: A): void {
    this.delete(name);
    const entry = this.queue.add(ms, fn, name, this, arg);
    // a few entries per SA, kept exactly sized (push would reserve room for 17)
    this.list = this.list ? [...this.list, entry] : [entry];
  }

  has(name: string): boolean {
    return !!this.list && this.list.some((e) => e.name === name);
  }

  /** Cancel the timer `name`; true when it was armed. */
  delete(name: string): boolean {
    if (!this.list) return false;
    const i = this.list.findIndex((e) => e.name === name);
    if (i < 0) return false;
    this.queue.cancel(this.list[i]);
    this.remove(i);
    return true;
  }

  /** Names of the armed timers. */
  keys(): string[] {
    return this.list ? this.list.map((e) => e.name) : [];
  }

  /** Cancel every timer. */
  clear(): void {
    if (!this.list) return;
    for (const e of this.list) this.queue.cancel(e);
    this.list = null;
  }

  fired(e: TimerEntry): void {
    if (this.list) this.remove(this.list.indexOf(e));
  }

  private remove(i: number): void {
    if (!this.list || i < 0) return;
    this.list.splice(i, 1);
    if (!this.list.length) this.list = null;
  }
}
