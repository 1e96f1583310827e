/** Processes as /proc shows them (Linux): a daemon's children, whether one still runs. */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcEntry {
  pid: number;
  /** the command line, arguments joined by spaces */
  cmd: string;
}

/** The direct children of `pid`. */
export function childrenOf(pid: number): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone
    }
  }
  return out;
}

/** Running (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
