/**
 * Samples a responder while it is under attack: every process of it (iked's
 * parent and privsep children, or charon) with its RSS, open file descriptors
 * and CPU, and the daemon's own counters: ours from the control socket
 * (`ikectl show stats`: cookiesSent, halfOpenRefused, halfOpenSas, ikeSas, ...),
 * charon's from `swanctl --stats` (IKE_SAs total and half-open).
 */
import { readdirSync } from 'node:fs';
import { controlRequest } from '../src/proc/control-client';
import { runCommand } from '../test/interop/lib/run-command';
import { cpuMs, processTree, rssKb } from './proc-stats';
import { procRole } from './proc-role';
import type { Responder } from './responders';

export interface ProcSample {
  pid: number;
  role: string;
  rssKb: number;
  fds: number;
  cpuMs: number;
}

export interface DaemonSample {
  /** ms since the sampler started. */
  t: number;
  procs: ProcSample[];
  /** Our engine's counters, or charon's IKE_SA counts; null when the daemon did not answer in time. */
  stats: Record<string, number> | null;
}

export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Every process of the responder now. */
export function sampleProcs(rootPid: number): ProcSample[] {
  const out: ProcSample[] = [];
  for (const pid of processTree(rootPid)) {
    try {
      out.push({ pid, role: procRole(pid), rssKb: rssKb(pid), fds: fdCount(pid), cpuMs: cpuMs(pid) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** `swanctl --stats`: "IKE_SAs: 3 total, 1 half-open". */
export function parseSwanctlStats(text: string): Record<string, number> | null {
  const m = /IKE_SAs:\s*(\d+)\s+total,\s*(\d+)\s+half-open/.exec(text);
  return m ? { ikeSas: Number(m[1]), halfOpenSas: Number(m[2]) } : null;
}

export async function daemonStats(r: Responder, timeoutMs = 3000): Promise<Record<string, number> | null> {
  if (r.daemon === 'ours') {
    try {
      const res = await controlRequest(r.controlSocket, { cmd: 'show-stats' }, timeoutMs);
      return 'stats' in res ? res.stats : null;
    } catch {
      return null;
    }
  }
  const res = await runCommand(['swanctl', '--stats', '--uri', `unix://${r.controlSocket}`], { timeoutMs });
  return res.code === 0 ? parseSwanctlStats(res.stdout) : null;
}

/** Samples a responder every `everyMs` until stop(). */
export class DaemonSampler {
  readonly samples: DaemonSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly t0 = Date.now();

  constructor(private readonly r: Responder, private readonly everyMs = 1000) {}

  async sample(): Promise<DaemonSample> {
    const procs = sampleProcs(this.r.pid);
    const stats = await daemonStats(this.r);
    const s = { t: Date.now() - this.t0, procs, stats };
    this.samples.push(s);
    return s;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.sample().finally(() => (this.busy = false));
    }, this.everyMs);
  }

  async stop(): Promise<DaemonSample> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    return this.sample();
  }

  /** The largest value of a counter over the samples (NaN: never answered). */
  maxStat(key: string): number {
    let m = NaN;
    for (const s of this.samples) {
      const v = s.stats?.[key];
      if (v !== undefined && !(v <= m)) m = v;
    }
    return m;
  }
}
