/**
 * `npm run bench -- soak [--handshakes N] [--checkpoint N]`: our iked as the real
 * daemon (privilege-separated, as bench runs it) serves N handshakes, each IKE SA +
 * Child SA deleted by the load client once up. Every `checkpoint` handshakes the
 * client pauses, the daemon settles (until an idle process has released memory,
 * idle-collector.ts, plus 2 s), and every iked process (parent and
 * each privsep child) is sampled: RSS, open descriptors (/proc/PID/fd), CPU; and
 * the engine's SA counts. The verdict compares the first checkpoint (20,000 by
 * default) with the end: within 5 % or not, per process. With --trace-gc (the
 * default) iked runs with node --trace-gc and each process's live JS heap after
 * its latest full collection (gc-trace.ts) is reported too: RSS also moves with
 * V8's committed heap and the malloc arenas, the live heap only with objects kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from '../test/interop/lib/run-command';
import { makeFloodTopology } from './flood-topology';
import { CASE, log, startDefended, startLoadClient } from './robustness-rig';
import { daemonStats, ProcSample, sampleProcs } from './daemon-sampler';
import { FullGc, GcTrace } from './gc-trace';
import { SmapsBreakdown, smapsOf, smapsText } from './smaps-breakdown';
import { fmt } from './robustness-report';
import { markdownTable } from './report';
import type { RobustnessOptions } from './robustness-options';
import { RELEASED_WITHIN_MS } from '../src/proc/privsep/idle-collector';

export interface SoakCheckpoint {
  handshakes: number;
  failed: number;
  saPerSec: number;
  cpuMsPerSa: number;
  /** By process role: its CPU since the previous checkpoint per SA established. */
  cpuMsPerSaByRole: Record<string, number>;
  procs: ProcSample[];
  /** By process role: its latest full collection (with --trace-gc). */
  gc: Record<string, FullGc>;
  /** By process role: its resident memory by kind of mapping (smaps-breakdown.ts). */
  smaps?: Record<string, SmapsBreakdown>;
  stats: Record<string, number> | null;
}

export interface SoakResult {
  checkpoints: SoakCheckpoint[];
  privsep: boolean;
}

export const SOAK_TOLERANCE = 0.05;
/** The daemon settles until its processes have released memory once idle (src/proc/privsep/idle-collector.ts), then 2 s. */
const SETTLE_MS = RELEASED_WITHIN_MS + 2000;

