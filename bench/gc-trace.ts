/**
 * V8's full collections from a daemon log written with node --trace-gc:
 *   [12689:0x45145df0]    11228 ms: Mark-Compact 28.5 (48.9) -> 10.4 (48.9) MB, ...
 * The size after a Mark-Compact is the live JS heap; unlike RSS it does not move
 * with the heap's committed size or the malloc arenas, so it tells a leak in
 * JavaScript objects from V8 and the allocator keeping memory around.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface FullGc {
  pid: number;
  /** ms since the process started. */
  ms: number;
  beforeMb: number;
  afterMb: number;
  /** Heap committed after the collection. */
  committedMb: number;
}

const LINE = /^\[(\d+):0x[0-9a-f]+\]\s+(\d+) ms: Mark-Compact(?: \([\w ]+\))? ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

/** The main-thread pause of any collection line, e.g. `Scavenge 10.1 (12.3) -> 9.5 (13.3) MB, 1.23 / 0.00 ms`, plus incremental marking steps (`+ 12.3 ms in 45 steps`). */
const PAUSE = /^\[(\d+):0x[0-9a-f]+\]\s+\d+ ms: (Scavenge|Mark-Compact|Minor Mark-Compact)\b.*? MB, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in \d+ steps)?/;

export interface GcPause {
  pid: number;
  kind: 'scavenge' | 'markCompact';
  ms: number;
}

export function parseGcPause(line: string): GcPause | null {
  const m = PAUSE.exec(line);
  if (!m) return null;
  return { pid: Number(m[1]), kind: m[2] === 'Scavenge' ? 'scavenge' : 'markCompact', ms: Number(m[3]) + (m[4] ? Number(m[4]) : 0) };
}

export function parseFullGc(line: string): FullGc | null {
  const m = LINE.exec(line);
  return m ? { pid: Number(m[1]), ms: Number(m[2]), beforeMb: Number(m[3]), afterMb: Number(m[5]), committedMb: Number(m[6]) } : null;
}

/** Follows a log file; poll() gives each process's latest full collection so far. */
export class GcTrace {
  private offset = 0;
  private partial = '';
  private readonly last = new Map<number, FullGc>();
  private readonly counts = new Map<number, number>();
  private readonly paused = new Map<number, { scavengeMs: number; markCompactMs: number }>();

  constructor(private readonly path: string) {}

  poll(): Map<number, FullGc> {
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        const lines = (this.partial + buf.subarray(0, n).toString('latin1')).split('\n');
        this.partial = lines.pop() ?? '';
        for (const l of lines) {
          const p = parseGcPause(l);
          if (p) {
            const acc = this.paused.get(p.pid) ?? { scavengeMs: 0, markCompactMs: 0 };
            if (p.kind === 'scavenge') acc.scavengeMs += p.ms;
            else acc.markCompactMs += p.ms;
            this.paused.set(p.pid, acc);
          }
          const g = l.includes('Mark-Compact') ? parseFullGc(l) : null;
          if (!g) continue;
          this.last.set(g.pid, g);
          this.counts.set(g.pid, (this.counts.get(g.pid) ?? 0) + 1);
        }
      }
    } finally {
      closeSync(fd);
    }
    return new Map(this.last);
  }

  /** Main-thread GC pauses of a process so far, in ms (Mark-Compact with its incremental marking steps). */
  pauses(pid: number): { scavengeMs: number; markCompactMs: number } {
    return { ...(this.paused.get(pid) ?? { scavengeMs: 0, markCompactMs: 0 }) };
  }

  /** Full collections seen so far for a process. */
  count(pid: number): number {
    return this.counts.get(pid) ?? 0;
  }
}
