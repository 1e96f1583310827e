/**
 * `npm run bench` / `npm run bench -- --quick`: handshake CPU and memory per SA of our
 * iked as a responder, side by side with strongSwan's charon, under the same load
 * initiator (our engine in client mode, many source addresses and identities).
 * The responder runs in one namespace pinned to CPU 0, the load client in another
 * pinned to CPU 1. Needs root (namespaces); prints a table and `BENCH ...` lines and
 * writes bench/RESULTS.md. `npm run bench -- flood | auth-flood | soak` runs a
 * robustness mode instead (robustness-main.ts); `npm run bench -- conf` the configuration-load
 * bench against OpenIKED (conf-side-by-side.ts).
 */
import { mkdtempSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTwoHosts, interopAvailable, TwoHosts } from '../test/interop/lib/netns';
import { runChecked } from '../test/interop/lib/run-command';
import { benchCase, BenchCase, CaseName } from './bench-configs';
import { parseBenchArgs, BenchOptions, robustnessMode } from './bench-options';
import { runRobustness } from './robustness-main';
import { runConfBench } from './conf-side-by-side';
import { benchPki, BenchPki } from './pki';
import { startCharon, startIked, Responder, ResponderOptions } from './responders';
import { ClientProcess } from './client-process';
import { treeCpuMs as cpuMs, treeRssKb as rssKb, systemBusy, processTree, rssKb as procRssKb, cpuMs as procCpuMs } from './proc-stats';
import { CaseResult, FIRST_HANDSHAKES, HoldResult, churnLines, floorLines, holdTable, machineLines, markdownTable, resultsTable, TARGET_KB_PER_SA, withEarlierRuns } from './report';
import type { FloorParts } from './crypto-floor';
import { measureSpiLookup } from './spi-lookup';
import { procRole } from './proc-role';
import { GcTrace } from './gc-trace';
import { churnAt, ChurnResult } from './churn-at-level';

const REPO = resolve(__dirname, '..', '..');
const RESPONDER_CPU = 0;
const CLIENT_CPU = 1;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** One responder's side of the rig: its own pair of namespaces (client a, responder b). */
interface Side {
  topo: TwoHosts;
  clientAddrs: string[];
}

/**
 * Our iked and charon each get their own pair of namespaces (ikbench-a/-b and
 * ikbenchc-a/-b, the same addresses in each), so both run at once and their
 * measured segments can alternate.
 */
interface Rig {
  sides: Record<Daemon, Side>;
  baseDir: string;
}

type Daemon = 'ours' | 'charon';

async function makeSide(prefix: string, o: BenchOptions): Promise<Side> {
  const topo = await makeTwoHosts(prefix);
  const clientAddrs: string[] = [];
  for (let k = 0; k < o.clientAddresses; k++) {
    const a = `192.0.2.${10 + k}`;
    await runChecked(['ip', '-n', topo.a.ns, 'addr', 'add', `${a}/24`, 'dev', topo.a.outIf]);
    clientAddrs.push(a);
  }
  return { topo, clientAddrs };
}

async function setupRig(o: BenchOptions): Promise<Rig> {
  // IKED_BENCH_NS: another namespace prefix, so two benches on one machine do not clean up each other's
  const ns = process.env.IKED_BENCH_NS ?? 'ikbench';
  const ours = await makeSide(ns, o);
  const charon = o.charon ? await makeSide(`${ns}c`, o) : ours;
  return { sides: { ours, charon }, baseDir: mkdtempSync(join(tmpdir(), 'iked-bench-')) };
}

async function cleanupRig(rig: Rig): Promise<void> {
  await rig.sides.ours.topo.cleanup();
  if (rig.sides.charon !== rig.sides.ours) await rig.sides.charon.topo.cleanup();
}

async function startResponder(daemon: Daemon, c: BenchCase, rig: Rig, pki: BenchPki | null, o: BenchOptions): Promise<Responder> {
  const side = rig.sides[daemon];
  const ro: ResponderOptions = { ns: side.topo.b.ns, serverAddr: side.topo.b.addr, cpu: RESPONDER_CPU, baseDir: rig.baseDir, repoRoot: REPO, pki, privsep: o.privsep };
  return daemon === 'ours' ? startIked(c, ro) : startCharon(c, ro);
}

