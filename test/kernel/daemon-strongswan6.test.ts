/**
 * Post-quantum with real ESP (run inside ci/linux/run.sh): our iked (XFRM) against
 * strongSwan 6.0.1 with ML-KEM (kernel-netlink), both roles. x25519 + ML-KEM-768 for the
 * IKE SA (IKE_INTERMEDIATE); charon rekeys the Child SA with x25519 + ML-KEM-768
 * (CREATE_CHILD_SA + IKE_FOLLOWUP_KE), and the pings then pass through the NEW SAs: both
 * sides derived the same KEYMAT from g^ir | Ni | Nr | SK(ML-KEM) (RFC 9370 2.2.4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TwoHosts } from '../interop/lib/netns';
import type { Charon } from '../interop/lib/charon';
import type { IkedProcess, OurSa } from '../interop/lib/iked-process';
import { runCommand } from '../interop/lib/run-command';
import { SW6, SW6_PLUGINS, strongswan6Available } from '../interop/lib/strongswan6';
import { daemonSkipReason, establishedChild, kernelIkedConf, lanPing, startCharon, startIked, tails, topology, until, xfrmStates } from './lib/daemon-rig';

const hex8 = (s: string): string => s.replace(/^0x/, '').toLowerCase().padStart(8, '0');
const SW6_KERNEL_PLUGINS = SW6_PLUGINS.filter((p) => p !== 'kernel-libipsec');

async function skipReason(): Promise<string | undefined> {
  const r = await daemonSkipReason();
  if (r) return r;
  try {
    return strongswan6Available() ?? undefined;
  } catch (e) {
    return (e as Error).message; // CI without the build: say so (the interop test fails on it)
  }
}

describe('iked (XFRM) <-> strongSwan 6 (kernel-netlink): ML-KEM with real ESP', { concurrency: 1 }, async () => {
  const skip = await skipReason();
  let t: TwoHosts | undefined;
  before(async () => {
    if (!skip) t = await topology('kdpq');
  });
  after(async () => {
    await t?.cleanup();
  });

  for (const oursInitiates of [true, false]) {
    it(`x25519 + ML-KEM-768, ours ${oursInitiates ? 'initiator' : 'responder'}; Child SA rekeyed by strongSwan with ML-KEM`, { skip, timeout: 240_000 }, async () => {
      assert.ok(t);
      const topo = t;
      let charon: Charon | undefined;
      let iked: IkedProcess | undefined;
      const detail = (): string => tails({ 'iked.log': iked?.log() ?? '', 'charon.log': charon?.log() ?? '' });
      try {
        charon = await startCharon({
          ns: topo.b.ns,
          name: `sw6-${oursInitiates ? 'r' : 'i'}`,
          local: topo.b.addr,
          remote: topo.a.addr,
          localLan: topo.b.lan,
          remoteLan: topo.a.lan,
          localId: 'b.test',
          remoteId: 'a.test',
          ike: 'aes256gcm16-prfsha384-x25519-ke1_mlkem768',
          esp: 'aes128gcm16-x25519-ke1_mlkem768',
          install: SW6,
          plugins: SW6_KERNEL_PLUGINS,
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
            ike: 'enc aes-256-gcm prf hmac-sha2-384 group curve25519 ke1 mlkem768',
            esp: 'enc aes-128-gcm group curve25519 ke1 mlkem768',
          }),
        );
        const ours = iked;
        await ours.waitForLog(/kernel: xfrm/, 30_000);
        if (!oursInitiates) {
          const r = await charon.initiate('net', 't', 60);
          assert.equal(r.code, 0, `swanctl --initiate failed:\n${r.out}\n${detail()}`);
        }
        let sa: OurSa | undefined;
        await until(async () => (sa = await establishedChild(ours)) !== undefined, 120_000, 'an established IKE SA with a Child SA', detail);
        assert.ok(sa);
        assert.deepEqual(sa.addKe, ['ML_KEM_768'], 'the IKE SA used ML-KEM-768 in IKE_INTERMEDIATE');
        let p = await lanPing(topo, 5);
        assert.ok(p.received >= 4, `ping through the first Child SA: ${p.received}/5\n${p.out}\n${detail()}`);

        // charon rekeys the Child SA: x25519 in CREATE_CHILD_SA, ML-KEM-768 in IKE_FOLLOWUP_KE
        const old = sa.children[0].spiIn;
        const r = await charon.swanctl(['--rekey', '--child', 'net'], 60_000);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        let fresh: OurSa | undefined;
        await until(async () => {
          const s = await establishedChild(ours);
          if (s && s.children.length === 1 && s.children[0].spiIn !== old) fresh = s;
          return fresh !== undefined;
        }, 120_000, 'the rekeyed Child SA', detail);
        assert.ok(fresh);
        const child = fresh.children[0];
        assert.deepEqual(child.addKe, ['ML_KEM_768'], 'the rekeyed Child SA used ML-KEM-768');
        assert.match(charon.log(), /generating IKE_FOLLOWUP_KE request \d+ \[ KE N\(ADD_KE\) \]/);
        await until(async () => !(await xfrmStates(topo.a.ns)).some((s) => s.spi === hex8(old)), 30_000, 'the old SAs to go', detail);
        p = await lanPing(topo, 5);
        assert.ok(p.received >= 4, `ping through the rekeyed Child SA: ${p.received}/5\n${p.out}\n${detail()}`);
        const states = await xfrmStates(topo.a.ns);
        const inSa = states.find((s) => s.spi === hex8(child.spiIn));
        const outSa = states.find((s) => s.spi === hex8(child.spiOut));
        assert.ok(inSa && outSa, `new SAs not in ip xfrm state:\n${states.map((s) => s.text).join('\n')}`);
        assert.ok(inSa.packets >= 4 && outSa.packets >= 4, `the new SAs carried the pings (in ${inSa.packets}, out ${outSa.packets}): same keys on both sides`);
      } finally {
        await iked?.stop();
        await charon?.stop();
        for (const ns of [topo.a.ns, topo.b.ns]) {
          await runCommand(['ip', '-n', ns, 'xfrm', 'state', 'flush']);
          await runCommand(['ip', '-n', ns, 'xfrm', 'policy', 'flush']);
        }
      }
    });
  }
});
