/**
 * `npm run bench` / `npm run bench -- --quick`: handshake CPU and memory per SA of our
 * iked as a responder, side by side with strongSwan's charon, under the same load
 * initiator (our engine in client mode, many source addresses and identities).
 * The responder runs in one namespace pinned to CPU 0, the load client in another
 * pinned to CPU 1. Needs root (namespaces); prints a table and `BENCH ...` lines and
 * writes bench/RESULTS.md.
 */
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTwoHosts, interopAvailable, TwoHosts } from '../test/interop/lib/netns';
import { runChecked } from '../test/interop/lib/run-command';
import { benchCase, BenchCase, CaseName } from './bench-configs';
import { parseBenchArgs, BenchOptions } from './bench-options';
import { benchPki, BenchPki } from './pki';
import { startCharon, startIked, Responder, ResponderOptions } from './responders';
import { ClientProcess } from './client-process';
import { treeCpuMs as cpuMs, treeRssKb as rssKb, systemBusy, processTree, rssKb as procRssKb, cpuMs as procCpuMs } from './proc-stats';
import { CaseResult, HoldResult, holdTable, machineLines, resultsTable, TARGET_KB_PER_SA } from './report';
import { measureSpiLookup } from './spi-lookup';

const REPO = resolve(__dirname, '..', '..');
const RESPONDER_CPU = 0;
const CLIENT_CPU = 1;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

interface Rig {
  topo: TwoHosts;
  clientAddrs: string[];
  baseDir: string;
}

async function setupRig(o: BenchOptions): Promise<Rig> {
  const topo = await makeTwoHosts('ikbench');
  const clientAddrs: string[] = [];
  for (let k = 0; k < o.clientAddresses; k++) {
    const a = `192.0.2.${10 + k}`;
    await runChecked(['ip', '-n', topo.a.ns, 'addr', 'add', `${a}/24`, 'dev', topo.a.outIf]);
    clientAddrs.push(a);
  }
  return { topo, clientAddrs, baseDir: mkdtempSync(join(tmpdir(), 'iked-bench-')) };
}

async function startResponder(daemon: 'ours' | 'charon', c: BenchCase, rig: Rig, pki: BenchPki | null, o: BenchOptions): Promise<Responder> {
  const ro: ResponderOptions = { ns: rig.topo.b.ns, serverAddr: rig.topo.b.addr, cpu: RESPONDER_CPU, baseDir: rig.baseDir, repoRoot: REPO, pki, privsep: o.privsep };
  return daemon === 'ours' ? startIked(c, ro) : startCharon(c, ro);
}

async function startClient(c: BenchCase, rig: Rig, pki: BenchPki | null): Promise<ClientProcess> {
  return ClientProcess.start({
    ns: rig.topo.a.ns,
    cpu: CLIENT_CPU,
    caseName: c.name,
    server: rig.topo.b.addr,
    addresses: rig.clientAddrs,
    clientIkedDir: pki?.clientDir,
    repoRoot: REPO,
  });
}

