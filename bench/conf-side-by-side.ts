/**
 * `npm run bench -- conf`: configuration load, whole commands side by side. For each
 * size (1k, 10k, 100k policies) one generated iked.conf (conf-generate.ts) is checked
 * by our `iked -n -f F` (node dist/src/cli/iked.js, what the `iked` bin runs) and by
 * OpenIKED 7.2's `iked -n -f F`, both first with -v to confirm each accepts it and
 * loads every policy, then timed: one warm-up each, then runs that alternate (ours,
 * OpenIKED; OpenIKED, ours; ...) so a neighbour's burst lands on both. CPU is user +
 * sys of the reaped process (bench/rusage-run.py, wait4). The ratio ours/OpenIKED is
 * taken pair by pair. Results are printed and appended to bench/RESULTS.md.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateConf } from './conf-generate';
import { CONF_USAGE, ConfBenchOptions, parseConfBenchArgs, runsFor } from './conf-options';
import { confReport, Sample, SizeResult } from './conf-report';
import { systemBusy } from './proc-stats';
import { appendResults, runHeader } from './robustness-report';

function log(msg: string): void {
  process.stderr.write(`[bench conf] ${msg}\n`);
}

interface Command {
  label: string;
  argv: (file: string, verbose: boolean) => string[];
}

function commands(o: ConfBenchOptions, repoRoot: string): Command[] {
  const ours = join(repoRoot, 'dist', 'src', 'cli', 'iked.js');
  const list: Command[] = [
    { label: 'ours', argv: (f, v) => [process.execPath, ours, v ? '-nv' : '-n', '-f', f] },
    { label: 'openiked', argv: (f, v) => [o.openiked, v ? '-nv' : '-n', '-f', f] },
  ];
  const base = o.baselineJs;
  if (base) list.push({ label: 'baseline', argv: (f, v) => [process.execPath, base, v ? '-nv' : '-n', '-f', f] });
  return list;
}

/** Run `cmd -nv -f file`: its exit status and the number of policies it printed. */
function verify(cmd: Command, file: string): { exit: number; policies: number } {
  const script = 'set -o pipefail; "$@" 2>&1 | { grep -c "^ikev2 " || true; }';
  const r = spawnSync('bash', ['-c', script, 'verify', ...cmd.argv(file, true)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return { exit: r.status ?? -1, policies: Number(r.stdout.trim()) };
}

function timeOnce(cmd: Command, file: string, helper: string): Sample {
  const r = spawnSync('python3', [helper, ...cmd.argv(file, false)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rusage-run.py failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { user: number; sys: number; wall: number; exit: number; maxrss_kb: number };
  if (j.exit !== 0) throw new Error(`${cmd.label}: exit ${j.exit} on ${file}`);
  return { cpu: j.user + j.sys, user: j.user, sys: j.sys, wall: j.wall, rssKb: j.maxrss_kb };
}

function measureSize(n: number, cmds: Command[], o: ConfBenchOptions, dir: string, helper: string): SizeResult {
  const file = join(dir, `iked-${n}.conf`);
  writeFileSync(file, generateConf(n));
  chmodSync(file, 0o600); // OpenIKED refuses a config others may read
  for (const c of cmds) {
    const v = verify(c, file);
    if (v.exit !== 0 || v.policies !== n) throw new Error(`${c.label} does not load ${file} as generated: exit ${v.exit}, ${v.policies} of ${n} policies`);
  }
  log(`${n} policies: both load all ${n} (iked -nv exit 0)`);
  const samples: Record<string, Sample[]> = {};
  for (const c of cmds) {
    samples[c.label] = [];
    timeOnce(c, file, helper); // warm-up: page cache, binaries
  }
  const runs = runsFor(o, n);
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? [...cmds].reverse() : cmds;
    for (const c of order) samples[c.label].push(timeOnce(c, file, helper));
  }
  log(`${n} policies: ${runs} runs each done`);
  return { policies: n, bytes: Buffer.byteLength(generateConf(n)), samples };
}

export async function runConfBench(argv: string[], repoRoot: string): Promise<number> {
  let o: ConfBenchOptions;
  try {
    o = parseConfBenchArgs(argv);
  } catch (e) {
    log((e as Error).message);
    return 2;
  }
  if (!existsSync(o.openiked)) {
    log(`no OpenIKED at ${o.openiked} (ci/deps.sh unpacks Debian's openiked; or --openiked PATH). ${CONF_USAGE}`);
    return 2;
  }
  const helper = join(repoRoot, 'bench', 'rusage-run.py');
  const dir = mkdtempSync(join(tmpdir(), 'iked-conf-bench-'));
  const busy = await systemBusy(2000);
  log(`machine busy before the run: ${Math.round(busy * 100)} %`);
  try {
    const cmds = commands(o, repoRoot);
    const results = o.sizes.map((n) => measureSize(n, cmds, o, dir, helper));
    const command = `npm run bench -- ${['conf', ...argv].join(' ')}`;
    const lines = [...runHeader(`Configuration load, ours against OpenIKED 7.2 (\`${command}\`)`, command, busy), '', ...confReport(results)];
    console.log(lines.join('\n'));
    const path = join(repoRoot, 'bench', 'RESULTS.md');
    appendResults(path, lines);
    log(`appended to ${path}`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
