/**
 * The XFRM adapter against the running kernel, in a private network namespace
 * (root only): policies work on any XFRM kernel; SAs need ESP (the host here
 * has none: NEWSA must fail with a clear EPROTONOSUPPORT error).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { XfrmAdapter } from '../../src/platform/xfrm';
import type { KernelFlowSpec, KernelSaSpec } from '../../src/platform/types';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const ns = `ikhost${process.pid}`;
const nsPath = `/run/netns/${ns}`;
const ip = (...a: string[]): string => execFileSync('ip', ['-n', ns, ...a], { encoding: 'utf8' });

const flow: KernelFlowSpec = {
  dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 6, dport: 443,
  tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 17, priority: 500,
};
const sa: KernelSaSpec = {
  protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 0x1234, reqid: 17,
  encr: { ianaId: 12, keyBits: 128, key: Buffer.alloc(16, 1) }, integ: { ianaId: 12, key: Buffer.alloc(32, 2) },
  esn: false, replayWindow: 32, lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
};

describe('XFRM adapter on this kernel', { skip: root ? false : 'needs root on Linux (network namespace, XFRM netlink)' }, () => {
  before(() => execFileSync('ip', ['netns', 'add', ns]));
  after(() => execFileSync('ip', ['netns', 'del', ns]));

  it('adds, replaces and deletes policies (in/out/fwd) that ip xfrm sees', async () => {
    const x = await XfrmAdapter.open({ netns: nsPath });
    try {
      await x.addFlow(flow);
      await x.addFlow({ ...flow, dir: 'in', src: '10.2.0.0/24', dst: '10.1.0.0/24', tunnelSrc: '192.0.2.2', tunnelDst: '192.0.2.1', dport: undefined, proto: 0 });
      await x.addFlow({ ...flow, dir: 'fwd', src: '10.2.0.0/24', dst: '10.1.0.0/24', tunnelSrc: '192.0.2.2', tunnelDst: '192.0.2.1', proto: 0, dport: undefined, priority: undefined });
      await x.addFlow(flow); // a second holder of the same selector and template: no EEXIST
      const out = ip('xfrm', 'policy');
      assert.match(out, /src 10\.1\.0\.0\/24 dst 10\.2\.0\.0\/24 proto tcp dport 443\s+dir out priority 500/);
      assert.match(out, /tmpl src 192\.0\.2\.1 dst 192\.0\.2\.2\s+proto esp reqid 17 mode tunnel/);
      assert.match(out, /dir in priority/);
      assert.match(out, /dir fwd priority \d+/);
      // a newer Child SA with the same selectors: the policy carries its template, and the older one's again once it goes
      await x.addFlow({ ...flow, reqid: 18 });
      assert.match(ip('xfrm', 'policy'), /dport 443\s+dir out priority 500[^]*?proto esp reqid 18 mode tunnel/);
      await x.deleteFlow({ ...flow, reqid: 18 });
      assert.match(ip('xfrm', 'policy'), /dport 443\s+dir out priority 500[^]*?proto esp reqid 17 mode tunnel/);
      await x.deleteFlow(flow);
      assert.match(ip('xfrm', 'policy'), /dport 443/, 'kept for the remaining holder');
      await x.deleteFlow(flow);
      assert.doesNotMatch(ip('xfrm', 'policy'), /dport 443/);
      await assert.rejects(x.deleteFlow(flow), /XFRM_MSG_DELPOLICY: No such file or directory \(ENOENT\)/);
      await x.flush();
      assert.equal(ip('xfrm', 'policy').trim(), '');
    } finally {
      await x.close();
    }
  });

  it('SAs: installed with ESP, or refused with a clear EPROTONOSUPPORT error', async (t) => {
    const x = await XfrmAdapter.open({ netns: nsPath });
    try {
      let hasEsp = true;
      try {
        await x.addSa(sa);
      } catch (e) {
        hasEsp = false;
        assert.equal((e as Error).message, 'XFRM_MSG_NEWSA: Protocol not supported (EPROTONOSUPPORT)');
        assert.equal((e as NodeJS.ErrnoException).code, 'EPROTONOSUPPORT');
      }
      if (hasEsp) {
        assert.match(ip('xfrm', 'state'), /spi 0x00001234 reqid 17 mode tunnel/);
        assert.deepEqual(await x.getCounters('esp', '192.0.2.2', 0x1234), { bytes: 0, packets: 0, lastUse: 0 });
        await x.deleteSa('esp', '192.0.2.2', 0x1234);
      } else {
        await assert.rejects(XfrmAdapter.open({ netns: nsPath, probeEsp: true }), /^Error: kernel has no ESP support \(is esp4 loaded\?\)/);
        t.diagnostic('this kernel has no ESP: NEWSA refused as expected');
      }
      await assert.rejects(x.getCounters('esp', '192.0.2.2', 0x9876), /XFRM_MSG_GETSA: No such process \(ESRCH\)/);
      const spi = await x.allocSpi('esp', '192.0.2.2', '192.0.2.1');
      assert.ok(spi >= 0x100);
      assert.match(ip('xfrm', 'state'), new RegExp(`spi 0x${spi.toString(16).padStart(8, '0')}`));
      await x.flush();
      assert.equal(ip('xfrm', 'state').trim(), '', 'flush removed the larval SA of allocSpi');
    } finally {
      await x.close();
    }
  });

  it('a closed adapter refuses work; opening in a missing namespace is a clear error', async () => {
    const x = await XfrmAdapter.open({ netns: nsPath });
    await x.close();
    await assert.rejects(x.addFlow(flow), /XFRM adapter is closed/);
    await assert.rejects(XfrmAdapter.open({ netns: '/run/netns/does-not-exist' }), /open network namespace \/run\/netns\/does-not-exist: No such file or directory \(ENOENT\)/);
  });
});
