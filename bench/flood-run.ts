/**
 * `npm run bench -- flood`: a spoofed IKE_SA_INIT flood against our iked, then
 * against charon, in the same run.
 *
 * Per responder: its handshake capacity (our load client, each SA deleted once
 * up); the legitimate strongSwan peers alone (baseline); then the flood, at
 * `factor` times OUR measured capacity (the same rate for charon), from
 * `sources` spoofed addresses, while the peers keep establishing SAs; then,
 * with --drain, the state once the half-open SAs have timed out.
 *
 * The flood is a raw-socket sender (flood-sender.py): every packet has a
 * spoofed source and nobody answers the responder's cookies, which is the case
 * cookies exist for. (Node's dgram cannot spoof: it would need each address on an
 * interface and a socket per address, and those sockets would receive the
 * cookies - a different, non-spoofing attacker.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from '../test/interop/lib/run-command';
import { attackPhase, PhaseResult } from './attack-phase';
import { initTemplates } from './flood-templates';
import { makeFloodTopology, SPOOF_NET } from './flood-topology';
import { runFlood, FloodOutcome } from './flood-sender';
import { LegitPeers } from './legit-peers';
import { CASE, CLIENT_CPU, Capacity, Daemon, log, measureCapacity, startDefended } from './robustness-rig';
import { DaemonSample, daemonStats, sampleProcs } from './daemon-sampler';
import { cpuShare, fmt, legitText, rolesTable } from './robustness-report';
import { markdownTable } from './report';
import type { RobustnessOptions } from './robustness-options';

export interface FloodResult {
  daemon: Daemon;
  capacity: Capacity;
  rate: number;
  flood: FloodOutcome;
  baseline: PhaseResult;
  attack: PhaseResult;
  /** After --drain seconds without the flood. */
  drained: DaemonSample | null;
}

async function floodOne(daemon: Daemon, rateFor: (c: Capacity) => number, env: FloodEnv): Promise<FloodResult> {
  const { o, topo, baseDir, repoRoot, legit, templates } = env;
  const r = await startDefended(daemon, topo, baseDir, repoRoot, o);
  try {
    const capacity = await measureCapacity(r, topo, repoRoot, o);
    const rate = rateFor(capacity);
    log(`flood ${daemon}: capacity ${fmt(capacity.saPerSec)} SA/s (${fmt(capacity.cpuMsPerSa, 3)} ms CPU/SA); flood at ${fmt(rate)} packets/s`);
    await delay(1000);
    const baseline = (await attackPhase(r, legit, topo.responderNs, o.baselineSeconds, () => delay(o.baselineSeconds * 1000))).phase;
    log(`flood ${daemon}: baseline legit ${legitText(baseline.legit, baseline.seconds)}`);
    const spec = { ns: topo.attacker.ns, cpu: CLIENT_CPU, dst: topo.serverAddr, rate, seconds: o.seconds, srcNet: SPOOF_NET, sources: o.sources, templates, repoRoot };
    const { phase: attack, attack: flood } = await attackPhase(r, legit, topo.responderNs, o.seconds, () => runFlood(spec));
    log(
      `flood ${daemon}: sent ${flood.sent} (${fmt(flood.rate)}/s, ${flood.errors} send errors) from ${flood.sources} sources; legit ${legitText(attack.legit, attack.seconds)}; ` +
        `responder CPU ${cpuShare(attack)}, UDP ${attack.udpDatagrams} read, ${attack.udpRcvbufErrors} dropped (buffer full); ` +
        `cookies ${fmt(attack.delta('cookiesSent'))}, half-open max ${fmt(attack.max('halfOpenSas'))}, refused ${fmt(attack.delta('halfOpenRefused'))}`,
    );
    let drained: DaemonSample | null = null;
    if (o.drainSeconds > 0) {
      await delay(o.drainSeconds * 1000);
      drained = { t: 0, procs: sampleProcs(r.pid), stats: await daemonStats(r) };
      log(`flood ${daemon}: ${o.drainSeconds} s after: ${JSON.stringify(drained.stats)}`);
    }
    return { daemon, capacity, rate, flood, baseline, attack, drained };
  } finally {
    await r.stop();
  }
}

interface FloodEnv {
  o: RobustnessOptions;
  topo: Awaited<ReturnType<typeof makeFloodTopology>>;
  baseDir: string;
  repoRoot: string;
  legit: LegitPeers | null;
  templates: Buffer[];
}

export async function runFloodMode(o: RobustnessOptions, repoRoot: string): Promise<FloodResult[]> {
  const topo = await makeFloodTopology('fld', o.legitPeers, 8);
  const baseDir = mkdtempSync(join(tmpdir(), 'iked-flood-'));
  let legit: LegitPeers | null = null;
  const results: FloodResult[] = [];
  try {
    const templates = await initTemplates(CASE, topo.attacker.addr, topo.serverAddr, 64);
    legit = o.legitPeers ? await LegitPeers.start(topo.legit, topo.serverAddr, baseDir, CLIENT_CPU) : null;
    const env: FloodEnv = { o, topo, baseDir, repoRoot, legit, templates };
    const ours = await floodOne('ours', (c) => o.factor * c.saPerSec, env);
    results.push(ours);
    if (o.charon) results.push(await floodOne('charon', () => ours.rate, env));
  } finally {
    await legit?.stop();
    await topo.cleanup();
    if (process.env.IKED_BENCH_KEEP === '1') log(`kept ${baseDir}`);
    else rmSync(baseDir, { recursive: true, force: true });
  }
  return results;
}

