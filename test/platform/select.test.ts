import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openKernel } from '../../src/platform/select';

describe('adapter selection', () => {
  it('unknown platforms get a clear error', async () => {
    await assert.rejects(openKernel({ platform: 'win32' }), /no kernel IPsec adapter for platform 'win32' \(use 'set decouple'\)/);
  });
  it('XFRM cannot be forced outside Linux', async () => {
    await assert.rejects(openKernel({ platform: 'openbsd', force: 'xfrm' }), /XFRM netlink exists only on Linux/);
    await assert.rejects(openKernel({ platform: 'darwin', force: 'xfrm' }), /only on Linux \(this is darwin\)/);
  });
  it('Linux: the adapter of this kernel, or a clear error naming both interfaces', async (t) => {
    if (process.platform !== 'linux') return t.skip('Linux only');
    if (process.getuid?.() !== 0) return t.skip('needs root (XFRM netlink)');
    try {
      const k = await openKernel({});
      assert.ok(['xfrm', 'pfkey-linux'].includes(k.name));
      await k.close();
    } catch (e) {
      // this host: XFRM netlink without ESP, and no PF_KEY
      assert.match((e as Error).message, /XFRM: kernel has no ESP support \(is esp4 loaded\?\): XFRM_MSG_NEWSA: Protocol not supported \(EPROTONOSUPPORT\)/);
      assert.match((e as Error).message, /PF_KEY: kernel has no PF_KEY support \(is af_key loaded\?\).*\(EAFNOSUPPORT\)/);
      assert.match((e as Error).message, /use 'set decouple'/);
    }
  });
  it('forcing PF_KEY on a kernel without af_key says so', async (t) => {
    if (process.platform !== 'linux') return t.skip('Linux only');
    try {
      const k = await openKernel({ force: 'pfkey' });
      assert.equal(k.name, 'pfkey-linux');
      await k.close();
    } catch (e) {
      assert.match((e as Error).message, /^kernel has no PF_KEY support \(is af_key loaded\?\): socket\(PF_KEY, SOCK_RAW, PF_KEY_V2\).*Address family not supported by protocol \(EAFNOSUPPORT\)/);
    }
  });
});