async function startClient(daemon: Daemon, c: BenchCase, rig: Rig, pki: BenchPki | null): Promise<ClientProcess> {
  const side = rig.sides[daemon];
  return ClientProcess.start({
    ns: side.topo.a.ns,
    cpu: CLIENT_CPU,
    caseName: c.name,
    server: side.topo.b.addr,
    addresses: side.clientAddrs,
    clientIkedDir: pki?.clientDir,
    repoRoot: REPO,
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One responder under load in a case: its client, warm-up figure and measured segments. */
interface Contender {
  daemon: Daemon;
  r: Responder;
  client: ClientProcess;
  warmupCpuMsPerSa: number;
  /** Over the fresh daemon's first FIRST_HANDSHAKES handshakes. */
  firstCpuMsPerSa: number;
  cpu0: number;
  rss0: number;
  procs: number[];
  split0: number[];
  segCpu: number[];
  d: { established: number; failed: number; wallMs: number; retransmits: number; childSas: number; failures: Record<string, number> };
}

async function warmUp(k: Contender, o: BenchOptions): Promise<void> {
  if (!o.warmup) return;
  // the first handshakes of the fresh daemon apart: its cold start (JIT, first allocations)
  const first = Math.min(FIRST_HANDSHAKES, o.warmup);
  const wcpu0 = cpuMs(k.r.pid);
  const w = await k.client.run(first, 10_000_000, o.window, 1000, !o.accumulate);
  if (w.established === 0) throw new Error(`${k.daemon} warm-up failed: ${JSON.stringify(w.failures)}\n${k.r.logTail(20)}`);
  const wcpu1 = cpuMs(k.r.pid);
  k.firstCpuMsPerSa = (wcpu1 - wcpu0) / w.established;
  let established = w.established;
  if (o.warmup > first) {
    const rest = await k.client.run(o.warmup - first, 10_000_000 + first, o.window, 1000, !o.accumulate);
    established += rest.established;
  }
  k.warmupCpuMsPerSa = (cpuMs(k.r.pid) - wcpu0) / established;
}

async function segment(k: Contender, n: number, first: number, o: BenchOptions): Promise<void> {
  const c0 = cpuMs(k.r.pid);
  const seg = await k.client.run(n, first, o.window, 1000, !o.accumulate);
  k.segCpu.push((cpuMs(k.r.pid) - c0) / Math.max(1, seg.established));
  k.d.established += seg.established;
  k.d.failed += seg.failed;
  k.d.wallMs += seg.wallMs;
  k.d.retransmits = seg.retransmits;
  k.d.childSas = seg.childSas;
  for (const [key, v] of Object.entries(seg.failures)) k.d.failures[key] = (k.d.failures[key] ?? 0) + v;
}

function result(k: Contender, c: BenchCase): CaseResult {
  const { d, segCpu } = k;
  const cpu1 = cpuMs(k.r.pid);
  // per process (privsep: parent, engine, ca, control): where the responder's CPU goes
  const split = k.procs.map((p, i) => `${procRole(p)} ${((procCpuMs(p) - k.split0[i]) / Math.max(1, d.established)).toFixed(3)}`).join(', ');
  const n = Math.max(1, d.established);
  const res: CaseResult = {
    caseName: c.name,
    daemon: k.daemon,
    established: d.established,
    failed: d.failed,
    saPerSec: (d.established * 1000) / Math.max(1, d.wallMs),
    cpuMsPerSa: median(segCpu),
    cpuMsPerSaMean: (cpu1 - k.cpu0) / n,
    cpuMsPerSaRange: [Math.min(...segCpu), Math.max(...segCpu)],
    segmentsCpuMsPerSa: [...segCpu],
    warmupCpuMsPerSa: k.warmupCpuMsPerSa,
    firstCpuMsPerSa: k.firstCpuMsPerSa,
    rssKbPerSa: (rssKb(k.r.pid) - k.rss0) / n,
    retransmits: d.retransmits,
    childSas: d.childSas,
  };
  log(
    `${c.name} ${k.daemon}: ${d.established} established, ${d.failed} failed ${d.failed ? JSON.stringify(d.failures) : ''}` +
      ` ${res.saPerSec.toFixed(0)} SA/s, ${res.cpuMsPerSa.toFixed(3)} ms CPU/SA (median of ${segCpu.length} segments: ${segCpu.map((x) => x.toFixed(3)).join(' ')}; mean ${res.cpuMsPerSaMean.toFixed(3)}: ${split}), ${res.rssKbPerSa.toFixed(1)} KB RSS/SA, ${d.retransmits} retransmits, client holds ${d.childSas} Child SAs`,
  );
  if (d.failed) log(`${k.daemon} log tail:\n${k.r.logTail(10)}`);
  return res;
}

/**
 * One case against both responders, running at once in their own namespaces:
 * each is warmed up, then their measured segments alternate (ours, charon,
 * charon, ours, ...), so a neighbour's burst on this shared machine lands on
 * both rather than on one responder's whole run.
 */
async function runCase(c: BenchCase, rig: Rig, pki: BenchPki | null, o: BenchOptions): Promise<CaseResult[]> {
  const daemons: Daemon[] = o.charon ? ['ours', 'charon'] : ['ours'];
  const ks: Contender[] = [];
  try {
    for (const daemon of daemons) {
      const r = await startResponder(daemon, c, rig, pki, o);
      const k: Contender = { daemon, r, client: null as unknown as ClientProcess, warmupCpuMsPerSa: NaN, firstCpuMsPerSa: NaN, cpu0: 0, rss0: 0, procs: [], split0: [], segCpu: [], d: { established: 0, failed: 0, wallMs: 0, retransmits: 0, childSas: 0, failures: {} } };
      ks.push(k);
      k.client = await startClient(daemon, c, rig, pki);
    }
    for (const k of ks) await warmUp(k, o);
    await new Promise((res) => setTimeout(res, 300));
    for (const k of ks) {
      k.cpu0 = cpuMs(k.r.pid);
      k.rss0 = rssKb(k.r.pid);
      k.procs = processTree(k.r.pid);
      k.split0 = k.procs.map((p) => procCpuMs(p));
    }
    // the measured SAs are deleted by the client as soon as they are up: the responder's cost
    // per handshake (+ its delete), not its cost of holding ever more SAs (kernel-libipsec's grows).
    const segments = Math.max(1, Math.min(o.segments, o.count));
    const per = Math.floor(o.count / segments);
    for (let s = 0; s < segments; s++) {
      const n = s === segments - 1 ? o.count - per * (segments - 1) : per;
      for (const k of s % 2 ? [...ks].reverse() : ks) await segment(k, n, s * per, o);
    }
    return ks.map((k) => result(k, c));
  } finally {
    for (const k of ks) {
      await k.client?.quit();
      await k.r.stop();
    }
  }
}

/** The node:crypto + UDP floor (bench/crypto-floor.ts), measured on the responder's CPU. */
function measureFloor(): FloorParts | null {
  try {
    const out = execFileSync('taskset', ['-c', String(RESPONDER_CPU), process.execPath, join(REPO, 'dist', 'bench', 'crypto-floor.js'), '--json'], { encoding: 'utf8', timeout: 120_000 });
    const f = JSON.parse(out) as FloorParts;
    log(`floor (node:crypto + UDP, one process): ${Object.entries(f.perCase).map(([c, v]) => `${c} ${v.toFixed(3)} ms`).join(', ')}; ECDH P-256 ${f.ecp256.toFixed(3)}, MODP-2048 ${f.modp2048.toFixed(3)}, RSA sign+verify ${f.rsaAuth.toFixed(3)}, HMAC/AES/SHA-1 ${f.symmetric.toFixed(3)}, UDP ${f.udpPerDatagram.toFixed(4)} per datagram`);
    return f;
  } catch (e) {
    log(`floor measurement failed: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** New SAs measured at each held level: enough that major collections fall in as in a long run. */
function churnCount(o: BenchOptions): number {
  return Math.max(5000, Math.min(30_000, Math.round(o.hold * 0.3)));
}

/** The rate while holding a tenth of the hold (10,000 for 100,000): a fresh daemon, filled, then churned at that level. */
async function churnBaseline(rig: Rig, o: BenchOptions): Promise<ChurnResult> {
  const c = benchCase('psk-ecp256');
  const level = Math.max(o.warmup, Math.round(o.hold / 10));
  const r = await startResponder('ours', c, rig, null, o);
  let client: ClientProcess | null = null;
  try {
    client = await startClient('ours', c, rig, null);
    await client.run(o.warmup, 10_000_000, o.window);
    if (level > o.warmup) await client.run(level - o.warmup, 11_000_000, o.window);
    await new Promise((res) => setTimeout(res, 500));
    return await churnAt(client, r.pid, level, churnCount(o), o.window, 12_000_000);
  } finally {
    await client?.quit();
    await r.stop();
  }
}

/** Our iked holding many established SAs: RSS per SA, and the rate as the table fills. */
async function runHold(rig: Rig, o: BenchOptions): Promise<HoldResult> {
  const c = benchCase('psk-ecp256');
  let low: ChurnResult | null = null;
  try {
    low = await churnBaseline(rig, o);
    log(`churn at ${low.level} held: ${low.saPerSec.toFixed(0)} SA/s, ${low.cpuMsPerSa.toFixed(3)} ms CPU/SA (engine ${low.engineCpuMsPerSa.toFixed(3)}, client ${low.clientCpuMsPerSa.toFixed(3)}; ${low.retransmits} retransmits)`);
  } catch (e) {
    log(`churn at the low level FAILED: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = await startResponder('ours', c, rig, null, o);
  let client: ClientProcess | null = null;
  try {
    client = await startClient('ours', c, rig, null);
    await client.run(o.warmup, 10_000_000, o.window);
    await new Promise((res) => setTimeout(res, 500));
    const rssBefore = rssKb(r.pid);
    const holders = processTree(r.pid);
    const rssBeforeEach = holders.map((p) => procRssKb(p));
    const chunks: HoldResult['chunks'] = [];
    const every = Math.max(1000, Math.floor(o.hold / 10));
    let lastT = Date.now();
    let lastCpu = cpuMs(r.pid);
    // Where the time goes per chunk: the engine's CPU alone, and the load client's (it holds as many SAs).
    const clientPid = client.pid;
    const engineCpu = (): number => holders.filter((p) => procRole(p) === 'engine').reduce((a, p) => a + procCpuMs(p), 0);
    let lastEngine = engineCpu();
    let lastClient = cpuMs(clientPid);
    // With IKED_BENCH_NODE_ARGS=--trace-gc: the engine's and the parent's main-thread GC pauses per chunk.
    const gc = /--trace-gc\b/.test(process.env.IKED_BENCH_NODE_ARGS ?? '') ? new GcTrace(r.logFile) : null;
    const enginePid = holders.find((p) => procRole(p) === 'engine') ?? r.pid;
    const gcMs = (pid: number): { all: number; mc: number } => {
      const p = gc ? gc.pauses(pid) : { scavengeMs: 0, markCompactMs: 0 };
      return { all: p.scavengeMs + p.markCompactMs, mc: p.markCompactMs };
    };
    gc?.poll();
    let lastGc = { engine: gcMs(enginePid), parent: gcMs(r.pid) };
    let lastDone = 0;
    // The hold runs `tail` SAs past the last measured chunk, so that chunk ends, as every
    // earlier one does, while the pipeline is still full: otherwise it also holds the drain
    // of the window and waits for its slowest handshake (a retransmission is 1 s).
    const tail = Math.max(o.window * 4, Math.ceil(every / 5));
    client.onProgress = (done) => {
      if (done > o.hold) return;
      const t = Date.now();
      const cpu = cpuMs(r.pid);
      const eng = engineCpu();
      const cli = cpuMs(clientPid);
      const n = done - lastDone;
      const wall = Math.max(1, t - lastT);
      gc?.poll();
      const g = { engine: gcMs(enginePid), parent: gcMs(r.pid) };
      const part = (now: { all: number; mc: number }, was: { all: number; mc: number }): string =>
        `${(now.all - was.all).toFixed(0)} ms (${(((now.all - was.all) / n) * 1000).toFixed(0)} µs/SA; Mark-Compact ${(now.mc - was.mc).toFixed(0)} ms)`;
      if (gc) log(`hold chunk ${done + o.warmup}: GC pauses engine ${part(g.engine, lastGc.engine)}, parent ${part(g.parent, lastGc.parent)}; wall ${wall} ms`);
      lastGc = g;
      chunks.push({
        held: done + o.warmup,
        saPerSec: (n * 1000) / wall,
        cpuMsPerSa: (cpu - lastCpu) / n,
        engineCpuMsPerSa: (eng - lastEngine) / n,
        clientCpuMsPerSa: (cli - lastClient) / n,
        responderBusy: (cpu - lastCpu) / wall,
        clientBusy: (cli - lastClient) / wall,
      });
      lastT = t;
      lastCpu = cpu;
      lastEngine = eng;
      lastClient = cli;
      lastDone = done;
    };
    const d = await client.run(o.hold + tail, 0, o.window, every);
    await new Promise((res) => setTimeout(res, 1000));
    const rssAfter = rssKb(r.pid);
    if (process.env.IKED_BENCH_HOLD_PAUSE) {
      log(`hold: pausing ${process.env.IKED_BENCH_HOLD_PAUSE} s (responder pid ${r.pid})`);
      await new Promise((res) => setTimeout(res, Number(process.env.IKED_BENCH_HOLD_PAUSE) * 1000));
    }
    if (process.env.IKED_BENCH_RSS_TRACE) {
      for (let s = 0; s < 30; s += 3) {
        log(`hold: +${s}s RSS ${processTree(r.pid).map((p) => `${readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(-3).join(' ').slice(0, 40)}:${procRssKb(p)}`).join(' | ')}`);
        await new Promise((res) => setTimeout(res, 3000));
      }
    }
    const growth = holders.map((p, i) => `${procRole(p)} ${(((procRssKb(p) - rssBeforeEach[i]) * 1024) / Math.max(1, d.established)).toFixed(0)} B/SA`).join(', ');
    log(`hold: ${d.established} established (${d.failed} failed, ${d.retransmits} retransmits; the last ${tail} after the measured chunks), RSS ${rssBefore} -> ${rssAfter} kB (${growth})`);
    const spiLookupNs = [...new Set([1000, o.hold])].map((n) => ({ sas: n, ns: measureSpiLookup(n) }));
    const res: HoldResult = { sas: d.established, memKbPerSa: (rssAfter - rssBefore) / Math.max(1, d.established), rssKbBefore: rssBefore, rssKbAfter: rssAfter, chunks, spiLookupNs, byProcess: growth };
    if (low) {
      const high = await churnAt(client, r.pid, o.warmup + d.established, churnCount(o), o.window, 1_000_000);
      log(`churn at ${high.level} held: ${high.saPerSec.toFixed(0)} SA/s, ${high.cpuMsPerSa.toFixed(3)} ms CPU/SA (engine ${high.engineCpuMsPerSa.toFixed(3)}, client ${high.clientCpuMsPerSa.toFixed(3)}; ${high.retransmits} retransmits)`);
      res.churn = { low, high };
    }
    return res;
  } finally {
    await client?.quit();
    await r.stop();
  }
}

function floorMarkdown(floor: FloorParts | null, results: CaseResult[]): string[] {
  if (!floor) return [];
  const rows = (Object.entries(floor.perCase) as [string, number][])
    .filter(([c]) => results.some((r) => r.caseName === c))
    .map(([c, f]) => {
      const ours = results.find((r) => r.caseName === c && r.daemon === 'ours');
      const charon = results.find((r) => r.caseName === c && r.daemon === 'charon');
      return [c, f.toFixed(3), ours ? ours.cpuMsPerSa.toFixed(3) : 'n/a', ours ? (ours.cpuMsPerSa - f).toFixed(3) : 'n/a', charon ? charon.cpuMsPerSa.toFixed(3) : 'n/a', charon ? (f / charon.cpuMsPerSa).toFixed(2) : 'n/a'];
    });
  return [
    '## The floor: node:crypto and UDP alone',
    '',
    'What the crypto calls and datagrams a responder cannot avoid cost in one Node process on the responder\'s CPU, with no IKE logic and no privilege separation (bench/crypto-floor.ts lists them): ' +
      `ECDH P-256 key pair + secret ${floor.ecp256.toFixed(3)} ms, MODP-2048 ${floor.modp2048.toFixed(3)} ms, RSA-2048 sign + verify ${floor.rsaAuth.toFixed(3)} ms, HMAC/AES/SHA-1 ${floor.symmetric.toFixed(3)} ms, UDP ${floor.udpPerDatagram.toFixed(4)} ms per datagram.`,
    'A floor ratio above the target means the target cannot be met by any responder built on node:crypto on this machine.',
    '',
    markdownTable(['case', 'floor ms/SA', 'ours ms/SA', 'ours above the floor', 'charon ms/SA', 'floor / charon'], rows),
    '',
  ];
}

function resultsMarkdown(o: BenchOptions, busy: number, results: CaseResult[], hold: HoldResult | null, lines: string[], floor: FloorParts | null): string {
  const out = [
    '# iked bench results',
    '',
    `## \`npm run bench${o.quick ? ' -- --quick' : ''}\`, ${new Date().toISOString()}`,
    '',
    `Generated by \`npm run bench${o.quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}.`,
    `Responder pinned to CPU ${RESPONDER_CPU}, load client (our engine, ${o.clientAddresses} source addresses, per-SA identities, window ${o.window}) pinned to CPU ${CLIENT_CPU}.`,
    `${o.count} measured SAs per case and responder after ${o.warmup} warm-up SAs, in ${o.segments} segments: the CPU per SA shown is the median segment's, with the lowest and highest. Machine busy before the run: ${(busy * 100).toFixed(0)} % of all CPUs` +
      (busy > 0.1 ? ' (shared with other work: SA/s figures are skewed, CPU ms/SA less so).' : '.'),
    o.accumulate
      ? 'Every SA stays up: the responders hold warm-up and measured SAs (charon with kernel-libipsec gets slower per SA as it holds more).'
      : 'The load client deletes each SA as soon as it is established (an INFORMATIONAL exchange the responder answers): the responders hold a few SAs at a time, and CPU per SA is the handshake plus its delete.',
    'Responder CPU is utime+stime from /proc/PID/stat summed over the responder process and its children; RSS per SA is the VmRSS growth (summed the same way) over the measured SAs.',
    'charon: strongSwan 5.9.8, kernel-libipsec (Child SAs installed in userspace ESP), dos_protection = no, unique = never.',
    `iked: decoupled (no kernel SAs), ${o.privsep ? 'privilege-separated (parent, ca, control and engine processes, as run by root by default)' : 'one process (IKED_NO_PRIVSEP=1)'}.`,
    '',
    resultsTable(results),
    '',
    ...floorMarkdown(floor, results),
  ];
  if (hold) {
    out.push(
      `## iked holding ${hold.sas} established IKE SA + Child SA pairs`,
      '',
      `RSS ${hold.rssKbBefore} kB -> ${hold.rssKbAfter} kB: **${hold.memKbPerSa.toFixed(1)} KB per SA** (target ≤ ${TARGET_KB_PER_SA} KB${hold.memKbPerSa <= TARGET_KB_PER_SA ? ', met' : ', missed'}); by process: ${hold.byProcess}.`,
      `SPI lookup (SaTable.get): ${hold.spiLookupNs.map((s) => `${s.ns.toFixed(0)} ns with ${s.sas} SAs`).join(', ')}.`,
      '',
      holdTable(hold),
      '',
      ...churnLines(hold),
    );
  }
  out.push('```', ...lines, '```', '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const mode = robustnessMode(process.argv.slice(2));
  if (mode) process.exit(await runRobustness(mode, process.argv.slice(3), REPO));
  if (process.argv[2] === 'conf') process.exit(await runConfBench(process.argv.slice(3), REPO));
  const o = parseBenchArgs(process.argv.slice(2));
  const why = interopAvailable();
  if (why) {
    log(`cannot run the bench: ${why}`);
    process.exit(2);
  }
  if (cpus().length < 2) log('warning: fewer than 2 CPUs: responder and load client share a core');
  const busy = await systemBusy(2000);
  log(`machine busy before the run: ${(busy * 100).toFixed(0)} %`);
  const floor = measureFloor();
  const rig = await setupRig(o);
  const results: CaseResult[] = [];
  let hold: HoldResult | null = null;
  let pki: BenchPki | null = null;
  try {
    for (const name of o.cases as CaseName[]) {
      const c = benchCase(name);
      pki?.remove();
      pki = c.auth === 'rsa' ? await benchPki() : null;
      try {
        results.push(...(await runCase(c, rig, pki, o)));
      } catch (e) {
        log(`${name}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (o.hold > 0) {
      try {
        hold = await runHold(rig, o);
      } catch (e) {
        log(`hold test FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    pki?.remove();
    await cleanupRig(rig);
    if (process.env.IKED_BENCH_KEEP === '1') log(`kept ${rig.baseDir}`);
    else rmSync(rig.baseDir, { recursive: true, force: true });
  }
  const lines = [...machineLines(results, hold), ...floorLines(floor?.perCase ?? null, results)];
  console.log(resultsTable(results));
  if (hold) console.log('\n' + holdTable(hold) + '\n\n' + churnLines(hold).join('\n'));
  console.log('');
  for (const l of lines) console.log(l);
  const resultsPath = join(REPO, 'bench', 'RESULTS.md');
  const earlier = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '';
  writeFileSync(resultsPath, withEarlierRuns(resultsMarkdown(o, busy, results, hold, lines, floor), earlier));
  log(`wrote this run at the top of ${resultsPath}, earlier runs kept below it`);
  process.exit(results.length ? 0 : 1);
}

main().catch((e) => {
  log(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
