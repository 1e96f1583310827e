/**
 * A privilege-separated daemon whose child dies (inside ci/linux/run.sh, real ESP):
 * gateway a runs privilege-separated with the XFRM adapter, b as one process. Once
 * the tunnel is up and a ping passes as ESP, one of a's children (engine, ca,
 * control) is killed with SIGKILL: a must exit saying which child died and why, its
 * other children must go with it, and its SAs and policies must be gone from the
 * kernel and from its kernel record (which listed them while a ran). One daemon per child.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKernelRecord } from '../../src/platform/kernel-record';
import type { TwoHosts } from '../interop/lib/netns';
import type { IkedProcess } from '../interop/lib/iked-process';
import { daemonSkipReason, establishedChild, kernelIkedConf, lanPing, startIked, tails, topology, until, xfrmPolicyText, xfrmStates } from './lib/daemon-rig';
import { alive, childrenOf } from '../helpers/proc-tree';

const IKE = 'enc aes-128-gcm prf hmac-sha2-256 group ecp256';
const ESP = 'enc aes-128-gcm';

for (const role of ['engine', 'ca', 'control'] as const) {
  describe(`privsep: SIGKILL of the ${role}`, async () => {
    const skip = await daemonSkipReason();
    let t: TwoHosts | undefined;
    let a: IkedProcess | undefined;
    let b: IkedProcess | undefined;
    const detail = (): string => tails({ 'a iked.log': a?.log() ?? '', 'b iked.log': b?.log() ?? '' });
    const dir = mkdtempSync(join(tmpdir(), `crs-child-${role}-`));
    const record = join(dir, 'iked.kernel');
    after(async () => {
      await a?.stop();
      await b?.stop();
      await t?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`the daemon exits with the reason, its other children go, nothing of it stays in the kernel`, { skip, timeout: 240_000 }, async () => {
      t = await topology(`kdk${role[0]}`);
      b = await startIked(t.b.ns, kernelIkedConf({ active: false, local: t.b.addr, peer: t.a.addr, localLan: t.b.lan, remoteLan: t.a.lan, srcid: 'b.test', dstid: 'a.test', ike: IKE, esp: ESP }));
      // a privilege-separated (the rig's default is one process)
      a = await startIked(t.a.ns, kernelIkedConf({ active: true, local: t.a.addr, peer: t.b.addr, localLan: t.a.lan, remoteLan: t.b.lan, srcid: 'a.test', dstid: 'b.test', ike: IKE, esp: ESP }), { IKED_NO_PRIVSEP: '0', IKED_KERNEL_RECORD: record });
      const [ia, topo] = [a, t];
      await until(async () => (await establishedChild(ia)) !== undefined, 120_000, 'an established IKE SA with a Child SA', detail);
      const p = await lanPing(topo, 3);
      assert.ok(p.received >= 2, `ping through the tunnel: ${p.received}/3\n${p.out}\n${detail()}`);
      const installed = await xfrmStates(topo.a.ns);
      assert.ok(installed.length >= 2, 'SAs installed in a');
      const listed = [...(readKernelRecord(record)?.entries.values() ?? [])];
      assert.deepEqual(listed.flatMap((e) => ('sa' in e ? [e.sa.spi.toString(16).padStart(8, '0')] : [])).sort(), installed.map((s) => s.spi).sort(), 'the record lists the SAs');

      const kids = childrenOf(ia.pid);
      assert.equal(kids.length, 3, `ca, engine and control under ${ia.pid}: ${JSON.stringify(kids)}`);
      const victim = kids.find((k) => k.cmd.includes(`${role}-main`));
      assert.ok(victim, JSON.stringify(kids));
      process.kill(victim.pid, 'SIGKILL');

      await until(() => !ia.running, 60_000, `a to exit after its ${role} died`, detail);
      assert.match(ia.log(), new RegExp(`fatal: ${role} exited \\(signal SIGKILL\\)`), detail());
      for (const k of kids) assert.ok(!alive(k.pid), `${k.cmd} (${k.pid}) survived`);
      assert.deepEqual((await xfrmStates(topo.a.ns)).map((s) => s.spi), [], `SAs left in a:\n${detail()}`);
      assert.equal((await xfrmPolicyText(topo.a.ns)).trim(), '', 'policies left in a');
      assert.equal(existsSync(record), false, 'the record of a flushed kernel is removed');
    });
  });
}
