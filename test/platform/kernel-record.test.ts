/** The kernel record: a journal written before installs and after removals, read back after a crash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelJournal, kernelRecordPath, readKernelRecord, recordOwnerAlive, type RecordEntry } from '../../src/platform/kernel-record';
import { InstalledState } from '../../src/platform/installed-state';
import type { KernelFlowSpec } from '../../src/platform/types';

const dir = mkdtempSync(join(tmpdir(), 'crs-record-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `r${n++}`);

const flow = (dir: 'in' | 'out', reqid = 1): KernelFlowSpec => ({
  dir, src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid,
});

test('the path: /var/run/iked.kernel unless IKED_KERNEL_RECORD moves it', () => {
  assert.equal(kernelRecordPath({}), '/var/run/iked.kernel');
  assert.equal(kernelRecordPath({ IKED_KERNEL_RECORD: '/run/x/rec' }), '/run/x/rec');
});

test('a journal left without close() (the process died) reads back as what is still installed', () => {
  const p = fresh();
  const j = KernelJournal.create(p, { pid: 4242 });
  j.setAdapter('xfrm');
  j.put('sa1', { sa: { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2', spi: 0xc0ffee } });
  j.put('sa2', { sa: { protocol: 'esp', dst: '192.0.2.1', spi: 7 } });
  j.put('f1', { flow: flow('out') });
  j.put('f1', { flow: flow('out', 9) }); // replaced template
  j.drop('sa2');
  j.drop('unknown'); // not listed: no line
  const r = readKernelRecord(p);
  assert.ok(r);
  assert.equal(r.owner, 4242);
  assert.equal(r.adapter, 'xfrm');
  assert.equal(r.badLines, 0);
  assert.deepEqual([...r.entries.keys()], ['sa1', 'f1']);
  assert.deepEqual(r.entries.get('sa1'), { sa: { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2', spi: 0xc0ffee } });
  assert.equal((r.entries.get('f1') as { flow: KernelFlowSpec }).flow.reqid, 9);
  assert.equal(readFileSync(p, 'utf8').trim().split('\n').length, 7, 'header, adapter, 4 puts, 1 drop: one line each');
  assert.equal(statSync(p).mode & 0o777, 0o600);
});

test('close() removes an empty record and keeps one that still lists something', () => {
  const p = fresh();
  const j = KernelJournal.create(p);
  j.put('a', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 1 } });
  j.drop('a');
  j.close();
  assert.equal(existsSync(p), false);
  const q = fresh();
  const k = KernelJournal.create(q);
  k.put('a', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 1 } });
  k.close();
  assert.deepEqual([...(readKernelRecord(q)?.entries.keys() ?? [])], ['a']);
});

test('carried entries and adapter survive into the next journal; many removals compact the file', () => {
  const p = fresh();
  const carried = new Map<string, RecordEntry>([['old', { sa: { protocol: 'ah', dst: '2001:db8::1', spi: 0xffffffff } }]]);
  const j = KernelJournal.create(p, { entries: carried, adapter: 'pfkey-linux', pid: 77 });
  for (let i = 0; i < 2000; i++) {
    j.put(`k${i}`, { sa: { protocol: 'esp', dst: '192.0.2.2', spi: i + 1 } });
    j.drop(`k${i}`);
  }
  const lines = readFileSync(p, 'utf8').trim().split('\n').length;
  assert.ok(lines < 600, `compacted: ${lines} lines for 1 live entry after 4000 changes`);
  const r = readKernelRecord(p);
  assert.equal(r?.owner, 77);
  assert.equal(r?.adapter, 'pfkey-linux');
  assert.deepEqual([...(r?.entries.keys() ?? [])], ['old']);
});

test('lines that are not entries (torn, foreign, out of range) are skipped and counted', () => {
  const p = fresh();
  const j = KernelJournal.create(p, { pid: 5 });
  j.put('ok', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 1 } });
  appendFileSync(p, '{"+":"torn","sa":{"proto\n');
  appendFileSync(p, JSON.stringify({ '+': 'neg', sa: { protocol: 'esp', dst: '192.0.2.2', spi: -1 } }) + '\n');
  appendFileSync(p, JSON.stringify({ '+': 'bad-dir', flow: { ...flow('in'), dir: 'sideways' } }) + '\n');
  appendFileSync(p, JSON.stringify({ '+': 'proto', sa: { protocol: 'gre', dst: '192.0.2.2', spi: 1 } }) + '\n');
  appendFileSync(p, '[1,2]\n' + 'x'.repeat(5000) + '\n');
  const r = readKernelRecord(p);
  assert.equal(r?.badLines, 6);
  assert.deepEqual([...(r?.entries.keys() ?? [])], ['ok']);
  assert.equal(readKernelRecord(join(dir, 'absent')), null);
});

test('the owner counts as running only if its pid lives and names iked', async () => {
  assert.equal(recordOwnerAlive(undefined), false);
  assert.equal(recordOwnerAlive(process.pid), false, 'ourselves');
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  const iked = spawn('sleep', ['30'], { stdio: 'ignore', argv0: 'iked-crs' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(recordOwnerAlive(other.pid), false, 'a reused pid of another program');
    assert.equal(recordOwnerAlive(iked.pid), true, 'a running iked');
  } finally {
    other.kill('SIGKILL');
    iked.kill('SIGKILL');
  }
  await new Promise((r) => iked.once('exit', r));
  assert.equal(recordOwnerAlive(iked.pid), false, 'dead');
});

test('InstalledState writes SAs before the kernel call and strikes them off when gone', async () => {
  const p = fresh();
  const j = KernelJournal.create(p);
  const s = new InstalledState(j);
  const sa = { protocol: 'esp' as const, src: '192.0.2.1', dst: '192.0.2.2', spi: 0x100 };
  await s.install(sa, async () => assert.equal(readKernelRecord(p)?.entries.size, 1, 'recorded before the kernel has it'));
  await assert.rejects(s.install({ ...sa, spi: 0x101 }, async () => Promise.reject(new Error('EINVAL'))));
  assert.deepEqual([...j.entries.keys()], ['esp/192.0.2.2/0x00000100'], 'a refused SA is not listed');
  s.allocated({ protocol: 'esp', src: '192.0.2.2', dst: '192.0.2.1', spi: 0x200 });
  await assert.rejects(s.install({ protocol: 'esp', src: '192.0.2.2', dst: '192.0.2.1', spi: 0x200 }, async () => Promise.reject(new Error('EINVAL'))));
  assert.equal(j.entries.size, 2, 'a larval SA that failed its update stays listed (the kernel still has it)');
  s.removed('esp', '192.0.2.2', 0x100);
  s.removed('esp', '192.0.2.1', 0x200);
  assert.equal(j.entries.size, 0);
});

test('InstalledState records policies per selector: shared flows once, struck off with the last holder', async () => {
  const j = KernelJournal.create(fresh());
  const s = new InstalledState(j);
  const kernel: string[] = [];
  const apply = async (op: string, f: KernelFlowSpec): Promise<void> => {
    kernel.push(`${op} ${f.dir} ${f.reqid} listed=${j.entries.size}`);
  };
  await s.addFlow(flow('out', 1), apply);
  await s.addFlow(flow('out', 2), apply); // another holder, another template: update
  assert.deepEqual(kernel, ['add out 1 listed=1', 'update out 2 listed=1']);
  assert.equal((j.entries.get('out 10.1.0.0/24->10.2.0.0/24 proto 0 0->0') as { flow: KernelFlowSpec }).flow.reqid, 2);
  await s.deleteFlow(flow('out', 2), apply);
  assert.equal(j.entries.size, 1, 'the older holder still has the policy');
  await s.deleteFlow(flow('out', 1), apply);
  assert.equal(j.entries.size, 0);
  await assert.rejects(s.addFlow(flow('in'), async () => Promise.reject(new Error('EEXIST'))));
  assert.equal(j.entries.size, 0, 'a refused policy is not listed');
});

test('adopt + flush removes a previous record; a policy the kernel fails to delete stays listed', async () => {
  const mem = KernelJournal.create(fresh());
  const s = new InstalledState(mem);
  const left: RecordEntry[] = [{ sa: { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2', spi: 5 } }, { flow: flow('in') }, { flow: flow('out') }];
  mem.put('esp/192.0.2.2/0x00000005', left[0]);
  mem.put('in 10.1.0.0/24->10.2.0.0/24 proto 0 0->0', left[1]);
  mem.put('out 10.1.0.0/24->10.2.0.0/24 proto 0 0->0', left[2]);
  s.adopt(left);
  const deleted: string[] = [];
  await assert.rejects(
    s.flush(
      't',
      async (f) => {
        deleted.push(f.dir);
        if (f.dir === 'out') throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      },
      async (sa) => {
        deleted.push(`sa ${sa.src}->${sa.dst} ${sa.spi}`);
        s.removed(sa.protocol, sa.dst, sa.spi);
      },
      { flow: ['ENOENT'], sa: ['ESRCH'] },
    ),
    /busy/,
  );
  assert.deepEqual(deleted, ['in', 'out', 'sa 192.0.2.1->192.0.2.2 5']);
  assert.deepEqual([...mem.entries.keys()], ['out 10.1.0.0/24->10.2.0.0/24 proto 0 0->0']);
});

test('a write that fails (full /var/run) is reported once; the entries are still tracked in memory', { skip: !existsSync('/dev/full') && 'needs /dev/full' }, () => {
  const errors: string[] = [];
  const j = KernelJournal.create(fresh(), { onWriteError: (e) => errors.push((e as NodeJS.ErrnoException).code ?? e.message) });
  // the journal's file descriptor now points at a device that is always full
  (j as unknown as { fd: number }).fd = openSync('/dev/full', 'w');
  j.put('a', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 1 } });
  j.put('b', { sa: { protocol: 'esp', dst: '192.0.2.2', spi: 2 } });
  j.drop('a');
  assert.deepEqual(errors, ['ENOSPC']);
  assert.deepEqual([...j.entries.keys()], ['b']);
});