/** A responder process's role, from its command line (iked's privsep children by entry module). */
function procRole(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const m = /privsep\/(\w+)-main/.exec(cmd);
    return m ? m[1] : /iked\.js/.test(cmd) ? 'parent' : /charon/.test(cmd) ? 'charon' : String(pid);
  } catch {
    return String(pid);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One case against one responder: warm-up, then the measured run. */
async function runCase(daemon: 'ours' | 'charon', c: BenchCase, rig: Rig, pki: BenchPki | null, o: BenchOptions): Promise<CaseResult> {
  const r = await startResponder(daemon, c, rig, pki, o);
  let client: ClientProcess | null = null;
  try {
    client = await startClient(c, rig, pki);
    let warmupCpuMsPerSa = NaN;
    if (o.warmup) {
      const wcpu0 = cpuMs(r.pid);
      const w = await client.run(o.warmup, 10_000_000, o.window, 1000, !o.accumulate);
      if (w.established === 0) throw new Error(`warm-up failed: ${JSON.stringify(w.failures)}\n${r.logTail(20)}`);
      warmupCpuMsPerSa = (cpuMs(r.pid) - wcpu0) / w.established;
    }
    await new Promise((res) => setTimeout(res, 300));
    const cpu0 = cpuMs(r.pid);
    const rss0 = rssKb(r.pid);
    const procs = processTree(r.pid);
    const split0 = procs.map((p) => procCpuMs(p));
    // the measured SAs are deleted by the client as soon as they are up: the responder's cost
    // per handshake (+ its delete), not its cost of holding ever more SAs (kernel-libipsec's grows).
    // They come in segments; the CPU per SA reported is the median segment's (this machine is
    // shared: a neighbour's burst spoils a segment, not the result), with the spread shown.
    const segments = Math.max(1, Math.min(o.segments, o.count));
    const per = Math.floor(o.count / segments);
    const segCpu: number[] = [];
    const d = { established: 0, failed: 0, wallMs: 0, retransmits: 0, childSas: 0, failures: {} as Record<string, number> };
    for (let s = 0; s < segments; s++) {
      const n = s === segments - 1 ? o.count - per * (segments - 1) : per;
      const c0 = cpuMs(r.pid);
      const seg = await client.run(n, s * per, o.window, 1000, !o.accumulate);
      segCpu.push((cpuMs(r.pid) - c0) / Math.max(1, seg.established));
      d.established += seg.established;
      d.failed += seg.failed;
      d.wallMs += seg.wallMs;
      d.retransmits = seg.retransmits;
      d.childSas = seg.childSas;
      for (const [k, v] of Object.entries(seg.failures)) d.failures[k] = (d.failures[k] ?? 0) + v;
    }
    const cpu1 = cpuMs(r.pid);
    // per process (privsep: parent, engine, ca, control): where the responder's CPU goes
    const split = procs.map((p, i) => `${procRole(p)} ${((procCpuMs(p) - split0[i]) / Math.max(1, d.established)).toFixed(3)}`).join(', ');
    const rss1 = rssKb(r.pid);
    const n = Math.max(1, d.established);
    const res: CaseResult = {
      caseName: c.name,
      daemon,
      established: d.established,
      failed: d.failed,
      saPerSec: (d.established * 1000) / Math.max(1, d.wallMs),
      cpuMsPerSa: median(segCpu),
      cpuMsPerSaMean: (cpu1 - cpu0) / n,
      cpuMsPerSaRange: [Math.min(...segCpu), Math.max(...segCpu)],
      warmupCpuMsPerSa,
      rssKbPerSa: (rss1 - rss0) / n,
      retransmits: d.retransmits,
      childSas: d.childSas,
    };
    log(
      `${c.name} ${daemon}: ${d.established} established, ${d.failed} failed ${d.failed ? JSON.stringify(d.failures) : ''}` +
        ` ${res.saPerSec.toFixed(0)} SA/s, ${res.cpuMsPerSa.toFixed(3)} ms CPU/SA (median of ${segments} segments: ${segCpu.map((x) => x.toFixed(3)).join(' ')}; mean ${res.cpuMsPerSaMean.toFixed(3)}: ${split}), ${res.rssKbPerSa.toFixed(1)} KB RSS/SA, ${d.retransmits} retransmits, client holds ${d.childSas} Child SAs`,
    );
    if (d.failed) log(`responder log tail:\n${r.logTail(10)}`);
    return res;
  } finally {
    await client?.quit();
    await r.stop();
  }
}

/** Our iked holding many established SAs: RSS per SA, and the rate as the table fills. */
async function runHold(rig: Rig, o: BenchOptions): Promise<HoldResult> {
  const c = benchCase('psk-ecp256');
  const r = await startResponder('ours', c, rig, null, o);
  let client: ClientProcess | null = null;
  try {
    client = await startClient(c, rig, null);
    await client.run(o.warmup, 10_000_000, o.window);
    await new Promise((res) => setTimeout(res, 500));
    const rssBefore = rssKb(r.pid);
    const chunks: HoldResult['chunks'] = [];
    const every = Math.max(1000, Math.floor(o.hold / 10));
    let lastT = Date.now();
    let lastCpu = cpuMs(r.pid);
    let lastDone = 0;
    client.onProgress = (done) => {
      const t = Date.now();
      const cpu = cpuMs(r.pid);
      const n = done - lastDone;
      chunks.push({ held: done + o.warmup, saPerSec: (n * 1000) / Math.max(1, t - lastT), cpuMsPerSa: (cpu - lastCpu) / n });
      lastT = t;
      lastCpu = cpu;
      lastDone = done;
    };
    const d = await client.run(o.hold, 0, o.window, every);
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
    log(`hold: ${d.established} established (${d.failed} failed), RSS ${rssBefore} -> ${rssAfter} kB`);
    const spiLookupNs = [...new Set([1000, o.hold])].map((n) => ({ sas: n, ns: measureSpiLookup(n) }));
    return { sas: d.established, memKbPerSa: (rssAfter - rssBefore) / Math.max(1, d.established), rssKbBefore: rssBefore, rssKbAfter: rssAfter, chunks, spiLookupNs };
  } finally {
    await client?.quit();
    await r.stop();
  }
}

function resultsMarkdown(o: BenchOptions, busy: number, results: CaseResult[], hold: HoldResult | null, lines: string[]): string {
  const out = [
    '# iked bench results',
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
  ];
  if (hold) {
    out.push(
      `## iked holding ${hold.sas} established IKE SA + Child SA pairs`,
      '',
      `RSS ${hold.rssKbBefore} kB -> ${hold.rssKbAfter} kB: **${hold.memKbPerSa.toFixed(1)} KB per SA** (target ≤ ${TARGET_KB_PER_SA} KB${hold.memKbPerSa <= TARGET_KB_PER_SA ? ', met' : ', missed'}).`,
      `SPI lookup (SaTable.get): ${hold.spiLookupNs.map((s) => `${s.ns.toFixed(0)} ns with ${s.sas} SAs`).join(', ')}.`,
      '',
      holdTable(hold),
      '',
    );
  }
  out.push('```', ...lines, '```', '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const o = parseBenchArgs(process.argv.slice(2));
  const why = interopAvailable();
  if (why) {
    log(`cannot run the bench: ${why}`);
    process.exit(2);
  }
  if (cpus().length < 2) log('warning: fewer than 2 CPUs: responder and load client share a core');
  const busy = await systemBusy(2000);
  log(`machine busy before the run: ${(busy * 100).toFixed(0)} %`);
  const rig = await setupRig(o);
  const results: CaseResult[] = [];
  let hold: HoldResult | null = null;
  let pki: BenchPki | null = null;
  try {
    for (const name of o.cases as CaseName[]) {
      const c = benchCase(name);
      pki?.remove();
      pki = c.auth === 'rsa' ? await benchPki() : null;
      for (const daemon of o.charon ? (['ours', 'charon'] as const) : (['ours'] as const)) {
        try {
          results.push(await runCase(daemon, c, rig, pki, o));
        } catch (e) {
          log(`${name} ${daemon}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
        }
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
    await rig.topo.cleanup();
    if (process.env.IKED_BENCH_KEEP === '1') log(`kept ${rig.baseDir}`);
    else rmSync(rig.baseDir, { recursive: true, force: true });
  }
  const lines = machineLines(results, hold);
  console.log(resultsTable(results));
  if (hold) console.log('\n' + holdTable(hold));
  console.log('');
  for (const l of lines) console.log(l);
  writeFileSync(join(REPO, 'bench', 'RESULTS.md'), resultsMarkdown(o, busy, results, hold, lines));
  log(`wrote ${join(REPO, 'bench', 'RESULTS.md')}`);
  process.exit(results.length ? 0 : 1);
}

main().catch((e) => {
  log(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
