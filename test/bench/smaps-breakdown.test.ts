/** bench/smaps-breakdown.ts: Rss summed by kind of mapping, glibc arenas told from V8's anonymous chunks by their 64 MB reservation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifySmaps } from '../../bench/smaps-breakdown';

const map = (range: string, perms: string, path: string, rssKb: number): string =>
  `${range} ${perms} 00000000 00:00 0 ${path}\nSize: 4 kB\nRss: ${rssKb} kB\nPss: ${rssKb} kB\nAnonymous: ${rssKb} kB\n`;

test('smaps breakdown: brk, arenas (64 MB-aligned, reservation exactly 64 MB), other anonymous, files', () => {
  const text = [
    map('00400000-02000000', 'r-xp', '/usr/bin/node', 30000),
    map('05000000-06400000', 'rw-p', '[heap]', 15000),
    // an arena: 8 MB in use at 0x7f0000000000 (64 MB-aligned), 56 MB reserved after it
    map('7f0000000000-7f0000800000', 'rw-p', '', 3000),
    map('7f0000800000-7f0004000000', '---p', '', 0),
    // aligned too, but its reservation is not 64 MB: a V8 region, not an arena
    map('7f0004000000-7f0004040000', 'rw-p', '', 256),
    map('7f0004040000-7f0004100000', '---p', '', 0),
    // a 64 MB rw mapping at an aligned address: an arena grown to its whole reservation
    map('7f0008000000-7f000c000000', 'rw-p', '', 1000),
    // V8 pages (256 KB) and a thread stack
    map('7f1000040000-7f1000080000', 'rw-p', '', 256),
    map('7f2000000000-7f2000800000', 'rw-p', '', 40),
    map('7fff0000-7fff1000', 'r-xp', '[vdso]', 4),
  ].join('');
  assert.deepEqual(classifySmaps(text), { brkKb: 15000, arenaKb: 4000, arenas: 2, anonKb: 552, fileKb: 30004, totalKb: 49556 });
});
