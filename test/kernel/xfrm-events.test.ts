/**
 * XFRM events through our addon (inside the VM): ACQUIRE for traffic on a
 * policy without SA; soft then hard EXPIRE from short lifetimes, the hard one
 * removing the SA.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENCR } from '../../src/wire/iana';
import { XfrmAdapter } from '../../src/platform/xfrm';
import type { KernelEvent } from '../../src/platform/types';
import { kernelSkipReason } from './kernel-support';
import { LEFT, makeRig, ping, RIGHT, type Rig } from './netns-rig';

function waitFor(events: KernelEvent[], pred: (e: KernelEvent) => boolean, ms: number): Promise<KernelEvent> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      const e = events.find(pred);
      if (e) return resolve(e);
      if (Date.now() - t0 > ms) return reject(new Error(`no matching event in ${ms} ms; got ${JSON.stringify(events)}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('XFRM kernel events', async () => {
  const skip = await kernelSkipReason();
  let rig: Rig | undefined;
  before(() => {
    if (!skip) rig = makeRig('ev');
  });
  after(() => rig?.destroy());

  it('ACQUIRE arrives for a ping on a policy with no SA', { skip }, async () => {
    assert.ok(rig);
    const l = await XfrmAdapter.open({ netns: rig.leftPath });
    const events: KernelEvent[] = [];
    l.onEvent((e) => events.push(e));
    try {
      await l.addFlow({
        dir: 'out',
        src: LEFT.net,
        dst: RIGHT.net,
        proto: 0,
        tunnelSrc: LEFT.outer,
        tunnelDst: RIGHT.outer,
        protocol: 'esp',
        mode: 'tunnel',
        reqid: 42,
      });
      assert.equal(await ping(rig, 1, 1), 0, 'no SA: the ping must not get through');
      const e = await waitFor(events, (x) => x.type === 'acquire', 10000);
      assert.equal(e.type, 'acquire');
      if (e.type !== 'acquire') return;
      assert.equal(e.src, LEFT.outer);
      assert.equal(e.dst, RIGHT.outer);
      assert.equal(e.reqid, 42);
      assert.equal(e.selector.src, `${LEFT.inner}/32`);
      assert.equal(e.selector.dst, `${RIGHT.inner}/32`);
    } finally {
      await l.flush();
      await l.close();
    }
  });

  it('soft then hard EXPIRE from short lifetimes; hard expiry removes the SA', { skip }, async () => {
    assert.ok(rig);
    const l = await XfrmAdapter.open({ netns: rig.leftPath });
    const events: KernelEvent[] = [];
    l.onEvent((e) => events.push(e));
    const spi = 0x3333;
    try {
      await l.addSa({
        protocol: 'esp',
        mode: 'tunnel',
        src: LEFT.outer,
        dst: RIGHT.outer,
        spi,
        reqid: 5,
        encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: randomBytes(20) },
        esn: true,
        replayWindow: 0,
        lifetime: { softSeconds: 2, hardSeconds: 4, softBytes: 0, hardBytes: 0 },
      });
      const c = await l.getCounters('esp', RIGHT.outer, spi);
      assert.equal(c.packets, 0);
      const soft = await waitFor(events, (x) => x.type === 'expire' && !x.hard, 15000);
      assert.deepEqual(soft, { type: 'expire', hard: false, spi, dst: RIGHT.outer, protocol: 'esp' });
      const hard = await waitFor(events, (x) => x.type === 'expire' && x.hard, 15000);
      assert.deepEqual(hard, { type: 'expire', hard: true, spi, dst: RIGHT.outer, protocol: 'esp' });
      await assert.rejects(l.getCounters('esp', RIGHT.outer, spi), /XFRM_MSG_GETSA: .*\(ESRCH\)/);
    } finally {
      await l.flush();
      await l.close();
    }
  });
});
