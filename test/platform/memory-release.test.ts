/**
 * The addon's memory release (src/platform/memory-release.ts): V8's LowMemoryNotification
 * shrinks the committed JS heap; glibc's malloc_trim gives back freed malloc pages (Linux
 * with glibc only: skipped elsewhere, saying so); absent exports give null.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { loadMemoryRelease } from '../../src/platform/memory-release';
import type { KernelAddon } from '../../src/platform/native-binding';

const MODULE = path.join(__dirname, '..', '..', 'src', 'platform', 'memory-release.js');

function inChild(script: string): Record<string, number | boolean | null> {
  return JSON.parse(execFileSync(process.execPath, ['-e', `const r = require(${JSON.stringify(MODULE)}).loadMemoryRelease();\n${script}`], { encoding: 'utf8' }));
}

test('memory release: absent exports or no addon give null', () => {
  const none = loadMemoryRelease(() => ({}) as KernelAddon);
  assert.equal(none.lowMemory, null);
  assert.equal(none.mallocTrim, null);
  const broken = loadMemoryRelease(() => {
    throw new Error('not built');
  });
  assert.deepEqual(broken, { lowMemory: null, mallocTrim: null });
});

test('lowMemoryNotification shrinks the committed JS heap after garbage', () => {
  const r = inChild(`
    const v8 = require('node:v8');
    let keep = [];
    for (let i = 0; i < 1e6; i++) { keep.push({ a: i, b: 'x' + i }); if (keep.length > 200000) keep = []; }
    keep = null;
    const before = v8.getHeapStatistics().total_heap_size;
    r.lowMemory();
    const after = v8.getHeapStatistics().total_heap_size;
    process.stdout.write(JSON.stringify({ before, after }));
  `);
  const before = r.before as number;
  const after = r.after as number;
  assert.ok(after < before / 2, `committed heap ${before} → ${after} bytes`);
});

test('mallocTrim gives freed malloc pages back (Linux with glibc)', (t) => {
  if (loadMemoryRelease().mallocTrim === null) return t.skip('no malloc_trim here (not Linux with glibc, or the addon is not built)');
  // 60,000 malloc'd 1 KB Buffers, one in 100 kept: their pages are free but for the kept ones
  const r = inChild(`
    const fs = require('node:fs');
    const brk = () => Number(/\\[heap\\]\\n(?:.*\\n)*?Rss:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/smaps', 'utf8'))?.[1] ?? 0);
    let all = [];
    for (let i = 0; i < 60000; i++) all.push(Buffer.allocUnsafeSlow(1000));
    const kept = all.filter((_, i) => i % 100 === 0);
    all = null;
    r.lowMemory();
    setTimeout(() => {
      const before = brk();
      const released = r.mallocTrim();
      process.stdout.write(JSON.stringify({ before, after: brk(), released, kept: kept.length }));
    }, 200);
  `);
  assert.equal(r.released, true);
  assert.ok((r.before as number) - (r.after as number) >= 20_000, `brk heap ${r.before} → ${r.after} kB`);
});
