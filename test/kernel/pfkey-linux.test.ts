/** The Linux PF_KEY (af_key) adapter installs a cbc(aes) + hmac-sha1-96 tunnel that works (inside the VM). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENCR, INTEG } from '../../src/wire/iana';
import { PfkeyAdapter } from '../../src/platform/pfkey';
import { kernelSkipReason } from './kernel-support';
import { LEFT, makeRig, ping, RIGHT, sniffRight, xfrmState, type Rig } from './netns-rig';
import { installTunnel } from './tunnel';

describe('PF_KEY (Linux af_key) adapter', async () => {
  const skip = await kernelSkipReason();
  let rig: Rig | undefined;
  before(() => {
    if (!skip) rig = makeRig('pk');
  });
  after(() => rig?.destroy());

  it('aes-128-cbc + hmac-sha1-96 tunnel: ping works, ESP on the wire, counters', { skip }, async () => {
    assert.ok(rig);
    const l = await PfkeyAdapter.open('pfkey-linux', { netns: rig.leftPath });
    const r = await PfkeyAdapter.open('pfkey-linux', { netns: rig.rightPath });
    try {
      const spi = await l.allocSpi('esp', RIGHT.outer, LEFT.outer);
      assert.ok(spi >= 0x100, `SADB_GETSPI gave 0x${spi.toString(16)}`);
      await l.deleteSa('esp', LEFT.outer, spi);
      await installTunnel(
        l,
        r,
        () => ({ ianaId: ENCR.AES_CBC, keyBits: 128, key: randomBytes(16) }),
        () => ({ ianaId: INTEG.HMAC_SHA1_96, key: randomBytes(20) }),
        0x5001,
        0x5002,
      );
      assert.match(xfrmState(rig.left), /auth-trunc hmac\(sha1\) 0x[0-9a-f]+ 96/);
      const sniffer = await sniffRight(rig);
      assert.equal(await ping(rig, 3), 3);
      const wire = await sniffer?.stop();
      const c = await l.getCounters('esp', RIGHT.outer, 0x5001);
      assert.ok(c.bytes > 0, `SADB_GET current lifetime bytes = ${c.bytes}`);
      if (wire) {
        assert.ok((wire.get(50) ?? 0) >= 3, 'ESP on the wire');
        assert.equal(wire.get(1) ?? 0, 0, 'no cleartext ICMP');
      }
      await assert.rejects(
        l.addSa({
          protocol: 'esp', mode: 'tunnel', src: LEFT.outer, dst: RIGHT.outer, spi: 0x5003, reqid: 9,
          encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: randomBytes(20) }, esn: false, replayWindow: 32,
          lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
        }),
        /Linux PF_KEY cannot do AEAD/,
      );
    } finally {
      await l.flush();
      await r.flush();
      await l.close();
      await r.close();
    }
    assert.doesNotMatch(xfrmState(rig.left), /spi 0x0000500[12]/, 'flush removed the PF_KEY SAs');
  });
});
