/** Start-up removal of what a killed iked left: exactly its record, through the adapter it named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelJournal, readKernelRecord, type KernelRecord, type RecordEntry } from '../../src/platform/kernel-record';
import { removeKernelLeftovers, type AdoptingAdapter } from '../../src/platform/kernel-leftovers';
import { InstalledState } from '../../src/platform/installed-state';
import type { KernelFlowSpec } from '../../src/platform/types';

const dir = mkdtempSync(join(tmpdir(), 'crs-leftovers-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `r${n++}`);

const flow = (d: 'in' | 'out'): KernelFlowSpec => ({
  dir: d, src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 3,
});

/** A kernel: a set of objects by key; our adapter over it, on InstalledState like XFRM and PF_KEY. */
function fakeKernel(objects: Set<string>, refuse = new Set<string>()): { opened: string[]; open: (name: string, r: KernelRecord) => Promise<AdoptingAdapter> } {
  const opened: string[] = [];
  return {
    opened,
    open: async (name, record) => {
      opened.push(name);
      const mine = new InstalledState(record);
      const del = async (k: string, gone: string): Promise<void> => {
        if (refuse.has(k)) throw Object.assign(new Error(`${k}: EBUSY`), { code: 'EBUSY' });
        if (!objects.delete(k)) throw Object.assign(new Error(`${k}: ${gone}`), { code: gone });
      };
      const a = {
        name,
        adopt: (e: Iterable<RecordEntry>) => mine.adopt(e),
        flush: () =>
          mine.flush(
            name,
            (f) => del(`policy ${f.dir}`, 'ENOENT'),
            async (s) => {
              try {
                await del(`sa ${s.spi}`, 'ESRCH');
              } finally {
                mine.removed(s.protocol, s.dst, s.spi);
              }
            },
            { flow: ['ENOENT'], sa: ['ESRCH'] },
          ),
        close: async () => undefined,
      };
      return a as unknown as AdoptingAdapter;
    },
  };
}

/** A record as a killed iked (pid `owner`, not running) leaves it. */
function killedIked(path: string, owner: number, entries: Array<[string, RecordEntry]>): void {
  const j = KernelJournal.create(path, { pid: owner });
  j.setAdapter('xfrm');
  for (const [k, e] of entries) j.put(k, e);
}

async function deadPid(): Promise<number> {
  const p = spawn('true');
  await new Promise((r) => p.once('exit', r));
  return p.pid as number;
}

const log = (): { lines: string[]; info(m: string): void; warn(m: string): void } => {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) };
};

test('no record: nothing to do, no adapter opened', async () => {
  const k = fakeKernel(new Set());
  const r = await removeKernelLeftovers(join(dir, 'none'), { ...log(), open: k.open });
  assert.equal(r.remaining.size, 0);
  assert.deepEqual(k.opened, []);
});

test("a killed iked's SAs and policies are removed, a foreign SA and policy are not", async () => {
  const path = fresh();
  killedIked(path, await deadPid(), [
    ['esp/192.0.2.2/0x00000011', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 0x11 } }],
    ['esp/192.0.2.1/0x00000012', { sa: { protocol: 'esp', dst: '192.0.2.1', spi: 0x12 } }],
    ['in 10.1.0.0/24->10.2.0.0/24 proto 0 0->0', { flow: flow('in') }],
    ['out 10.1.0.0/24->10.2.0.0/24 proto 0 0->0', { flow: flow('out') }],
  ]);
  // sa 18 already expired in the kernel (ESRCH: fine); the foreign ones are not ours
  const kernel = new Set(['sa 17', 'policy in', 'policy out', 'sa 30583', 'policy fwd']);
  const k = fakeKernel(kernel);
  const l = log();
  const r = await removeKernelLeftovers(path, { ...l, open: k.open });
  assert.deepEqual(k.opened, ['xfrm'], 'the adapter the record names');
  assert.deepEqual([...kernel].sort(), ['policy fwd', 'sa 30583'], 'only the foreign objects remain');
  assert.equal(r.remaining.size, 0);
  assert.match(l.lines.join('\n'), /^info kernel: removed the 2 SAs and 2 policies left by iked pid \d+ \(xfrm\)$/);
});

test('what cannot be removed is reported and carried, to be tried at the next start', async () => {
  const path = fresh();
  killedIked(path, await deadPid(), [
    ['esp/192.0.2.2/0x00000011', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 0x11 } }],
    ['out 10.1.0.0/24->10.2.0.0/24 proto 0 0->0', { flow: flow('out') }],
  ]);
  const k = fakeKernel(new Set(['sa 17', 'policy out']), new Set(['policy out']));
  const l = log();
  const r = await removeKernelLeftovers(path, { ...l, open: k.open });
  assert.deepEqual([...r.remaining.keys()], ['out 10.1.0.0/24->10.2.0.0/24 proto 0 0->0']);
  assert.equal(r.adapter, 'xfrm');
  assert.match(l.lines.join('\n'), /warn kernel: removing the 1 SAs and 1 policies .*EBUSY.*0 SAs and 1 policies kept in/);
});

test('a record whose writer still runs is not touched: the start is refused', async () => {
  const path = fresh();
  const iked = spawn('sleep', ['30'], { stdio: 'ignore', argv0: 'iked-crs' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    killedIked(path, iked.pid as number, [['esp/192.0.2.2/0x00000011', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 0x11 } }]]);
    const k = fakeKernel(new Set(['sa 17']));
    await assert.rejects(removeKernelLeftovers(path, { ...log(), open: k.open }), new RegExp(`iked pid ${iked.pid} is running`));
    assert.deepEqual(k.opened, []);
    assert.equal(readKernelRecord(path)?.entries.size, 1);
  } finally {
    iked.kill('SIGKILL');
  }
});

test('an adapter that cannot be opened keeps the whole record', async () => {
  const path = fresh();
  killedIked(path, await deadPid(), [['esp/192.0.2.2/0x00000011', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 0x11 } }]]);
  const l = log();
  const r = await removeKernelLeftovers(path, { ...l, open: async () => Promise.reject(new Error('kernel has no ESP support')) });
  assert.equal(r.remaining.size, 1);
  assert.match(l.lines.join('\n'), /warn kernel: cannot remove the 1 SAs and 0 policies .*no ESP support; kept in/);
});
