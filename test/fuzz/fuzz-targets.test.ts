/**
 * Every fuzz target for a short budget (FUZZ_RUNS, default 300 runs each,
 * with a fixed seed per target so that a failure reproduces), plus each seed
 * input unmutated. `npm run fuzz -- <target> --seconds N` runs longer.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { TARGETS } from './targets';
import { limits } from './harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
// other tests may load the host: only a pathological decode (a hang) fails here
limits.maxCallMs = Number(process.env.FUZZ_MAX_CALL_MS ?? 2000);

for (const t of TARGETS) {
  test(`fuzz ${t.name}: ${RUNS} runs`, () => {
    fc.assert(fc.property(t.arbitrary, (x) => t.run(x)), { numRuns: RUNS, seed: 0x1ced + t.name.length, endOnFailure: false });
  });
}
