/**
 * The peer restarts (inside ci/linux/run.sh, real ESP): strongSwan's charon
 * (kernel-netlink) initiates to our iked (XFRM, responder); the tunnel is up. charon
 * is killed with SIGKILL (no DELETE reaches us) and started again; its new IKE_AUTH
 * carries INITIAL_CONTACT. Ours must delete the old IKE SA and its Child SAs, the new
 * tunnel carries a ping, and our kernel holds exactly the new Child SA pair and the
 * same policies as before: nothing stale.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TwoHosts } from '../interop/lib/netns';
import type { Charon } from '../interop/lib/charon';
import type { IkedProcess, OurSa } from '../interop/lib/iked-process';
import { charonSkipReason, kernelIkedConf, lanPing, startCharon, startIked, tails, topology, until, xfrmPolicies, xfrmStates, type SwanOpts } from './lib/daemon-rig';

const hex8 = (s: string): string => s.replace(/^0x/, '').toLowerCase().padStart(8, '0');

describe('the peer restarts: INITIAL_CONTACT', async () => {
  const skip = await charonSkipReason();
  let t: TwoHosts | undefined;
  let iked: IkedProcess | undefined;
  let c1: Charon | undefined;
  let c2: Charon | undefined;
  const detail = (): string => tails({ 'iked.log': iked?.log() ?? '', 'charon (1) log': c1?.log() ?? '', 'charon (2) log': c2?.log() ?? '' });
  after(async () => {
    await iked?.stop();
    await c1?.stop();
    await c2?.stop();
    await t?.cleanup();
  });

  it('SIGKILL + restart of charon: the old SAs leave our kernel, the new tunnel carries a ping', { skip, timeout: 240_000 }, async () => {
    t = await topology('kdpr');
    const topo = t;
    const swan = (name: string): SwanOpts => ({
      ns: topo.b.ns, name, local: topo.b.addr, remote: topo.a.addr, localLan: topo.b.lan, remoteLan: topo.a.lan,
      localId: 'b.test', remoteId: 'a.test', ike: 'aes128gcm16-prfsha256-ecp256', esp: 'aes128gcm16',
    });
    iked = await startIked(topo.a.ns, kernelIkedConf({ active: false, local: topo.a.addr, peer: topo.b.addr, localLan: topo.a.lan, remoteLan: topo.b.lan, srcid: 'a.test', dstid: 'b.test', ike: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256', esp: 'enc aes-128-gcm' }));
    const ours = iked;
    await ours.waitForLog(/kernel: xfrm/, 30_000);
    const established = async (): Promise<OurSa[]> => (await ours.showSa().catch(() => [] as OurSa[])).filter((s) => s.state === 'ESTABLISHED' && s.children.length > 0);

    c1 = await startCharon(swan('sw-1'));
    await c1.loadAll();
    const r1 = await c1.initiate('net', 't', 60);
    assert.equal(r1.code, 0, `swanctl --initiate failed:\n${r1.out}\n${detail()}`);
    await until(async () => (await established()).length === 1, 90_000, 'the first IKE SA', detail);
    const [old] = await established();
    const p1 = await lanPing(topo, 3);
    assert.ok(p1.received >= 2, `ping through the first tunnel: ${p1.received}/3\n${p1.out}\n${detail()}`);
    const polBefore = await xfrmPolicies(topo.a.ns);
    const oldSpis = old.children.flatMap((c) => [hex8(c.spiIn), hex8(c.spiOut)]);
    assert.deepEqual((await xfrmStates(topo.a.ns)).map((s) => s.spi).sort(), [...oldSpis].sort());

    // charon dies without a word, and comes back with the same configuration
    process.kill(c1.pid, 'SIGKILL');
    await until(() => { try { process.kill((c1 as Charon).pid, 0); return false; } catch { return true; } }, 10_000, 'charon to die');
    c2 = await startCharon(swan('sw-2'));
    await c2.loadAll();
    const r2 = await c2.initiate('net', 't', 60);
    assert.equal(r2.code, 0, `swanctl --initiate (restarted) failed:\n${r2.out}\n${detail()}`);

    await until(async () => {
      const e = await established();
      return e.length === 1 && e[0].ikeSpiI !== old.ikeSpiI;
    }, 60_000, 'only the new IKE SA', detail);
    assert.match(c2.log(), /IKE_AUTH request 1 \[[^\]]*N\(INIT_CONTACT\)/, 'the restarted charon sent INITIAL_CONTACT');
    assert.match(ours.log(), new RegExp(`deleted IKE SA with ${topo.b.addr.replace(/\./g, '\\.')}\\S*: INITIAL_CONTACT from peer`), detail());
    const [now] = await established();
    const p2 = await lanPing(topo, 3);
    assert.ok(p2.received >= 2, `ping through the new tunnel: ${p2.received}/3\n${p2.out}\n${detail()}`);

    const states = await xfrmStates(topo.a.ns);
    const newSpis = now.children.flatMap((c) => [hex8(c.spiIn), hex8(c.spiOut)]);
    assert.deepEqual(states.map((s) => s.spi).sort(), [...newSpis].sort(), `exactly the new pair in our kernel:\n${states.map((s) => s.text).join('\n')}`);
    assert.ok(states.every((s) => s.packets >= 2), 'the new pair carried the ping');
    const polAfter = await xfrmPolicies(topo.a.ns);
    assert.equal(polAfter.length, polBefore.length, `our policies, once each:\n${polAfter.join('\n')}`);
    const reqid = states[0].reqid;
    assert.ok(polAfter.every((p) => p.includes(`reqid ${reqid}`)), `the policies point at the new SAs' reqid ${reqid}`);
    console.log(`# ${oldSpis.length} old SAs replaced by ${newSpis.length}; ${polAfter.length} policies before and after`);
  });
});
