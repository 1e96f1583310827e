/**
 * Command line of the robustness modes:
 *   npm run bench -- flood      [--quick] [--seconds S] [--factor F] [--sources N] [--legit N] [--baseline S] [--drain S] [--no-charon]
 *   npm run bench -- auth-flood [--quick] [--seconds S] [--window N] [--legit N] [--baseline S] [--drain S] [--no-charon]
 *   npm run bench -- soak       [--quick] [--handshakes N] [--checkpoint N] [--window N] [--no-trace-gc]
 * (all: --no-privsep runs our iked as one process).
 */
import type { RobustnessMode } from './bench-options';

export interface RobustnessOptions {
  mode: RobustnessMode;
  quick: boolean;
  charon: boolean;
  privsep: boolean;
  /** strongSwan initiators that keep establishing SAs during an attack. */
  legitPeers: number;
  /** Legitimate SAs without an attack first, for this many seconds (the reference figures). */
  baselineSeconds: number;
  /** Length of each attack phase. */
  seconds: number;
  /** After an attack: wait this long (half-open timeout 30 s) and sample the state again. */
  drainSeconds: number;
  /** flood: spoofed packets per second = factor x our measured handshake capacity. */
  factor: number;
  /** flood: distinct spoofed source addresses. */
  sources: number;
  /** Handshake capacity measurement: warm-up SAs, then measured SAs (our load client, each SA deleted once up). */
  capacityWarmup: number;
  capacityCount: number;
  /** auth-flood and soak: handshakes in flight. */
  window: number;
  /** soak: total handshakes (each deleted once up) and the sampling interval. */
  handshakes: number;
  checkpoint: number;
  /** soak: run iked with node --trace-gc and report each process's live heap after its last full GC. */
  traceGc: boolean;
}

export function parseRobustnessArgs(mode: RobustnessMode, argv: string[]): RobustnessOptions {
  const quick = argv.includes('--quick');
  const o: RobustnessOptions = {
    mode,
    quick,
    charon: true,
    privsep: true,
    legitPeers: quick ? 2 : 4,
    baselineSeconds: quick ? 3 : 15,
    seconds: quick ? (mode === 'auth-flood' ? 5 : 8) : 60,
    drainSeconds: quick ? 0 : 35,
    factor: 10,
    sources: 4096,
    capacityWarmup: quick ? 200 : 3000,
    capacityCount: quick ? 500 : 5000,
    window: mode === 'auth-flood' ? 64 : 32,
    handshakes: quick ? 10_000 : 200_000,
    checkpoint: quick ? 2000 : 20_000,
    traceGc: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--quick') continue;
    else if (a === '--no-charon') o.charon = false;
    else if (a === '--no-privsep') o.privsep = false;
    else if (a === '--no-trace-gc') o.traceGc = false;
    else if (a === '--legit') o.legitPeers = Math.floor(num());
    else if (a === '--baseline') o.baselineSeconds = num();
    else if (a === '--seconds') o.seconds = Math.max(1, num());
    else if (a === '--drain') o.drainSeconds = num();
    else if (a === '--factor') o.factor = Math.max(0.1, num());
    else if (a === '--sources') o.sources = Math.max(1, Math.floor(num()));
    else if (a === '--window') o.window = Math.max(1, Math.floor(num()));
    else if (a === '--handshakes') o.handshakes = Math.max(1, Math.floor(num()));
    else if (a === '--checkpoint') o.checkpoint = Math.max(1, Math.floor(num()));
    else throw new Error(`unknown ${mode} option '${a}' (options: --quick --seconds S --factor F --sources N --legit N --baseline S --drain S --window N --handshakes N --checkpoint N --no-trace-gc --no-charon --no-privsep)`);
  }
  if (o.checkpoint > o.handshakes) o.checkpoint = o.handshakes;
  return o;
}
