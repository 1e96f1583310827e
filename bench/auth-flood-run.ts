/**
 * `npm run bench -- auth-flood`: attackers that complete IKE_SA_INIT properly
 * (our engine as a client: real keys, cookies answered, 8 source addresses) and
 * then send a bad IKE_AUTH, `window` handshakes at a time, against our iked and
 * then charon, while legitimate strongSwan peers keep establishing SAs.
 *
 * Per responder: capacity (a good handshake's CPU, for reference); the legitimate
 * peers alone (baseline); wrong-PSK IKE_AUTH for `seconds` (the responder answers
 * AUTHENTICATION_FAILED and should drop the SA); garbage IKE_AUTH (random SK
 * contents: the responder cannot authenticate it and drops it, the SA stays
 * half-open until its timeout) for `seconds`; with --drain, the state once the
 * half-open timeout (30 s) has passed. Wrong-PSK comes first: it leaves no state
 * behind, garbage does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay } from '../test/interop/lib/run-command';
import { attackPhase, PhaseResult } from './attack-phase';
import { AuthFloodDone, AuthFloodProcess } from './auth-flood-process';
import type { AuthFloodKind } from './auth-flood-attacker';
import { makeFloodTopology, FloodTopology } from './flood-topology';
import { LegitPeers } from './legit-peers';
import { CASE, CLIENT_CPU, Capacity, Daemon, log, measureCapacity, startDefended } from './robustness-rig';
import { DaemonSample, daemonStats, sampleProcs } from './daemon-sampler';
import { cpuShare, fmt, legitText, rolesTable } from './robustness-report';
import { markdownTable } from './report';
import type { Responder } from './responders';
import type { RobustnessOptions } from './robustness-options';

export interface AuthAttack {
  kind: AuthFloodKind;
  attacker: AuthFloodDone;
  phase: PhaseResult;
}

export interface AuthFloodResult {
  daemon: Daemon;
  capacity: Capacity;
  baseline: PhaseResult;
  attacks: AuthAttack[];
  drained: DaemonSample | null;
}

async function attack(kind: AuthFloodKind, r: Responder, topo: FloodTopology, legit: LegitPeers | null, o: RobustnessOptions, repoRoot: string): Promise<AuthAttack> {
  const p = await AuthFloodProcess.start({ kind, ns: topo.attacker.ns, cpu: CLIENT_CPU, server: topo.serverAddr, addresses: topo.clientAddrs, seconds: o.seconds, window: o.window, repoRoot });
  try {
    const { phase, attack: attacker } = await attackPhase(r, legit, topo.responderNs, o.seconds, () => p.run());
    log(
      `auth-flood ${r.daemon} ${kind}: ${attacker.authSent} bad IKE_AUTH of ${attacker.started} handshakes ${JSON.stringify(attacker.outcomes)}; responder CPU ${cpuShare(phase)}, ` +
        `${fmt(phase.cpuMs / Math.max(1, attacker.authSent), 3)} s per 1000 bad AUTHs; half-open max ${fmt(phase.max('halfOpenSas'))}, IKE SAs max ${fmt(phase.max('ikeSas'))}, ` +
        `authFailures +${fmt(phase.delta('authFailures'))}, integrity failures +${fmt(phase.delta('rxIntegrityFailures'))}, cookies +${fmt(phase.delta('cookiesSent'))}, refused +${fmt(phase.delta('halfOpenRefused'))}; legit ${legitText(phase.legit, phase.seconds)}`,
    );
    return { kind, attacker, phase };
  } finally {
    p.kill();
  }
}

async function authFloodOne(daemon: Daemon, topo: FloodTopology, baseDir: string, legit: LegitPeers | null, o: RobustnessOptions, repoRoot: string): Promise<AuthFloodResult> {
  const r = await startDefended(daemon, topo, baseDir, repoRoot, o);
  try {
    const capacity = await measureCapacity(r, topo, repoRoot, o);
    log(`auth-flood ${daemon}: capacity ${fmt(capacity.saPerSec)} SA/s (${fmt(capacity.cpuMsPerSa, 3)} ms CPU/SA)`);
    await delay(1000);
    const baseline = (await attackPhase(r, legit, topo.responderNs, o.baselineSeconds, () => delay(o.baselineSeconds * 1000))).phase;
    log(`auth-flood ${daemon}: baseline legit ${legitText(baseline.legit, baseline.seconds)}`);
    const attacks: AuthAttack[] = [];
    for (const kind of ['wrong-psk', 'garbage'] as AuthFloodKind[]) attacks.push(await attack(kind, r, topo, legit, o, repoRoot));
    let drained: DaemonSample | null = null;
    if (o.drainSeconds > 0) {
      await delay(o.drainSeconds * 1000);
      drained = { t: 0, procs: sampleProcs(r.pid), stats: await daemonStats(r) };
      log(`auth-flood ${daemon}: ${o.drainSeconds} s after: ${JSON.stringify(drained.stats)}`);
    }
    return { daemon, capacity, baseline, attacks, drained };
  } finally {
    await r.stop();
  }
}

export async function runAuthFloodMode(o: RobustnessOptions, repoRoot: string): Promise<AuthFloodResult[]> {
  const topo = await makeFloodTopology('fld', o.legitPeers, 8);
  const baseDir = mkdtempSync(join(tmpdir(), 'iked-authflood-'));
  let legit: LegitPeers | null = null;
  const results: AuthFloodResult[] = [];
  try {
    legit = o.legitPeers ? await LegitPeers.start(topo.legit, topo.serverAddr, baseDir, CLIENT_CPU) : null;
    for (const daemon of (o.charon ? ['ours', 'charon'] : ['ours']) as Daemon[]) results.push(await authFloodOne(daemon, topo, baseDir, legit, o, repoRoot));
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

/** CPU per bad AUTH with the legitimate peers' SAs taken out (each at the capacity run's CPU per SA): an estimate. */
export function netCpuMsPerBadAuth(x: AuthFloodResult, a: AuthAttack): number {
  const legitMs = (a.phase.legit?.established ?? 0) * x.capacity.cpuMsPerSa;
  return (a.phase.cpuMs - legitMs) / Math.max(1, a.attacker.authSent);
}

