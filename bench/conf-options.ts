/** Command line of `npm run bench -- conf [--sizes LIST] [--runs N] [--openiked PATH] [--baseline-js PATH]`. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ConfBenchOptions {
  /** Policies per generated iked.conf. */
  sizes: number[];
  /** Timed runs per command and size (after one warm-up each); undefined: 7, and 3 from 100,000 policies. */
  runs?: number;
  /** OpenIKED's iked binary (Debian's openiked, unpacked by ci/deps.sh). */
  openiked: string;
  /** Another build of our iked.js (e.g. the previous commit's dist) timed in the same run, alternating. */
  baselineJs?: string;
}

export const CONF_USAGE = 'options: --sizes 1000,10000,100000 --runs N --openiked PATH --baseline-js PATH';

function defaultOpenIked(): string {
  const root = process.env.OPENIKED_ROOT ?? join(process.env.IKED_INTEROP_CACHE ?? join(homedir(), '.cache', 'iked-interop'), 'openiked', 'root');
  return join(root, 'usr', 'sbin', 'iked');
}

export function parseConfBenchArgs(argv: string[]): ConfBenchOptions {
  const o: ConfBenchOptions = { sizes: [1000, 10_000, 100_000], openiked: defaultOpenIked() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value (${CONF_USAGE})`);
      return v;
    };
    if (a === '--sizes') {
      o.sizes = value().split(',').map((s) => Number(s));
      if (!o.sizes.length || o.sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes needs positive integers, comma-separated');
    } else if (a === '--runs') {
      o.runs = Number(value());
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs needs a positive integer');
    } else if (a === '--openiked') o.openiked = value();
    else if (a === '--baseline-js') o.baselineJs = value();
    else throw new Error(`unknown option '${a}' (${CONF_USAGE})`);
  }
  return o;
}

export function runsFor(o: ConfBenchOptions, size: number): number {
  return o.runs ?? (size >= 100_000 ? 3 : 7);
}
