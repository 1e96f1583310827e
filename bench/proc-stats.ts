/** CPU time and memory of a process, from /proc (Linux). */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 0;

/** USER_HZ (getconf CLK_TCK), 100 on every Linux we know of. */
export function clockTicks(): number {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime in clock ticks from the text of /proc/PID/stat (the comm field may hold spaces and parens). */
export function parseStatTicks(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('malformed /proc/PID/stat: no ")" after the command name');
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state); utime is field 14, stime field 15
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('malformed /proc/PID/stat: utime/stime not numeric');
  return utime + stime;
}

/** VmRSS in kB from the text of /proc/PID/status. */
export function parseRssKb(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('no VmRSS line in /proc/PID/status');
  return Number(m[1]);
}

/** CPU time (user + system, all threads) of a process in ms. */
export function cpuMs(pid: number): number {
  return (parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / clockTicks();
}

export function rssKb(pid: number): number {
  return parseRssKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** Busy fraction of all CPUs over `ms` (from /proc/stat), to flag a machine shared with other work. */
export async function systemBusy(ms: number): Promise<number> {
  const sample = (): { busy: number; total: number } => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/** The parent PID from the text of /proc/PID/stat. */
export function parseStatPpid(stat: string): number {
  const close = stat.lastIndexOf(')');
  return Number(stat.slice(close + 2).trim().split(/\s+/)[1]);
}

/** pid and all its descendants (privilege-separated daemons are several processes). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = parseStatPpid(readFileSync(`/proc/${name}/stat`, 'utf8'));
      const list = children.get(ppid);
      if (list) list.push(Number(name));
      else children.set(ppid, [Number(name)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop() as number;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

function sumOver(pids: number[], f: (pid: number) => number): number {
  let s = 0;
  for (const p of pids) {
    try {
      s += f(p);
    } catch {
      /* exited meanwhile */
    }
  }
  return s;
}

/** CPU ms of a process and its descendants. */
export function treeCpuMs(pid: number): number {
  return sumOver(processTree(pid), cpuMs);
}

/** VmRSS sum of a process and its descendants (shared pages counted once per process). */
export function treeRssKb(pid: number): number {
  return sumOver(processTree(pid), rssKb);
}