function outcomes(a: AuthFloodDone): string {
  return Object.entries(a.outcomes)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${v} ${k}`)
    .join('; ');
}

export function authFloodMarkdown(o: RobustnessOptions, results: AuthFloodResult[]): string[] {
  const rows = results.flatMap((x) =>
    x.attacks.map((a) => [
      name(x.daemon),
      a.kind,
      `${a.attacker.authSent} of ${a.attacker.started}`,
      outcomes(a.attacker),
      cpuShare(a.phase),
      `${fmt(a.phase.cpuMs / Math.max(1, a.attacker.authSent), 3)} (${fmt(netCpuMsPerBadAuth(x, a), 3)})`,
      fmt(x.capacity.cpuMsPerSa, 3),
      `${fmt(a.phase.max('halfOpenSas'))} / ${fmt(a.phase.max('ikeSas'))}`,
      x.daemon === 'ours' ? `${fmt(a.phase.delta('authFailures'))} / ${fmt(a.phase.delta('rxIntegrityFailures'))} / ${fmt(a.phase.delta('cookiesSent'))} / ${fmt(a.phase.delta('halfOpenRefused'))}` : 'n/a',
    ]),
  );
  const after = results.map((x) => [name(x.daemon), x.drained ? `${fmt(x.drained.stats?.halfOpenSas ?? NaN)} half-open, ${fmt(x.drained.stats?.ikeSas ?? NaN)} IKE SAs` : 'not waited']);
  const legitRows = results.flatMap((x) => [[name(x.daemon), 'no attack', legitText(x.baseline.legit, x.baseline.seconds)], ...x.attacks.map((a) => [name(x.daemon), a.kind, legitText(a.phase.legit, a.phase.seconds)])]);
  const lines = results.flatMap((x) =>
    x.attacks.map(
      (a) =>
        `BENCH auth_flood daemon=${x.daemon} kind=${a.kind} seconds=${fmt(a.phase.seconds)} bad_auths=${a.attacker.authSent} cpu_s_per_1000=${fmt(a.phase.cpuMs / Math.max(1, a.attacker.authSent), 3)} cpu_s_per_1000_net=${fmt(netCpuMsPerBadAuth(x, a), 3)} ` +
        `good_sa_cpu_ms=${fmt(x.capacity.cpuMsPerSa, 3)} half_open_max=${fmt(a.phase.max('halfOpenSas'))} ike_sas_max=${fmt(a.phase.max('ikeSas'))} legit_ok=${a.phase.legit?.established ?? 0} legit_failed=${a.phase.legit?.failed ?? 0} ` +
        `legit_base_ok=${x.baseline.legit?.established ?? 0} rss_kb_first=${a.phase.roles.reduce((s, r) => s + r.rssFirst, 0)} rss_kb_max=${a.phase.roles.reduce((s, r) => s + r.rssMax, 0)}`,
    ),
  );
  return [
    `IKE_AUTH flood (bench/auth-flood-run.ts): ${CASE.name} responders pinned to CPU 0, defences at their defaults (as in the flood run). ` +
      `The attacker (our engine as a client, 8 source addresses, CPU 1, ${o.window} handshakes in flight) completes IKE_SA_INIT properly and then sends, for ${o.seconds} s each: ` +
      'wrong-PSK IKE_AUTH (a well-formed request with an AUTH made from another PSK), then garbage IKE_AUTH (the SK payload\'s IV, ciphertext and ICV replaced by random bytes; the attacker forgets the SA at once). ' +
      `${o.legitPeers} legitimate strongSwan initiators loop \`swanctl --initiate\` / \`--terminate\` throughout, first ${o.baselineSeconds} s without attack. ` +
      'CPU per 1000 bad AUTHs = the responder\'s CPU over the phase (all its processes; the IKE_SA_INIT before each bad AUTH included) / bad AUTHs sent × 1000; in brackets with the legitimate peers\' SAs taken out at the capacity run\'s CPU per SA (an estimate).',
    '',
    markdownTable(
      ['responder', 'attack', 'bad AUTHs sent of handshakes', 'attacker outcomes', 'responder CPU', 'CPU s per 1000 bad AUTHs (without the legit SAs)', 'good SA CPU ms', 'half-open / IKE SAs max', 'ours: authFailures / integrity failures / cookies / half-open refused'],
      rows,
    ),
    '',
    `State ${o.drainSeconds} s after the garbage phase: ${after.map((a) => `${a[0]}: ${a[1]}`).join('; ')}.`,
    '',
    'Legitimate strongSwan SAs (time: `swanctl --initiate` start to exit, swanctl start-up included):',
    '',
    markdownTable(['responder', 'phase', 'established of attempted, rate, time'], legitRows),
    '',
    'Responder processes during each attack (sampled each second):',
    '',
    rolesTable(results.flatMap((x) => x.attacks.map((a): [string, PhaseResult] => [`${name(x.daemon)} ${a.kind}`, a.phase]))),
    '',
    '```',
    ...lines,
    '```',
  ];
}