export async function runSoakMode(o: RobustnessOptions, repoRoot: string): Promise<SoakResult> {
  const topo = await makeFloodTopology(process.env.IKED_BENCH_NS || 'fld', 0, 8);
  const baseDir = mkdtempSync(join(tmpdir(), 'iked-soak-'));
  const checkpoints: SoakCheckpoint[] = [];
  try {
    const nodeArgs = process.env.IKED_BENCH_NODE_ARGS;
    if (o.traceGc) process.env.IKED_BENCH_NODE_ARGS = `${nodeArgs ?? ''} --trace-gc`.trim();
    const r = await startDefended('ours', topo, baseDir, repoRoot, o).finally(() => {
      if (nodeArgs === undefined) delete process.env.IKED_BENCH_NODE_ARGS;
      else process.env.IKED_BENCH_NODE_ARGS = nodeArgs;
    });
    const gcTrace = o.traceGc ? new GcTrace(r.logFile) : null;
    try {
      const client = await startLoadClient(topo, repoRoot);
      try {
        let done = 0;
        let failed = 0;
        let before = sampleProcs(r.pid);
        while (done < o.handshakes) {
          const n = Math.min(o.checkpoint, o.handshakes - done);
          const d = await client.run(n, done, o.window, 10_000, true);
          done += n;
          failed += d.failed;
          await delay(SETTLE_MS);
          const procs = sampleProcs(r.pid);
          const perSa = (ms: number): number => ms / Math.max(1, d.established);
          const cpuMsPerSaByRole: Record<string, number> = {};
          for (const p of procs) cpuMsPerSaByRole[p.role] = perSa(p.cpuMs - (before.find((b) => b.role === p.role)?.cpuMs ?? 0));
          const cpu = procs.reduce((s, p) => s + p.cpuMs, 0) - before.reduce((s, p) => s + p.cpuMs, 0);
          const gcs = gcTrace?.poll() ?? new Map<number, FullGc>();
          const gc: Record<string, FullGc> = {};
          for (const p of procs) {
            const g = gcs.get(p.pid);
            if (g) gc[p.role] = g;
          }
          const smaps: Record<string, SmapsBreakdown> = {};
          for (const p of procs) {
            const s = smapsOf(p.pid);
            if (s) smaps[p.role] = s;
          }
          const cp: SoakCheckpoint = { handshakes: done, failed, saPerSec: (d.established * 1000) / Math.max(1, d.wallMs), cpuMsPerSa: perSa(cpu), cpuMsPerSaByRole, procs, gc, smaps, stats: await daemonStats(r) };
          before = procs;
          checkpoints.push(cp);
          log(
            `soak: ${done} handshakes (${failed} failed), ${fmt(cp.saPerSec)} SA/s, ${fmt(cp.cpuMsPerSa, 3)} ms CPU/SA; ` +
              `${procs.map((p) => `${p.role} ${p.rssKb} kB ${p.fds} fds${gc[p.role] ? ` heap ${gc[p.role].afterMb} MB` : ''}${smaps[p.role] ? ` (${smapsText(smaps[p.role])})` : ''} cpu ${fmt(cpuMsPerSaByRole[p.role], 3)} ms/SA`).join(', ')}; IKE SAs ${fmt(cp.stats?.ikeSas ?? NaN)}`,
          );
        }
      } finally {
        await client.quit();
      }
    } finally {
      await r.stop();
    }
  } finally {
    await topo.cleanup();
    if (process.env.IKED_BENCH_KEEP === '1') log(`kept ${baseDir}`);
    else rmSync(baseDir, { recursive: true, force: true });
  }
  return { checkpoints, privsep: o.privsep };
}

export interface SoakVerdict {
  role: string;
  rssFirst: number;
  rssLast: number;
  rssGrowth: number;
  fdsFirst: number;
  fdsLast: number;
  fdsGrowth: number;
  /** Live heap after the latest full GC at the first checkpoint and at the end (MB; NaN without --trace-gc). */
  heapFirst: number;
  heapLast: number;
  within: boolean;
}

/** Per process: the first checkpoint against the last; `within` fails on growth over the tolerance (shrinking is no leak). */
export function soakVerdicts(r: SoakResult): SoakVerdict[] {
  const first = r.checkpoints[0];
  const last = r.checkpoints[r.checkpoints.length - 1];
  if (!first || !last) return [];
  return first.procs.map((p) => {
    const q = last.procs.find((x) => x.role === p.role);
    const rssLast = q?.rssKb ?? NaN;
    const fdsLast = q?.fds ?? NaN;
    const rssGrowth = (rssLast - p.rssKb) / p.rssKb;
    const fdsGrowth = (fdsLast - p.fds) / p.fds;
    const heapFirst = first.gc[p.role]?.afterMb ?? NaN;
    const heapLast = last.gc[p.role]?.afterMb ?? NaN;
    return { role: p.role, rssFirst: p.rssKb, rssLast, rssGrowth, fdsFirst: p.fds, fdsLast, fdsGrowth, heapFirst, heapLast, within: rssGrowth <= SOAK_TOLERANCE && fdsGrowth <= SOAK_TOLERANCE };
  });
}

