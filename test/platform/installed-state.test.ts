import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstalledState, type OwnedSa } from '../../src/platform/installed-state';
import type { KernelFlowSpec } from '../../src/platform/types';

const flow = (dir: 'in' | 'out'): KernelFlowSpec => ({
  dir, src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 1,
});

test('larval after allocation, installed after add, gone after removal or hard expiry', () => {
  const s = new InstalledState();
  s.allocated({ protocol: 'esp', src: '192.0.2.2', dst: '192.0.2.1', spi: 0x1234 });
  assert.equal(s.isLarval('esp', '192.0.2.1', 0x1234), true);
  s.installed({ protocol: 'esp', src: '192.0.2.2', dst: '192.0.2.1', spi: 0x1234 });
  assert.equal(s.isLarval('esp', '192.0.2.1', 0x1234), false);
  assert.equal(s.sa('esp', '192.0.2.1', 0x1234)?.src, '192.0.2.2');
  s.removed('esp', '192.0.2.1', 0x1234);
  assert.equal(s.sa('esp', '192.0.2.1', 0x1234), undefined);
});

test('flush deletes every flow and SA of ours, ignores "already gone", reports the rest', async () => {
  const s = new InstalledState();
  s.installed({ protocol: 'esp', dst: '192.0.2.1', spi: 1 });
  s.installed({ protocol: 'esp', dst: '192.0.2.2', spi: 2 });
  s.allocated({ protocol: 'ah', dst: '192.0.2.2', spi: 3 });
  const kernel: string[] = [];
  const apply = async (op: string, f: KernelFlowSpec): Promise<void> => void kernel.push(`${op} ${f.dir} ${f.reqid}`);
  await s.addFlow(flow('in'), apply);
  await s.addFlow(flow('out'), apply);
  await s.addFlow(flow('out'), apply); // same flow, same template, twice: one policy, deleted once
  assert.deepEqual(kernel, ['add in 1', 'add out 1']);
  const flowsDeleted: string[] = [];
  const sasDeleted: number[] = [];
  const err = (code: string): Error => Object.assign(new Error(`failed with ${code}`), { code });
  await assert.rejects(
    s.flush(
      'test',
      async (f) => {
        flowsDeleted.push(f.dir);
        if (f.dir === 'in') throw err('ENOENT'); // already gone: fine
      },
      async (sa: OwnedSa) => {
        sasDeleted.push(sa.spi);
        s.removed(sa.protocol, sa.dst, sa.spi);
        if (sa.spi === 2) throw err('ESRCH'); // already gone: fine
        if (sa.spi === 3) throw err('EPERM'); // a real error: reported
      },
      { flow: ['ENOENT'], sa: ['ESRCH'] },
    ),
    /^Error: test flush: failed with EPERM$/,
  );
  assert.deepEqual(flowsDeleted.sort(), ['in', 'out']);
  assert.deepEqual(sasDeleted.sort(), [1, 2, 3]);
  // nothing left to flush
  await s.flush('test', async () => assert.fail('no flow left'), async () => assert.fail('no SA left'), { flow: [], sa: [] });
});

test('flows with identical selectors: the newest template is installed, the policy goes with the last holder', async () => {
  const s = new InstalledState();
  const kernel: string[] = [];
  const apply = async (op: string, f: KernelFlowSpec): Promise<void> => void kernel.push(`${op} reqid ${f.reqid} -> ${f.tunnelDst}`);
  const a = flow('out');
  const b = { ...flow('out'), reqid: 2 };
  const c = { ...flow('out'), reqid: 3, tunnelDst: '192.0.2.3' };
  await s.addFlow(a, apply);
  await s.addFlow(b, apply);
  await s.addFlow(c, apply);
  assert.equal(s.flowHolders(a), 3);
  assert.deepEqual(kernel.splice(0), ['add reqid 1 -> 192.0.2.2', 'update reqid 2 -> 192.0.2.2', 'update reqid 3 -> 192.0.2.3']);
  await s.deleteFlow(b, apply); // not the installed one: nothing changes in the kernel
  assert.deepEqual(kernel.splice(0), []);
  await assert.rejects(s.deleteFlow(b, apply), /not held/, 'a holder lets go once');
  await s.deleteFlow(c, apply); // the installed one: back to the newest remaining
  assert.deepEqual(kernel.splice(0), ['update reqid 1 -> 192.0.2.2']);
  await s.deleteFlow(a, apply); // the last: the policy goes
  assert.deepEqual(kernel.splice(0), ['delete reqid 1 -> 192.0.2.2']);
  assert.equal(s.flowHolders(a), 0);
});

test('a refused flow is not recorded; a flow of nobody of ours is asked of the kernel', async () => {
  const s = new InstalledState();
  const refuse = async (): Promise<void> => {
    throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
  };
  await assert.rejects(s.addFlow(flow('out'), refuse), /EEXIST/);
  assert.equal(s.flowHolders(flow('out')), 0);
  await s.addFlow(flow('out'), async () => undefined);
  await assert.rejects(s.addFlow({ ...flow('out'), reqid: 9 }, refuse), /EEXIST/);
  assert.equal(s.flowHolders(flow('out')), 1, 'the refused second holder is not kept');
  const asked: string[] = [];
  await s.deleteFlow(flow('in'), async (op, f) => void asked.push(`${op} ${f.dir}`));
  assert.deepEqual(asked, ['delete in']);
});
