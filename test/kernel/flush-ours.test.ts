/** flush() removes only what the adapter installed (inside the VM). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENCR, INTEG } from '../../src/wire/iana';
import { XfrmAdapter } from '../../src/platform/xfrm';
import { kernelSkipReason } from './kernel-support';
import { ipIn, LEFT, makeRig, RIGHT, xfrmPolicy, xfrmState, type Rig } from './netns-rig';

describe('flush() removes only our SAs and policies', async () => {
  const skip = await kernelSkipReason();
  let rig: Rig | undefined;
  before(() => {
    if (!skip) rig = makeRig('fl');
  });
  after(() => rig?.destroy());

  it('a foreign SA and policy added with ip xfrm survive', { skip }, async () => {
    assert.ok(rig);
    ipIn(rig.left, 'xfrm', 'state', 'add', 'src', LEFT.outer, 'dst', RIGHT.outer, 'proto', 'esp', 'spi', '0x7777',
      'mode', 'tunnel', 'enc', 'cbc(aes)', '0x' + '11'.repeat(16), 'auth-trunc', 'hmac(sha256)', '0x' + '22'.repeat(32), '128');
    ipIn(rig.left, 'xfrm', 'policy', 'add', 'src', '10.9.0.0/16', 'dst', '10.8.0.0/16', 'dir', 'out',
      'tmpl', 'src', LEFT.outer, 'dst', RIGHT.outer, 'proto', 'esp', 'mode', 'tunnel');
    const l = await XfrmAdapter.open({ netns: rig.leftPath });
    try {
      await l.addSa({
        protocol: 'esp', mode: 'tunnel', src: LEFT.outer, dst: RIGHT.outer, spi: 0x8888, reqid: 3,
        encr: { ianaId: ENCR.AES_CBC, keyBits: 128, key: randomBytes(16) },
        integ: { ianaId: INTEG.HMAC_SHA2_256_128, key: randomBytes(32) },
        esn: false, replayWindow: 64, lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
      });
      const spi = await l.allocSpi('esp', RIGHT.outer, LEFT.outer);
      await l.addFlow({ dir: 'out', src: LEFT.net, dst: RIGHT.net, proto: 0, tunnelSrc: LEFT.outer, tunnelDst: RIGHT.outer,
        protocol: 'esp', mode: 'tunnel', reqid: 3 });
      const before = xfrmState(rig.left);
      assert.match(before, /spi 0x00008888/);
      assert.match(before, new RegExp(`spi 0x${spi.toString(16).padStart(8, '0')}`));
      assert.match(before, /replay-window 0 .*\n[\s\S]*auth-trunc hmac\(sha256\)/);
      await l.flush();
      const st = xfrmState(rig.left);
      const pol = xfrmPolicy(rig.left);
      assert.match(st, /spi 0x00007777/, 'foreign SA survives');
      assert.doesNotMatch(st, /spi 0x00008888/, 'our SA is gone');
      assert.doesNotMatch(st, new RegExp(`spi 0x${spi.toString(16).padStart(8, '0')}`), 'our larval SA is gone');
      assert.match(pol, /src 10\.9\.0\.0\/16 dst 10\.8\.0\.0\/16/, 'foreign policy survives');
      assert.doesNotMatch(pol, /198\.51\.100\.0\/24/, 'our policy is gone');
    } finally {
      await l.close();
    }
  });
});
