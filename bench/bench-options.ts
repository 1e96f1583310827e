/** Command line of `npm run bench -- [--quick] [--cases a,b] [--count N] [--warmup N] [--segments N] [--hold N] [--accumulate] [--no-charon] [--no-hold] [--no-privsep] [--window N]`. */
import { ALL_CASES, CaseName } from './bench-configs';

/** `npm run bench -- MODE ...`: the robustness modes (options: robustness-options.ts); without a mode, the handshake bench. */
export const ROBUSTNESS_MODES = ['flood', 'auth-flood', 'soak'] as const;
export type RobustnessMode = (typeof ROBUSTNESS_MODES)[number];

export function robustnessMode(argv: string[]): RobustnessMode | null {
  return (ROBUSTNESS_MODES as readonly string[]).includes(argv[0]) ? (argv[0] as RobustnessMode) : null;
}

export interface BenchOptions {
  quick: boolean;
  cases: CaseName[];
  /** Measured SAs per case and responder. */
  count: number;
  /**
   * SAs before the measured ones, per case and responder. Our engine reaches its
   * steady state (V8 has optimised the hot path) only after a few thousand
   * handshakes; charon needs none, but gets the same.
   */
  warmup: number;
  /** The measured SAs come in this many segments; the median segment's CPU per SA is reported. */
  segments: number;
  /** SAs held by our iked in the memory test (0: skip). */
  hold: number;
  charon: boolean;
  window: number;
  clientAddresses: number;
  /**
   * Keep every SA up (the responders hold warm-up + measured SAs) instead of the
   * client deleting each one once established (the default).
   */
  accumulate: boolean;
  /** Run our iked privilege-separated (the default as root) or as one process (--no-privsep). */
  privsep: boolean;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const o: BenchOptions = {
    quick,
    cases: [...ALL_CASES],
    count: quick ? 2000 : 10_000,
    warmup: quick ? 3000 : 5000,
    segments: 5,
    hold: quick ? 10_000 : 50_000,
    charon: true,
    window: 32,
    clientAddresses: 8,
    privsep: true,
    accumulate: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--quick') continue;
    else if (a === '--no-charon') o.charon = false;
    else if (a === '--no-hold') o.hold = 0;
    else if (a === '--no-privsep') o.privsep = false;
    else if (a === '--accumulate') o.accumulate = true;
    else if (a === '--count') o.count = num();
    else if (a === '--warmup') o.warmup = num();
    else if (a === '--segments') o.segments = Math.max(1, num());
    else if (a === '--hold') o.hold = num();
    else if (a === '--window') o.window = Math.max(1, num());
    else if (a === '--cases') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const c of list) if (!ALL_CASES.includes(c as CaseName)) throw new Error(`unknown case '${c}' (cases: ${ALL_CASES.join(', ')})`);
      o.cases = list as CaseName[];
    } else throw new Error(`unknown option '${a}' (options: --quick --cases LIST --count N --warmup N --segments N --hold N --window N --accumulate --no-charon --no-hold --no-privsep)`);
  }
  return o;
}
