/**
 * One phase of a robustness run: the legitimate peers keep establishing SAs while
 * an attack (or, for the baseline, nothing) runs; the responder is sampled each
 * second. The result: the legitimate SAs of the phase, the responder's CPU (by
 * process), its memory and descriptors per process, its counters and the kernel's
 * UDP drops.
 */
import { DaemonSample, DaemonSampler } from './daemon-sampler';
import { LegitPeers, LegitSummary, summarize } from './legit-peers';
import { udpCounters } from './robustness-rig';
import type { Responder } from './responders';

export interface RoleFigures {
  role: string;
  cpuMs: number;
  rssFirst: number;
  rssMax: number;
  rssLast: number;
  fdsFirst: number;
  fdsMax: number;
  fdsLast: number;
}

export interface PhaseResult {
  /** Wall time of the attack. */
  seconds: number;
  legit: LegitSummary | null;
  /** Responder CPU over the attack (all its processes), and by process. */
  cpuMs: number;
  roles: RoleFigures[];
  first: DaemonSample;
  last: DaemonSample;
  /** Largest value of a daemon counter over the samples. */
  max(key: string): number;
  /** Counter growth over the phase (NaN when the daemon did not answer). */
  delta(key: string): number;
  udpDatagrams: number;
  udpRcvbufErrors: number;
}

function roleFigures(samples: DaemonSample[]): RoleFigures[] {
  const by = new Map<string, RoleFigures>();
  for (const s of samples) {
    for (const p of s.procs) {
      const f = by.get(p.role);
      if (!f) {
        by.set(p.role, { role: p.role, cpuMs: p.cpuMs, rssFirst: p.rssKb, rssMax: p.rssKb, rssLast: p.rssKb, fdsFirst: p.fds, fdsMax: p.fds, fdsLast: p.fds });
        continue;
      }
      f.rssMax = Math.max(f.rssMax, p.rssKb);
      f.rssLast = p.rssKb;
      f.fdsMax = Math.max(f.fdsMax, p.fds);
      f.fdsLast = p.fds;
    }
  }
  // cpuMs holds the first sample's CPU: make it the growth to the last sample
  const last = new Map(samples[samples.length - 1].procs.map((p) => [p.role, p.cpuMs]));
  for (const f of by.values()) f.cpuMs = (last.get(f.role) ?? f.cpuMs) - f.cpuMs;
  return [...by.values()];
}

export async function attackPhase<T>(r: Responder, legit: LegitPeers | null, responderNs: string, seconds: number, attack: () => Promise<T>): Promise<{ phase: PhaseResult; attack: T }> {
  const sampler = new DaemonSampler(r);
  const first = await sampler.sample();
  const udp0 = await udpCounters(responderNs);
  const t0 = Date.now();
  const from = legit?.now ?? 0;
  legit?.run(seconds);
  sampler.start();
  const a = await attack();
  const to = legit?.now ?? 0;
  const wall = (Date.now() - t0) / 1000;
  const last = await sampler.stop();
  const udp1 = await udpCounters(responderNs);
  await legit?.settle();
  const stat = (s: DaemonSample, k: string): number => s.stats?.[k] ?? NaN;
  const phase: PhaseResult = {
    seconds: wall,
    legit: legit ? summarize(legit.attempts, from, to) : null,
    cpuMs: last.procs.reduce((s, p) => s + p.cpuMs, 0) - first.procs.reduce((s, p) => s + p.cpuMs, 0),
    roles: roleFigures(sampler.samples),
    first,
    last,
    max: (k) => sampler.maxStat(k),
    delta: (k) => stat(last, k) - stat(first, k),
    udpDatagrams: udp1.inDatagrams - udp0.inDatagrams,
    udpRcvbufErrors: udp1.rcvbufErrors - udp0.rcvbufErrors,
  };
  return { phase, attack: a };
}