export function soakMarkdown(o: RobustnessOptions, r: SoakResult): string[] {
  const roles = r.checkpoints[0]?.procs.map((p) => p.role) ?? [];
  const rows = r.checkpoints.map((c) => [
    String(c.handshakes),
    String(c.failed),
    fmt(c.saPerSec),
    fmt(c.cpuMsPerSa, 3),
    ...roles.map((role) => {
      const p = c.procs.find((x) => x.role === role);
      const g = c.gc[role];
      return p ? `${p.rssKb} kB, ${p.fds} fds${g ? `, heap ${g.afterMb} MB` : ''}` : 'gone';
    }),
    `${fmt(c.stats?.ikeSas ?? NaN)} / ${fmt(c.stats?.halfOpenSas ?? NaN)}`,
  ]);
  const v = soakVerdicts(r);
  const first = r.checkpoints[0]?.handshakes ?? 0;
  const last = r.checkpoints[r.checkpoints.length - 1]?.handshakes ?? 0;
  const heap = (x: SoakVerdict): string => (Number.isFinite(x.heapFirst) ? `, live heap ${x.heapFirst} → ${x.heapLast} MB` : '');
  const verdict = v.map((x) => `${x.role} RSS ${x.rssFirst} → ${x.rssLast} kB (${fmt(x.rssGrowth * 100, 1)} %), fds ${x.fdsFirst} → ${x.fdsLast} (${fmt(x.fdsGrowth * 100, 1)} %)${heap(x)}`);
  const ok = v.length > 0 && v.every((x) => x.within);
  return [
    `Soak (bench/soak-run.ts): our iked (${r.privsep ? 'privilege-separated: parent, engine, ca, control' : 'one process'}, decoupled, ${CASE.name}, pinned to CPU 0) serves ${last} handshakes from our load client (8 source addresses, window ${o.window}, per-SA identities), ` +
      `each IKE SA + Child SA deleted by the client once up; every ${o.checkpoint} handshakes the client pauses, the daemon settles ${Math.round(SETTLE_MS / 1000)} s (an idle process releases memory 15–30 s after its last event) and each iked process is sampled (VmRSS, entries of /proc/PID/fd` +
      (o.traceGc ? ', and from node --trace-gc its live JS heap after its latest Mark-Compact).' : ').'),
    '',
    markdownTable(['handshakes', 'failed (total)', 'SA/s', 'CPU ms/SA', ...roles, 'IKE SAs / half-open left'], rows),
    '',
    `**${first} → ${last} handshakes, no process grew more than ${SOAK_TOLERANCE * 100} % in RSS or descriptors: ${ok ? 'yes' : 'no'}** (${verdict.join('; ')}).`,
    '',
    `Per process over all checkpoints: ${roles.map((role) => procSpread(r, role)).join('; ')}.`,
    '',
    'Resident memory by kind of mapping (bench/smaps-breakdown.ts; MB): brk is [heap], malloc\'s main arena; arenas its other arenas (count); anon the other anonymous mappings (V8\'s heap, stacks, large malloc blocks); file the mapped files.',
    '',
    markdownTable(['handshakes', ...roles], r.checkpoints.map((c) => [String(c.handshakes), ...roles.map((role) => (c.smaps?.[role] ? smapsText(c.smaps[role]).replace(/ MB$/, '') : 'n/a'))])),
    '',
    '```',
    ...v.map((x) => `BENCH soak process=${x.role} handshakes_from=${first} handshakes_to=${last} rss_kb_from=${x.rssFirst} rss_kb_to=${x.rssLast} rss_growth_pct=${fmt(x.rssGrowth * 100, 1)} heap_mb_from=${fmt(x.heapFirst, 1)} heap_mb_to=${fmt(x.heapLast, 1)} fds_from=${x.fdsFirst} fds_to=${x.fdsLast} growth_within_5pct=${x.within ? 'yes' : 'no'}`),
    '```',
  ];
}

/** A process's RSS range over the checkpoints (its swing) and its median CPU per SA after the first. */
export function procSpread(r: SoakResult, role: string): string {
  const rss = r.checkpoints.flatMap((c) => c.procs.filter((p) => p.role === role).map((p) => p.rssKb));
  const cpu = r.checkpoints.slice(1).map((c) => c.cpuMsPerSaByRole?.[role]).filter((x): x is number => Number.isFinite(x)).sort((a, b) => a - b);
  if (!rss.length) return `${role} gone`;
  const lo = Math.min(...rss);
  const hi = Math.max(...rss);
  const med = cpu.length ? fmt(cpu[Math.floor(cpu.length / 2)], 3) : 'n/a';
  return `${role} RSS ${lo}–${hi} kB (swing ${fmt(((hi - lo) / lo) * 100, 1)} %), CPU ${med} ms/SA (median)`;
}
