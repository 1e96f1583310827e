/**
 * When a privsep process goes quiet after work (the engine: datagrams; the parent: the
 * engine's kernel requests), it asks V8 to shrink its heap and malloc to give its free
 * pages back, once, so that an idle process's RSS is what it holds, not where its last
 * burst left V8's heap and malloc.
 *
 * Why (bench/RESULTS.md, "Soak", smaps at each checkpoint, unfixed build): with its live
 * JS heap flat at 10.5–11.3 MB, the idle engine's RSS moved 116–132 MB between
 * checkpoints and drifted up. Its anonymous mappings (V8's heap) were 50–66 MB: the old
 * generation fills with promoted garbage until the next Mark-Compact (V8 collects at
 * 17–45 MB used), the young generation stays at its 16 MB semi-spaces, and an idle
 * process is not collected again (V8's memory reducer never ran: no "memory reducer"
 * collection in --trace-gc, its start delay at 1 s too). A plain Mark-Compact when idle
 * (gc() under --expose-gc) left the committed heap at 47–53 MB. malloc's brk heap grew
 * 15 → 19 MB: free pages glibc keeps inside the heap, which only malloc_trim gives back.
 * The parent (heap bounded, parent-heap.ts) swung 13–19 MB in the same way.
 *
 * How: activity() counts and arms a TICK_MS timer (unref'd) when none is armed (each tick that
 * saw activity re-arms it); a tick that saw none ends the busy period: if at least
 * MIN_ACTIVITY events came since the last release, `collect` (V8's LowMemoryNotification:
 * compacting collections, young generation shrunk, free pages released) now and `trim`
 * (malloc_trim(0)) TRIM_AFTER_MS later (V8 frees ArrayBuffer contents on its sweeper
 * thread after a collection). No timer runs in an idle process; under steady load no
 * release runs (no quiet tick); the per-event cost is a counter and a test.
 * Result (200,000-handshake soaks, RSS at the checkpoints): engine 116–132 MB → 61.1–62.5 MB,
 * parent 63–69 MB → 58.2–59.2 MB, both within 2 % from 20,000 handshakes to the end.
 * Cost: one release per idle period that follows at least MIN_ACTIVITY events (the
 * engine: some 1,000 SAs at four datagrams each; the parent: one event per kernel request
 * or batch): collections of a 10 MB live heap
 * (25 ms for two in a test process) and a trim of a few ms; then the young generation
 * grows back under the next burst. Interleaved 80,000-handshake soaks, CPU per SA at the
 * 40,000–80,000 checkpoints: engine 0.529 ms unfixed against 0.484 fixed (means of 6),
 * parent 0.138 against 0.128: nothing the shared machine's noise lets through.
 */

/**
 * 15 s: the release waits for a process quiet for a whole tick (15–30 s after its last
 * event), as V8's own memory reducer waits seconds, not for any pause between bursts of
 * work, which the next burst would then start on a shrunk heap. With a 500 ms tick the
 * release ran between the bench's alternating segments (ours idle while charon's ran);
 * quick runs then gave ratios to charon of 0.88 and 1.12 against 0.76 and 0.80 with the
 * release off, but runs in which no release ran at all (--trace-gc: no "low memory
 * notification" collection) spread as widely (0.61–0.88), so that cost is not established.
 */
export const TICK_MS = 15_000;
export const MIN_ACTIVITY = 4000;
export const TRIM_AFTER_MS = 100;
/** An idle process has released (when it had MIN_ACTIVITY events) this long after its last event. */
export const RELEASED_WITHIN_MS = 2 * TICK_MS + TRIM_AFTER_MS;

export interface IdleCollectorOptions {
  /** Shrink the JS heap (V8's LowMemoryNotification; null: not available). */
  collect: (() => void) | null;
  /** malloc_trim(0) (null where the C library has none). */
  trim: (() => unknown) | null;
  tickMs?: number;
  minActivity?: number;
  trimAfterMs?: number;
}

export class IdleCollector {
  private count = 0;
  private seen = 0;
  private sinceCollect = 0;
  private tick: NodeJS.Timeout | null = null;
  private trimTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Collections run so far. */
  collections = 0;
  /** Trims run so far. */
  trims = 0;

  constructor(private readonly o: IdleCollectorOptions) {}

  /** An event of work (a datagram, a kernel request). */
  activity(): void {
    this.count++;
    if (!this.tick && !this.stopped) this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.tick) clearTimeout(this.tick);
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.tick = this.trimTimer = null;
  }

  private arm(): void {
    this.tick = setTimeout(() => this.onTick(), this.o.tickMs ?? TICK_MS);
    this.tick.unref();
  }

  private onTick(): void {
    this.tick = null;
    if (this.count !== this.seen) {
      this.sinceCollect += this.count - this.seen;
      this.seen = this.count;
      this.arm();
      return;
    }
    if (this.sinceCollect < (this.o.minActivity ?? MIN_ACTIVITY)) return;
    this.sinceCollect = 0;
    if (this.o.collect) {
      this.collections++;
      this.o.collect();
    }
    if (this.o.trim && !this.trimTimer) {
      const trim = this.o.trim;
      this.trimTimer = setTimeout(() => {
        this.trimTimer = null;
        this.trims++;
        trim();
      }, this.o.trimAfterMs ?? TRIM_AFTER_MS);
      this.trimTimer.unref();
    }
  }
}
