/**
 * V8 settings for the configuration check (`iked -n`) alone: a short process that
 * parses once and exits, where the optimising compiler's work is a large part of the
 * CPU (measured on a 10,000-policy file, bench/RESULTS.md). Applied in this process only,
 * just before the check; `iked -n` starts no other process, and the daemon's path never
 * comes here (its processes keep V8's defaults).
 *
 * - no allocation-site pretenuring: the retained policy objects made V8 switch their
 *   allocation sites to old space mid-parse and throw away and recompile the optimised
 *   parser twice;
 * - a smaller inlining budget: less code for the optimiser to compile, the parse runs
 *   only once.
 */
import { setFlagsFromString } from 'node:v8';

export const CHECK_V8_FLAGS = ['--no-allocation-site-pretenuring', '--max-inlined-bytecode-size-cumulative=200'];

export function tuneForCheck(): void {
  for (const f of CHECK_V8_FLAGS) setFlagsFromString(f);
}
