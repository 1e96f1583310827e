/**
 * V8 settings for the configuration check (`iked -n`) alone: a short process that
 * parses once and exits, where the optimising compiler's work is a large part of the
 * CPU (measured on a 10,000-policy file, bench/RESULTS.md). Applied in this process only,
 * just before the check; `iked -n` starts no other process, and the daemon's path never
 * comes here (its processes keep V8's defaults).
 *
 * Always:
 * - no allocation-site pretenuring: the retained policy objects made V8 switch their
 *   allocation sites to old space mid-parse and throw away and recompile the optimised
 *   parser twice;
 * - a smaller inlining budget: less code for the optimiser to compile, the parse runs
 *   only once.
 *
 * For a short check (a file under SHORT_CHECK_BYTES, about 20,000 policies) also a cheaper
 * optimiser: no inlining, no loop peeling, escape analysis, load or store elimination. Its
 * code is slower, which a long parse pays for (+13 % CPU at 100,000 policies, even at
 * 30,000), a short one gains from (-10 % at 10,000).
 *
 * Every flag must exist in the V8 of every Node we support (20 and 24): an unknown one is
 * an error line on stderr (test/cli/check-tuning.test.ts runs on both in CI).
 */
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

export const CHECK_V8_FLAGS = ['--no-allocation-site-pretenuring', '--max-inlined-bytecode-size-cumulative=200'];

export const SHORT_CHECK_V8_FLAGS = [
  '--no-turbo-inlining',
  '--no-turbo-loop-peeling',
  '--no-turbo-escape',
  '--no-turbo-load-elimination',
  '--no-turbo-store-elimination',
];

/** Configuration text below this many bytes is a short check. */
export const SHORT_CHECK_BYTES = 4 << 20;

/** The flags for a check of a file of `bytes` (undefined: not known, e.g. stdin). */
export function checkV8Flags(bytes: number | undefined): string[] {
  return bytes !== undefined && bytes < SHORT_CHECK_BYTES ? [...CHECK_V8_FLAGS, ...SHORT_CHECK_V8_FLAGS] : CHECK_V8_FLAGS;
}

function sizeOf(path: string): number | undefined {
  if (path === '-') return undefined;
  try {
    return statSync(path).size;
  } catch {
    return undefined; // the check reports the file's error itself
  }
}

export function tuneForCheck(configFile: string): void {
  for (const f of checkV8Flags(sizeOf(configFile))) setFlagsFromString(f);
}
