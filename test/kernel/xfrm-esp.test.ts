/**
 * Real ESP through our XFRM addon (runs inside the qemu VM of ci/linux/run.sh;
 * skips on kernels without ESP): SAs + policies for three algorithms in two
 * namespaces, ping across, ESP on the wire and no cleartext ICMP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENCR, INTEG } from '../../src/wire/iana';
import { XfrmAdapter } from '../../src/platform/xfrm';
import type { KernelSaSpec } from '../../src/platform/types';
import { kernelSkipReason } from './kernel-support';
import { installTunnel } from './tunnel';
import { LEFT, makeRig, ping, RIGHT, sniffRight, type Rig } from './netns-rig';

interface Algo {
  name: string;
  encr: () => KernelSaSpec['encr'];
  integ?: () => KernelSaSpec['integ'];
}

const ALGOS: Algo[] = [
  { name: 'aes-128-gcm-16', encr: () => ({ ianaId: ENCR.AES_GCM_16, keyBits: 128, key: randomBytes(20) }) },
  {
    name: 'aes-256-cbc + hmac-sha2-256-128',
    encr: () => ({ ianaId: ENCR.AES_CBC, keyBits: 256, key: randomBytes(32) }),
    integ: () => ({ ianaId: INTEG.HMAC_SHA2_256_128, key: randomBytes(32) }),
  },
  { name: 'chacha20-poly1305', encr: () => ({ ianaId: ENCR.CHACHA20_POLY1305, keyBits: 256, key: randomBytes(36) }) },
];

describe('XFRM: real ESP tunnels between two namespaces', async () => {
  const skip = await kernelSkipReason();
  let rig: Rig | undefined;
  before(() => {
    if (!skip) rig = makeRig('esp');
  });
  after(() => rig?.destroy());

  for (const [i, algo] of ALGOS.entries()) {
    it(`${algo.name}: ping through the tunnel, ESP on the wire, counters rise`, { skip }, async () => {
      assert.ok(rig);
      const l = await XfrmAdapter.open({ netns: rig.leftPath });
      const r = await XfrmAdapter.open({ netns: rig.rightPath });
      try {
        const spiLR = 0x1000 + i;
        const spiRL = 0x2000 + i;
        await installTunnel(l, r, algo.encr, algo.integ, spiLR, spiRL);
        const sniffer = await sniffRight(rig);
        const replies = await ping(rig, 3);
        const wire = await sniffer?.stop();
        assert.equal(replies, 3, 'all 3 pings answered through the tunnel');
        const outL = await l.getCounters('esp', RIGHT.outer, spiLR);
        const inR = await r.getCounters('esp', RIGHT.outer, spiLR);
        const outR = await r.getCounters('esp', LEFT.outer, spiRL);
        const inL = await l.getCounters('esp', LEFT.outer, spiRL);
        for (const [what, c] of Object.entries({ outL, inR, outR, inL })) {
          assert.ok(c.packets >= 3, `${what}: ${c.packets} packets`);
          assert.ok(c.bytes > 0, `${what}: ${c.bytes} bytes`);
          assert.ok(c.lastUse > 0, `${what}: lastUse set`);
        }
        if (wire) {
          assert.ok((wire.get(50) ?? 0) >= 3, `ESP frames sent by right: ${JSON.stringify([...wire])}`);
          assert.equal(wire.get(1) ?? 0, 0, 'no cleartext ICMP sent by right');
        }
      } finally {
        await l.flush();
        await r.flush();
        await l.close();
        await r.close();
      }
    });
  }
});
