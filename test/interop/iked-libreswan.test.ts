/**
 * Interop with libreswan's pluto (unpacked from Debian's package, never installed:
 * it conflicts with strongSwan). The host kernel has no ESP, so pluto cannot install
 * its Child SA and answers TS_UNACCEPTABLE: here the IKE SA is what is proven, in
 * both roles, with PSK. (With ESP in the kernel VM the Child SA comes up too.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { Libreswan, libreswanAvailable, pskToLibreswanHex } from './lib/libreswan';
import { REPO, PSK, ikedConf, waitUntil, makeTwoHosts, IkedProcess } from './lib/scenario';

const skip = interopAvailable() ?? libreswanAvailable();

function plutoConn(self: string, peer: string, selfLan: string, peerLan: string, auto: 'add'): string {
  return [
    'conn t',
    '    ikev2=insist',
    '    authby=secret',
    `    left=${self}`,
    '    leftid=@b.test',
    `    leftsubnet=${selfLan}`,
    `    right=${peer}`,
    '    rightid=@a.test',
    `    rightsubnet=${peerLan}`,
    '    ike=aes128-sha2_256;dh19',
    '    esp=aes128-sha2_256',
    `    auto=${auto}`,
  ].join('\n');
}

test('iked <-> libreswan: IKE SA with PSK, iked as initiator and as responder', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  for (const ourRole of ['initiator', 'responder'] as const) {
    await t.test(`iked as ${ourRole}`, async () => {
      const topo = await makeTwoHosts(ourRole === 'initiator' ? 'iil1' : 'iil2');
      let iked: IkedProcess | undefined;
      let pluto: Libreswan | undefined;
      try {
        const { a: A, b: B } = topo;
        pluto = await Libreswan.start({
          ns: B.ns,
          name: 'pluto',
          conns: plutoConn(B.addr, A.addr, B.lan, A.lan, 'add'),
          secrets: `@b.test @a.test : PSK ${pskToLibreswanHex(PSK)}`,
        });
        iked = await IkedProcess.start({
          ns: A.ns,
          repoRoot: REPO,
          conf: ikedConf({
            active: ourRole === 'initiator', local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan,
            ike: 'enc aes-128 auth hmac-sha2-256 prf hmac-sha2-256 group ecp256', esp: 'enc aes-128 auth hmac-sha2-256',
            srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' },
          }),
          extraArgs: ['-v'],
        });
        if (ourRole === 'responder') {
          void pluto.initiate('t').catch(() => undefined);
        }
        const mine = await waitUntil('the IKE SA with pluto', 20_000, async () => (await iked!.showSa()).find((s) => s.state === 'ESTABLISHED') ?? null).catch((e) => {
          throw new Error(`${(e as Error).message}\n--- iked ---\n${iked!.log()}\n--- pluto ---\n${pluto!.log().split('\n').slice(-30).join('\n')}`);
        });
        assert.equal(mine.encr, 'AES_CBC');
        assert.equal(mine.encrKeyBits, 128);
        assert.equal(mine.integ, 'HMAC_SHA2_256_128');
        assert.equal(mine.prf, 'HMAC_SHA2_256');
        assert.equal(mine.dh, 'ECP_256');
        assert.equal(mine.remoteId, 'b.test');
        assert.equal(mine.initiator, ourRole === 'initiator');
        // as initiator, pluto tears its IKE SA down again when its Child SA cannot be installed
        // (no ESP in this kernel): its log is the record that it established the IKE SA with us
        await waitUntil('pluto to log the established IKE SA', 10_000, async () => /established IKE SA/.test(pluto!.log()));
        if (ourRole === 'initiator') {
          const status = await pluto.status();
          assert.match(status, /STATE_V2_ESTABLISHED_IKE_SA/, `pluto must hold an established IKE SA:\n${status}`);
        }
        assert.match(pluto.log(), /established IKE SA; authenticated (peer|using) .*secret|established IKE SA.*authenticated/, 'pluto must have authenticated us with the PSK');
        if (/Protocol not supported/.test(pluto.log())) {
          t.diagnostic('pluto could not install its Child SA: the host kernel lacks ESP (errno 93)');
        } else {
          assert.equal(mine.children.length, 1, 'with ESP in the kernel the Child SA must come up');
        }
      } finally {
        await iked?.stop();
        await pluto?.stop();
        await topo.cleanup();
      }
    });
  }
});
