/**
 * Runs fuzz targets for a time budget:
 *   npm run fuzz -- <target|all> [--seconds N] [--coverage] [--seed S]
 * prints executions per second and failures (each with its shrunk input);
 * --coverage re-runs itself under NODE_V8_COVERAGE and prints c8's line and
 * branch coverage of the target's source files.
 */
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { TARGETS } from './targets';
import { repoRoot, type FuzzTarget } from './harness';

interface Result {
  name: string;
  execs: number;
  seconds: number;
  failures: Array<{ message: string; input: string }>;
  peakHeapMb: number;
}

const HEAP_LIMIT_MB = Number(process.env.FUZZ_HEAP_LIMIT_MB ?? 1024);

function show(x: unknown): string {
  const s = fc.stringify(x);
  return s.length > 600 ? `${s.slice(0, 600)}... (${s.length} chars)` : s;
}

/** A full garbage collection (V8's gc(), made reachable without --expose-gc on the command line). */
let gcFn: (() => void) | null = null;
function fullGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** fast-check runs synchronously: slices of this length let the event loop run in between (promise jobs a target queued). */
const SLICE_MS = 1000;

async function fuzz(t: FuzzTarget<unknown>, seconds: number, seed: number): Promise<Result> {
  const res: Result = { name: t.name, execs: 0, seconds: 0, failures: [], peakHeapMb: 0 };
  const seen = new Set<string>();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const heap0 = process.memoryUsage().heapUsed;
  let round = 0;
  while (performance.now() < deadline && res.failures.length < 20) {
    const left = Math.min(SLICE_MS, deadline - performance.now());
    await new Promise((r) => setImmediate(r));
    const out = fc.check(
      fc.property(t.arbitrary, (x) => {
        res.execs++;
        t.run(x);
        if ((res.execs & 255) === 0) {
          const mb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
          res.peakHeapMb = Math.max(res.peakHeapMb, mb);
          if (mb > HEAP_LIMIT_MB) {
            // garbage not yet collected is not growth: measure the live heap after a full collection
            fullGc();
            const live = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
            if (live > HEAP_LIMIT_MB) throw new Error(`live heap grew by ${live.toFixed(0)} MB after a full GC (limit ${HEAP_LIMIT_MB})`);
          }
        }
      }),
      { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: Math.max(1, left), markInterruptAsFailure: false, seed: seed + round++, endOnFailure: false },
    );
    if (!out.failed) continue; // the slice ended without a failure: the next one, with the next seed
    const err = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    const key = err.split('\n')[0].replace(/\d+/g, 'N');
    if (!seen.has(key)) {
      seen.add(key);
      res.failures.push({ message: err, input: show(out.counterexample?.[0]) });
    }
    if (seen.size && round > 200) break;
  }
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

function parseArgs(argv: string[]): { names: string[]; seconds: number; coverage: boolean; seed: number; json: boolean } {
  const names: string[] = [];
  let seconds = 10;
  let coverage = false;
  let json = false;
  let seed = Date.now() & 0x7fffffff;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') seconds = Number(argv[++i]);
    else if (a === '--coverage') coverage = true;
    else if (a === '--json') json = true;
    else if (a === '--seed') seed = Number(argv[++i]);
    else names.push(a);
  }
  if (!names.length || names.includes('all')) return { names: TARGETS.map((t) => t.name), seconds, coverage, seed, json };
  for (const n of names) {
    if (!TARGETS.some((t) => t.name === n)) {
      console.error(`unknown target ${n}; targets: all ${TARGETS.map((t) => t.name).join(' ')}`);
      process.exit(2);
    }
  }
  return { names, seconds, coverage, seed, json };
}

interface Cov { lines: [number, number]; branches: [number, number] }

/** Line and branch totals per source file from c8's json-summary of a coverage directory. */
async function coverageOf(dir: string, sources: string[]): Promise<Map<string, Cov>> {
  const root = repoRoot();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Report } = require('c8') as { Report: new (o: object) => { run(): Promise<void> } };
  const reportDir = mkdtempSync(join(tmpdir(), 'iked-fuzz-report-'));
  const include = sources.map((s) => (s.endsWith('/') ? `${s}**` : s));
  await new Report({
    tempDirectory: dir,
    reportsDirectory: reportDir,
    reporter: ['json-summary'],
    include: include.flatMap((s) => [s, `dist/${s.replace(/\.ts$/, '.js')}`]),
    exclude: [],
    excludeNodeModules: true,
    src: [root],
    resolve: root,
    all: false,
    allowExternal: false,
    excludeAfterRemap: true,
  }).run();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const summary = require(join(reportDir, 'coverage-summary.json')) as Record<string, { lines: { covered: number; total: number }; branches: { covered: number; total: number } }>;
  const out = new Map<string, Cov>();
  for (const [file, s] of Object.entries(summary)) {
    if (file === 'total') continue;
    out.set(relative(root, file), { lines: [s.lines.covered, s.lines.total], branches: [s.branches.covered, s.branches.total] });
  }
  rmSync(reportDir, { recursive: true, force: true });
  return out;
}

const pct = ([c, t]: [number, number]): string => (t ? `${((100 * c) / t).toFixed(1)}%` : 'n/a');

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let failed = false;
  for (const name of args.names) {
    const t = TARGETS.find((x) => x.name === name)!;
    if (args.coverage && !process.env.NODE_V8_COVERAGE) {
      const dir = mkdtempSync(join(tmpdir(), 'iked-fuzz-cov-'));
      const child = spawnSync(process.execPath, [__filename, name, '--seconds', String(args.seconds), '--seed', String(args.seed)], {
        stdio: 'inherit',
        env: { ...process.env, NODE_V8_COVERAGE: dir },
      });
      if (child.status !== 0) failed = true;
      const cov = await coverageOf(dir, t.sources);
      rmSync(dir, { recursive: true, force: true });
      const sum = (k: 'lines' | 'branches'): [number, number] => [...cov.values()].reduce<[number, number]>((a, c) => [a[0] + c[k][0], a[1] + c[k][1]], [0, 0]);
      for (const [f, c] of [...cov.entries()].sort()) console.log(`  ${f.padEnd(44)} lines ${pct(c.lines).padStart(6)} (${c.lines[0]}/${c.lines[1]})  branches ${pct(c.branches).padStart(6)} (${c.branches[0]}/${c.branches[1]})`);
      console.log(`coverage ${name}: lines ${pct(sum('lines'))} branches ${pct(sum('branches'))}`);
      continue;
    }
    const r = await fuzz(t, args.seconds, args.seed);
    const rate = r.execs / r.seconds;
    console.log(`${r.name}: ${r.execs} executions in ${r.seconds.toFixed(1)} s, ${rate.toFixed(0)} exec/s, ${r.failures.length} failures, heap +${r.peakHeapMb.toFixed(0)} MB peak (seed ${args.seed})`);
    for (const f of r.failures) {
      failed = true;
      console.log(`  FAIL ${f.message}\n    input: ${f.input}`);
    }
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
