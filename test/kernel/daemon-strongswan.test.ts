/**
 * Our daemon end to end with the real kernel (run inside ci/linux/run.sh): iked
 * with the XFRM adapter (no `set decouple`) against strongSwan's charon with
 * kernel-netlink, for three ESP algorithms and both roles. Each case: the IKE SA
 * and Child SA come up, a ping between the two LANs passes, gateway a sends ESP
 * and no cleartext ICMP, the kernel's SAs carry the chosen algorithm and count
 * the pings, and after SIGTERM the kernel holds none of our SAs or policies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TwoHosts } from '../interop/lib/netns';
import type { Charon } from '../interop/lib/charon';
import type { IkedProcess, OurSa } from '../interop/lib/iked-process';
import { runCommand } from '../interop/lib/run-command';
import {
  charonSkipReason,
  countSentFrames,
  establishedChild,
  kernelIkedConf,
  lanPing,
  startCharon,
  startIked,
  tails,
  topology,
  until,
  xfrmPolicyText,
  xfrmStates,
} from './lib/daemon-rig';

interface Alg {
  label: string;
  iked: string;
  swan: string;
  /** what `ip xfrm state` shows for the SA */
  kernel: RegExp[];
}

const IKE_IKED = 'enc aes-128-gcm prf hmac-sha2-256 group ecp256';
const IKE_SWAN = 'aes128gcm16-prfsha256-ecp256';

const ALGS: Alg[] = [
  { label: 'aes-128-gcm-16', iked: 'enc aes-128-gcm', swan: 'aes128gcm16', kernel: [/aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{40}(?: \(\d+ bits\))? 128/] },
  {
    label: 'aes-256-cbc + hmac-sha2-256-128',
    iked: 'enc aes-256 auth hmac-sha2-256',
    swan: 'aes256-sha256',
    kernel: [/auth-trunc hmac\(sha256\) 0x[0-9a-f]{64}(?: \(\d+ bits\))? 128/, /enc cbc\(aes\) 0x[0-9a-f]{64}(?: \(\d+ bits\))?/],
  },
  { label: 'chacha20-poly1305', iked: 'enc chacha20-poly1305', swan: 'chacha20poly1305', kernel: [/aead rfc7539esp\(chacha20,poly1305\) 0x[0-9a-f]{72}(?: \(\d+ bits\))? 128/] },
];

const hex8 = (s: string): string => s.replace(/^0x/, '').toLowerCase().padStart(8, '0');

describe('iked (XFRM) <-> strongSwan (kernel-netlink): real ESP', { concurrency: 1 }, async () => {
  const skip = await charonSkipReason();
  let t: TwoHosts | undefined;
  before(async () => {
    if (!skip) t = await topology('kdsw');
  });
  after(async () => {
    await t?.cleanup();
  });

  for (const alg of ALGS) {
    for (const oursInitiates of [true, false]) {
      it(`${alg.label}, ours ${oursInitiates ? 'initiator' : 'responder'}`, { skip, timeout: 180_000 }, async () => {
        assert.ok(t);
        const topo = t;
        let charon: Charon | undefined;
        let iked: IkedProcess | undefined;
        const detail = (): string => tails({ 'iked.log': iked?.log() ?? '', 'charon.log': charon?.log() ?? '' });
        try {
          charon = await startCharon({
            ns: topo.b.ns,
            name: `sw-${ALGS.indexOf(alg)}-${oursInitiates ? 'r' : 'i'}`,
            local: topo.b.addr,
            remote: topo.a.addr,
            localLan: topo.b.lan,
            remoteLan: topo.a.lan,
            localId: 'b.test',
            remoteId: 'a.test',
            ike: IKE_SWAN,
            esp: alg.swan,
          });
          await charon.loadAll();
          iked = await startIked(
            topo.a.ns,
            kernelIkedConf({
              active: oursInitiates,
              local: topo.a.addr,
              peer: topo.b.addr,
              localLan: topo.a.lan,
              remoteLan: topo.b.lan,
              srcid: 'a.test',
              dstid: 'b.test',
              ike: IKE_IKED,
              esp: alg.iked,
            }),
          );
          const ours = iked;
          await ours.waitForLog(/kernel: xfrm/, 30_000);
          if (!oursInitiates) {
            const r = await charon.initiate('net', 't', 60);
            assert.equal(r.code, 0, `swanctl --initiate failed:\n${r.out}\n${detail()}`);
          }
          let sa: OurSa | undefined;
          await until(async () => (sa = await establishedChild(ours)) !== undefined, 90_000, 'an established IKE SA with a Child SA', detail);
          assert.ok(sa);
          assert.equal(sa.initiator, oursInitiates);
          const child = sa.children[0];

          const sniff = await countSentFrames(topo.a.ns, topo.a.outIf);
          const p = await lanPing(topo, 5);
          const frames = await sniff?.stop();
          assert.ok(p.received >= 4, `ping through the tunnel: ${p.received}/5 replies\n${p.out}\n${detail()}`);

          // the kernel holds both SAs with the negotiated algorithm, and they counted the pings
          const states = await xfrmStates(topo.a.ns);
          const inSa = states.find((s) => s.spi === hex8(child.spiIn));
          const outSa = states.find((s) => s.spi === hex8(child.spiOut));
          assert.ok(inSa && outSa, `SAs 0x${child.spiIn} / 0x${child.spiOut} not in ip xfrm state:\n${states.map((s) => s.text).join('\n')}`);
          assert.equal(inSa.src, topo.b.addr);
          assert.equal(outSa.dst, topo.b.addr);
          for (const re of alg.kernel) assert.match(outSa.text, re);
          assert.ok(outSa.packets >= 4, `outbound SA counted ${outSa.packets} packets`);
          assert.ok(inSa.packets >= 4, `inbound SA counted ${inSa.packets} packets`);
          // on the wire: ESP, no cleartext ICMP (the sniffer needs python3)
          if (frames) {
            assert.ok((frames.get(50) ?? 0) >= 4, `gateway a sent ${frames.get(50) ?? 0} ESP frames (${[...frames].join(' ')})`);
            assert.equal(frames.get(1) ?? 0, 0, 'cleartext ICMP left gateway a');
          }
          // policies: ours are in the kernel with the SA's reqid
          const pol = await xfrmPolicyText(topo.a.ns);
          assert.match(pol, new RegExp(`src ${topo.a.lan.replace(/\./g, '\\.')} dst ${topo.b.lan.replace(/\./g, '\\.')}[^]*?dir out[^]*?reqid ${outSa.reqid}`));

          // SIGTERM: nothing of ours stays in the kernel
          await ours.stop({ keepFiles: true });
          const left = await xfrmStates(topo.a.ns);
          assert.deepEqual(
            left.filter((s) => s.spi === inSa.spi || s.spi === outSa.spi),
            [],
            'our SAs survived the daemon',
          );
          assert.doesNotMatch(await xfrmPolicyText(topo.a.ns), /10\.1\.0\.0\/24/, 'our policies survived the daemon');
        } finally {
          await iked?.stop();
          await charon?.stop();
          // charon's own kernel state must not leak into the next case
          await runCommand(['ip', '-n', topo.b.ns, 'xfrm', 'state', 'flush']);
          await runCommand(['ip', '-n', topo.b.ns, 'xfrm', 'policy', 'flush']);
          await runCommand(['ip', '-n', topo.a.ns, 'xfrm', 'state', 'flush']);
          await runCommand(['ip', '-n', topo.a.ns, 'xfrm', 'policy', 'flush']);
        }
      });
    }
  }
});
