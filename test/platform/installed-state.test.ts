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
  s.flowAdded(flow('in'));
  s.flowAdded(flow('out'));
  s.flowAdded(flow('out')); // same flow twice: deleted once
  const flowsDeleted: string[] = [];
  const sasDeleted: number[] = [];
  const err = (code: string): Error => Object.assign(new Error(`failed with ${code}`), { code });
  await assert.rejects(
    s.flush(
      'test',
      async (f) => {
        flowsDeleted.push(f.dir);
        s.flowRemoved(f);
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
