/** Tables and `BENCH conf ...` lines of `npm run bench -- conf` (conf-side-by-side.ts). */
import { fmt } from './robustness-report';
import { markdownTable, medianOf } from './report';

/** One timed run of a whole command: seconds of CPU (user + sys), wall, and its peak RSS. */
export interface Sample {
  cpu: number;
  user: number;
  sys: number;
  wall: number;
  rssKb: number;
}

export interface SizeResult {
  policies: number;
  bytes: number;
  /** Per command label ('ours', 'openiked', 'baseline'), the runs in order (run r of each alternated). */
  samples: Record<string, Sample[]>;
}

const REFERENCE = 'openiked';

function spread(xs: number[], digits: number): string {
  return `${fmt(medianOf(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
}

/** Ratios of run r of `label` to run r of OpenIKED: the pairs ran next to each other. */
function pairRatios(s: SizeResult, label: string): number[] {
  const ref = s.samples[REFERENCE];
  return s.samples[label].map((x, i) => x.cpu / ref[i].cpu);
}

function cpuMedian(s: SizeResult, label: string): number {
  return medianOf(s.samples[label].map((x) => x.cpu));
}

function mainTable(results: SizeResult[]): string {
  const rows: string[][] = [];
  for (const s of results) {
    for (const [label, xs] of Object.entries(s.samples)) {
      const cpu = xs.map((x) => x.cpu);
      rows.push([
        String(s.policies),
        label,
        String(xs.length),
        spread(cpu, 3),
        fmt(medianOf(xs.map((x) => x.user)), 3),
        fmt(medianOf(xs.map((x) => x.sys)), 3),
        spread(xs.map((x) => x.wall), 3),
        fmt((medianOf(cpu) * 1e6) / s.policies, 1),
        label === REFERENCE ? '' : spread(pairRatios(s, label), 2),
        fmt(Math.max(...xs.map((x) => x.rssKb)) / 1024, 0),
      ]);
    }
  }
  return markdownTable(['policies', 'command', 'runs', 'CPU s median (min–max)', 'user s', 'sys s', 'wall s median (min–max)', 'CPU µs/policy', 'CPU ratio to OpenIKED (pairs)', 'peak RSS MB'], rows);
}

/** Per implementation: CPU per policy at each size and the marginal cost between sizes (start-up removed). */
function linearityTable(results: SizeResult[]): string {
  const labels = Object.keys(results[0]?.samples ?? {});
  const rows: string[][] = [];
  for (const label of labels) {
    for (let i = 1; i < results.length; i++) {
      const a = results[i - 1];
      const b = results[i];
      const marginal = ((cpuMedian(b, label) - cpuMedian(a, label)) * 1e6) / (b.policies - a.policies);
      rows.push([label, `${a.policies} → ${b.policies}`, fmt(marginal, 1)]);
    }
  }
  return markdownTable(['command', 'sizes', 'marginal CPU µs per added policy'], rows);
}

function benchLines(results: SizeResult[]): string[] {
  const out: string[] = [];
  for (const s of results) {
    for (const label of Object.keys(s.samples)) {
      const ratio = label === REFERENCE ? '' : ` ratio_median=${fmt(medianOf(pairRatios(s, label)), 2)}`;
      out.push(`BENCH conf policies=${s.policies} command=${label} cpu_s_median=${fmt(cpuMedian(s, label), 3)} us_per_policy=${fmt((cpuMedian(s, label) * 1e6) / s.policies, 1)}${ratio}`);
    }
  }
  return out;
}

export function confReport(results: SizeResult[]): string[] {
  const sizes = results.map((s) => `${s.policies} (${fmt(s.bytes / 1e6, 1)} MB)`).join(', ');
  return [
    `Generated iked.conf files (bench/conf-generate.ts: macros, PSK, certificate srcid/dstid, EAP, IPv4/IPv6, several flows, ikesa/childsa proposals, lifetimes) of ${sizes} policies; both \`iked -nv\` exit 0 and print every policy. Whole commands \`iked -n -f F\`, alternating, one warm-up each; CPU = user + sys of the reaped process (wait4).`,
    '',
    mainTable(results),
    '',
    results.length > 1 ? linearityTable(results) : 'One size only: no linearity table.',
    '',
    '```',
    ...benchLines(results),
    '```',
  ];
}
