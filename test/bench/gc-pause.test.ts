/** bench/gc-trace.ts: the main-thread pause of each --trace-gc line, by kind, summed per process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GcTrace, parseGcPause } from '../../bench/gc-trace';

test('parseGcPause: scavenges, full collections with their incremental steps, nothing else', () => {
  assert.deepEqual(parseGcPause('[101:0x5f0]     1234 ms: Scavenge 10.1 (12.3) -> 9.5 (13.3) MB, 1.23 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; '), { pid: 101, kind: 'scavenge', ms: 1.23 });
  assert.deepEqual(
    parseGcPause('[102:0x5f0]    11228 ms: Mark-Compact 28.5 (48.9) -> 10.4 (48.9) MB, 14.71 / 0.55 ms  (+ 12.5 ms in 45 steps since start of marking, biggest step 1.2 ms, walltime since start of marking 100 ms) (average mu = 0.9) finalize incremental marking via task; GC in old space requested'),
    { pid: 102, kind: 'markCompact', ms: 27.21 },
  );
  assert.deepEqual(parseGcPause('[103:0x5f0]      500 ms: Mark-Compact (reduce) 8.0 (10.0) -> 7.0 (9.0) MB, 3.50 / 0.00 ms  (average mu = 1.0) low memory notification; GC in old space requested'), { pid: 103, kind: 'markCompact', ms: 3.5 });
  assert.equal(parseGcPause('[bench] hold chunk 15000'), null);
  assert.equal(parseGcPause('[104:0x5f0] Memory allocator,       used:  12345 KB, available: 1 KB'), null);
});

test('GcTrace.pauses: summed per process as the log grows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gc-pause-'));
  const f = join(dir, 'iked.log');
  try {
    writeFileSync(f, '[7:0x1]  10 ms: Scavenge 1.0 (2.0) -> 0.5 (2.0) MB, 2.00 / 0.00 ms  x;\n[8:0x1]  11 ms: Scavenge 1.0 (2.0) -> 0.5 (2.0) MB, 5.00 / 0.00 ms  x;\n');
    const g = new GcTrace(f);
    g.poll();
    assert.deepEqual(g.pauses(7), { scavengeMs: 2, markCompactMs: 0 });
    writeFileSync(f, '[7:0x1]  20 ms: Mark-Compact 3.0 (4.0) -> 1.0 (4.0) MB, 4.00 / 0.00 ms  x;\n', { flag: 'a' });
    g.poll();
    assert.deepEqual(g.pauses(7), { scavengeMs: 2, markCompactMs: 4 });
    assert.deepEqual(g.pauses(8), { scavengeMs: 5, markCompactMs: 0 });
    assert.deepEqual(g.pauses(9), { scavengeMs: 0, markCompactMs: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
