import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DecoupledAdapter } from '../../src/platform/decoupled';
import { openKernel } from '../../src/platform/select';
import type { KernelSaSpec } from '../../src/platform/types';

const sa = (spi: number): KernelSaSpec => ({
  protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi, reqid: 1,
  encr: { ianaId: 20, keyBits: 128, key: Buffer.alloc(20, 9) }, esn: true, replayWindow: 128,
  lifetime: { softSeconds: 10, hardSeconds: 20, softBytes: 0, hardBytes: 0 },
});

describe('decoupled adapter', () => {
  it('openKernel({decoupled: true}) and force: decoupled give it', async () => {
    assert.equal((await openKernel({ decoupled: true })).name, 'decoupled');
    assert.equal((await openKernel({ force: 'decoupled' })).name, 'decoupled');
  });
  it('allocSpi returns unique SPIs outside 0..255', async () => {
    const k = new DecoupledAdapter();
    const spis = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const s = await k.allocSpi('esp', '192.0.2.1', '192.0.2.2');
      assert.ok(s >= 256 && s <= 0xffffffff);
      spis.add(s);
    }
    assert.equal(spis.size, 500);
  });
  it('keeps a table, logs what it would install, zero counters, errors like a kernel', async () => {
    const logs: string[] = [];
    const k = new DecoupledAdapter({ log: (m) => logs.push(m) });
    await k.addSa(sa(0x1234));
    await assert.rejects(k.addSa(sa(0x1234)), /already exists \(EEXIST\)/);
    assert.deepEqual(await k.getCounters('esp', '192.0.2.2', 0x1234), { bytes: 0, packets: 0, lastUse: 0 });
    await assert.rejects(k.getCounters('esp', '192.0.2.2', 0x9999), /not found \(ESRCH\)/);
    await k.updateSa({ ...sa(0x1234), replayWindow: 64 });
    assert.equal(k.listSas()[0].replayWindow, 64);
    const f = { dir: 'out' as const, src: '10.0.0.0/8', dst: '10.1.0.0/16', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp' as const, mode: 'tunnel' as const, reqid: 1 };
    await k.addFlow(f);
    // a second Child SA with the same selectors shares the flow (newest template wins)
    await k.addFlow({ ...f, reqid: 2 });
    assert.equal(k.listFlows().length, 1);
    assert.equal(k.listFlows()[0].reqid, 2);
    assert.equal(k.flowHolders(f), 2);
    await k.deleteFlow({ ...f, reqid: 2 });
    assert.equal(k.listFlows()[0].reqid, 1, 'back to the remaining holder');
    await assert.rejects(k.deleteFlow({ ...f, reqid: 7 }), /ENOENT/);
    await k.deleteFlow(f);
    assert.equal(k.listFlows().length, 0, 'gone with the last holder');
    await assert.rejects(k.deleteFlow(f), /ENOENT/);
    assert.ok(logs.some((l) => l.includes('would add SA esp tunnel 192.0.2.1 -> 192.0.2.2 spi 0x1234')));
    assert.ok(!logs.some((l) => l.includes('0909')), 'no key material in logs');
    const stored = k.listSas()[0];
    await k.deleteSa('esp', '192.0.2.2', 0x1234);
    assert.ok(stored.encr?.key.equals(Buffer.alloc(20)), 'key zeroed on delete');
    await k.close();
    await assert.rejects(k.allocSpi('esp', '192.0.2.1', '192.0.2.2'), /closed/);
  });
});
