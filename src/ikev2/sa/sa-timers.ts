/**
 * An IKE SA's named timers ('ike-rekey', 'dpd', 'child-rekey' of SPI x, ...) on the
 * shared TimerQueue: a small array of queue entries instead of a Map of Node
 * Timeouts. A timer is a constant name and a number (the Child SA's SPI, 0 for the
 * IKE SA's own): no string made per SA. An entry is forgotten when it fires or is
 * cleared, so has(name, id) means "armed".
 */
import { TimerEntry, TimerOwner, TimerQueue, saTimerQueue } from './timer-queue';

export class SaTimers implements TimerOwner {
  private list: TimerEntry[] | null = null;

  constructor(private readonly queue: TimerQueue = saTimerQueue) {}

  get size(): number {
    return this.list ? this.list.length : 0;
  }

  /** Arm (or re-arm) the timer `name` (of `id`): fn(arg, id) in ms milliseconds. */
  set<A>(name: string, ms: number, fn: (arg: A, id: number) => void, arg?: A, id = 0): void {
    this.delete(name, id);
    const entry = this.queue.add(ms, fn, name, this, arg, id);
    // a few entries per SA, kept exactly sized: concat allocates what it holds (push and spread reserve room for 17 or more)
    this.list = this.list ? this.list.concat([entry]) : [entry];
  }

  has(name: string, id = 0): boolean {
    const k = id | 0; // entries keep ids as signed 32-bit integers (timer-queue.ts)
    return !!this.list && this.list.some((e) => e.name === name && e.id === k);
  }

  /** Cancel the timer `name` (of `id`); true when it was armed. */
  delete(name: string, id = 0): boolean {
    if (!this.list) return false;
    const k = id | 0;
    const i = this.list.findIndex((e) => e.name === name && e.id === k);
    if (i < 0) return false;
    this.queue.cancel(this.list[i]);
    this.remove(i);
    return true;
  }

  /** Names of the armed timers ('name' or 'name:id'). */
  keys(): string[] {
    return this.list ? this.list.map((e) => (e.id ? `${e.name}:${e.id >>> 0}` : e.name)) : [];
  }

  /** Cancel every timer but `name` (id 0). */
  clearAllBut(name: string): void {
    if (!this.list) return;
    for (const e of [...this.list]) if (e.name !== name || e.id !== 0) this.delete(e.name, e.id >>> 0);
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