function name(d: Daemon): string {
  return d === 'ours' ? 'iked (ours)' : 'charon 5.9.8';
}

export function floodMarkdown(o: RobustnessOptions, results: FloodResult[]): string[] {
  const rows = results.map((x) => [
    name(x.daemon),
    `${fmt(x.capacity.saPerSec)} (${fmt(x.capacity.cpuMsPerSa, 3)} ms)`,
    `${fmt(x.flood.rate)} (${fmt(x.flood.rate / Math.max(1, x.capacity.saPerSec), 1)}×)`,
    cpuShare(x.attack),
    `${x.attack.udpDatagrams} / ${x.attack.udpRcvbufErrors}`,
    x.daemon === 'ours' ? fmt(x.attack.delta('cookiesSent')) : 'n/a',
    fmt(x.attack.max('halfOpenSas')),
    x.daemon === 'ours' ? fmt(x.attack.delta('halfOpenRefused')) : 'n/a',
    x.drained ? `${fmt(x.drained.stats?.halfOpenSas ?? NaN)} half-open, ${fmt(x.drained.stats?.ikeSas ?? NaN)} IKE SAs` : 'not waited',
  ]);
  const legitRows = results.flatMap((x) => [
    [name(x.daemon), 'no attack', legitText(x.baseline.legit, x.baseline.seconds)],
    [name(x.daemon), 'flood', legitText(x.attack.legit, x.attack.seconds)],
  ]);
  const lines = results.map(
    (x) =>
      `BENCH flood daemon=${x.daemon} capacity_sa_per_s=${fmt(x.capacity.saPerSec)} flood_pps=${fmt(x.flood.rate)} sources=${x.flood.sources} seconds=${fmt(x.attack.seconds)} ` +
      `legit_ok=${x.attack.legit?.established ?? 0} legit_failed=${x.attack.legit?.failed ?? 0} legit_median_ms=${fmt(x.attack.legit?.medianMs ?? NaN)} legit_base_median_ms=${fmt(x.baseline.legit?.medianMs ?? NaN)} ` +
      `cpu_pct=${fmt(x.attack.cpuMs / 10 / x.attack.seconds)} udp_dropped=${x.attack.udpRcvbufErrors} cookies=${fmt(x.attack.delta('cookiesSent'))} half_open_max=${fmt(x.attack.max('halfOpenSas'))} ` +
      `rss_kb_first=${x.attack.roles.reduce((s, r) => s + r.rssFirst, 0)} rss_kb_max=${x.attack.roles.reduce((s, r) => s + r.rssMax, 0)} rss_kb_last=${x.attack.roles.reduce((s, r) => s + r.rssLast, 0)}`,
  );
  return [
    `Spoofed IKE_SA_INIT flood (bench/flood-run.ts): ${CASE.name} responders pinned to CPU 0; a raw-socket sender (bench/flood-sender.py, CPU 1) sends valid IKE_SA_INIT requests made by our engine, each with a fresh SPI, from ${o.sources} spoofed addresses in 198.18.0.0/15 (answers routed to a namespace that drops them: nobody returns a cookie), ` +
      `at ${o.factor}× our iked's measured capacity (our load client, ${o.capacityWarmup} warm-up + ${o.capacityCount} measured SAs, each deleted once up), for ${o.seconds} s, the same rate against charon. ` +
      `${o.legitPeers} legitimate strongSwan charon initiators (own namespaces, CPU 1) loop \`swanctl --initiate\` / \`--terminate\` throughout, first ${o.baselineSeconds} s without the flood. ` +
      'Defences at their defaults: ours cookies from 64 half-open SAs, half-open limit 4096, half-open timeout 30 s; charon dos_protection = yes (cookie_threshold 30, cookie_threshold_ip 3, block_threshold 5, half_open_timeout 30 s).',
    '',
    markdownTable(['responder', 'capacity SA/s (CPU/SA)', 'flood packets/s', 'responder CPU', 'UDP read / dropped by kernel', 'cookies sent', 'half-open max', 'half-open refused', `${o.drainSeconds} s after the flood`], rows),
    '',
    'Legitimate strongSwan SAs (time: `swanctl --initiate` start to exit, swanctl start-up included):',
    '',
    markdownTable(['responder', 'phase', 'established of attempted, rate, time'], legitRows),
    '',
    'Responder processes over the flood (sampled each second):',
    '',
    rolesTable(results.map((x) => [name(x.daemon), x.attack])),
    '',
    '```',
    ...lines,
    '```',
  ];
}
