/**
 * SIGKILL of a privilege-separated daemon's PARENT (inside ci/linux/run.sh, real ESP).
 * Gateway a runs privilege-separated with the XFRM adapter, b as one process; the tunnel
 * is up and a ping passes. A foreign SA and policy (reqid 77, added with ip xfrm) sit in
 * a's kernel. The parent is killed with SIGKILL: its children (ca, engine, control) must
 * notice and exit; its SAs and policies stay in the kernel (nobody flushed them) and its
 * kernel record lists them. A new iked started with the same record removes exactly
 * those (log line), brings the tunnel back (ping; b drops its old SAs on INITIAL_CONTACT),
 * and the foreign SA and policy are untouched. SIGTERM then empties the record.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TwoHosts } from '../interop/lib/netns';
import type { IkedProcess } from '../interop/lib/iked-process';
import { runChecked } from '../interop/lib/run-command';
import { readKernelRecord } from '../../src/platform/kernel-record';
import { daemonSkipReason, establishedChild, kernelIkedConf, lanPing, startIked, tails, topology, until, xfrmPolicies, xfrmStates } from './lib/daemon-rig';
import { alive, childrenOf } from '../helpers/proc-tree';

const IKE = 'enc aes-128-gcm prf hmac-sha2-256 group ecp256';
const ESP = 'enc aes-128-gcm';
const FOREIGN_SPI = '00007777';
const FOREIGN_NET = '10.9.0.0/16';

describe('privsep: SIGKILL of the parent, then a restart', async () => {
  const skip = await daemonSkipReason();
  let t: TwoHosts | undefined;
  let a: IkedProcess | undefined;
  let a2: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'crs-parent-'));
  const record = join(dir, 'iked.kernel');
  const detail = (): string => tails({ 'a iked.log': a?.log() ?? '', 'a (restarted) iked.log': a2?.log() ?? '', 'b iked.log': b?.log() ?? '' });
  after(async () => {
    await a?.stop();
    await a2?.stop();
    await b?.stop();
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('children exit; the restart removes exactly the dead instance’s SAs and policies; the tunnel comes back', { skip, timeout: 300_000 }, async () => {
    const t0 = Date.now();
    const steps: string[] = [];
    const step = (what: string): void => void steps.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    t = await topology('kdpk');
    const topo = t;
    const confA = kernelIkedConf({ active: true, local: topo.a.addr, peer: topo.b.addr, localLan: topo.a.lan, remoteLan: topo.b.lan, srcid: 'a.test', dstid: 'b.test', ike: IKE, esp: ESP });
    const envA = { IKED_NO_PRIVSEP: '0', IKED_KERNEL_RECORD: record };
    b = await startIked(topo.b.ns, kernelIkedConf({ active: false, local: topo.b.addr, peer: topo.a.addr, localLan: topo.b.lan, remoteLan: topo.a.lan, srcid: 'b.test', dstid: 'a.test', ike: IKE, esp: ESP }));
    a = await startIked(topo.a.ns, confA, envA);
    const ia = a;
    await until(async () => (await establishedChild(ia)) !== undefined, 120_000, 'an established IKE SA with a Child SA', detail);
    step('established');
    const first = await lanPing(topo, 3);
    assert.ok(first.received >= 2, `ping through the tunnel: ${first.received}/3\n${first.out}\n${detail()}`);

    // a foreign SA and policy (another reqid), as another IKE daemon or an admin would add them
    await runChecked(['ip', '-n', topo.a.ns, 'xfrm', 'state', 'add', 'src', topo.a.addr, 'dst', topo.b.addr, 'proto', 'esp', 'spi', `0x${FOREIGN_SPI}`, 'reqid', '77',
      'mode', 'tunnel', 'enc', 'cbc(aes)', '0x' + '11'.repeat(16), 'auth-trunc', 'hmac(sha256)', '0x' + '22'.repeat(32), '128']);
    await runChecked(['ip', '-n', topo.a.ns, 'xfrm', 'policy', 'add', 'src', FOREIGN_NET, 'dst', '10.8.0.0/16', 'dir', 'out',
      'tmpl', 'src', topo.a.addr, 'dst', topo.b.addr, 'proto', 'esp', 'reqid', '77', 'mode', 'tunnel']);
    const oursBefore = (await xfrmStates(topo.a.ns)).filter((s) => s.spi !== FOREIGN_SPI);
    const polBefore = (await xfrmPolicies(topo.a.ns)).filter((p) => !p.includes(FOREIGN_NET));
    assert.ok(oursBefore.length >= 2 && polBefore.length >= 2, `our SAs and policies in a:\n${oursBefore.map((s) => s.text).join('\n')}`);

    const kids = childrenOf(ia.pid);
    assert.equal(kids.length, 3, `ca, engine and control under ${ia.pid}: ${JSON.stringify(kids)}`);
    const killedAt = Date.now();
    process.kill(ia.pid, 'SIGKILL');
    await until(() => !ia.running, 30_000, 'the parent to die');
    await until(() => kids.every((k) => !alive(k.pid)), 30_000, `the children to exit: ${JSON.stringify(kids)}`, detail);
    const childrenGoneMs = Date.now() - killedAt;
    step('children gone');

    // nobody flushed: our SAs and policies are still in the kernel, and the record lists them
    const stale = (await xfrmStates(topo.a.ns)).filter((s) => s.spi !== FOREIGN_SPI);
    assert.deepEqual(stale.map((s) => s.spi).sort(), oursBefore.map((s) => s.spi).sort(), 'the killed daemon left its SAs');
    const rec = readKernelRecord(record);
    assert.ok(rec, `${record} exists`);
    assert.equal(rec.owner, ia.pid);
    assert.equal(rec.adapter, 'xfrm');
    const listed = [...rec.entries.values()];
    assert.equal(listed.filter((e) => 'sa' in e).length, oursBefore.length, `record lists our SAs: ${JSON.stringify(listed)}`);
    assert.equal(listed.filter((e) => 'flow' in e).length, polBefore.length, 'record lists our policies');
    assert.ok(!JSON.stringify(listed).includes('7777') && !JSON.stringify(listed).includes(FOREIGN_NET), 'nothing foreign in the record');

    // the restart removes them and nothing else, then the tunnel comes back
    a2 = await startIked(topo.a.ns, confA, envA);
    const ia2 = a2;
    step('restarted');
    await ia2.waitForLog(new RegExp(`kernel: removed the ${oursBefore.length} SAs and ${polBefore.length} policies left by iked pid ${ia.pid} \\(xfrm\\)`), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${detail()}`);
    });
    step('leftovers removed');
    await until(async () => (await establishedChild(ia2)) !== undefined, 120_000, 'the restarted daemon’s IKE SA with a Child SA', detail);
    step('established again');
    const again = await lanPing(topo, 3);
    assert.ok(again.received >= 2, `ping after the restart: ${again.received}/3\n${again.out}\n${detail()}`);
    const after = await xfrmStates(topo.a.ns);
    const oldSpis = new Set(oursBefore.map((s) => s.spi));
    assert.deepEqual(after.filter((s) => oldSpis.has(s.spi)).map((s) => s.spi), [], 'the dead instance’s SAs are gone');
    assert.equal(after.filter((s) => s.spi !== FOREIGN_SPI).length, oursBefore.length, `exactly one Child SA pair of ours:\n${after.map((s) => s.text).join('\n')}`);
    assert.ok(after.some((s) => s.spi === FOREIGN_SPI && s.reqid === 77), 'the foreign SA survives');
    const polAfter = await xfrmPolicies(topo.a.ns);
    assert.equal(polAfter.filter((p) => !p.includes(FOREIGN_NET)).length, polBefore.length, `our policies, once:\n${polAfter.join('\n')}`);
    assert.ok(polAfter.some((p) => p.includes(`src ${FOREIGN_NET} dst 10.8.0.0/16`)), 'the foreign policy survives');
    // b: INITIAL_CONTACT dropped the dead instance's IKE SA; b's kernel holds one pair
    assert.match(b.log(), /INITIAL_CONTACT from peer/, detail());
    assert.equal((await xfrmStates(topo.b.ns)).length, 2, 'b holds exactly the new pair');

    // SIGTERM: our state goes, the record file too; the foreign pair stays
    await ia2.stop({ keepFiles: true });
    assert.deepEqual((await xfrmStates(topo.a.ns)).map((s) => s.spi), [FOREIGN_SPI]);
    assert.equal((await xfrmPolicies(topo.a.ns)).length, 1);
    assert.equal(existsSync(record), false, 'the record of a clean stop is removed');
    step('stopped');
    console.log(`# ${steps.join(', ')}`);
    console.log(`# children gone ${childrenGoneMs} ms after the parent's SIGKILL; ${oursBefore.length} SAs + ${polBefore.length} policies removed at restart`);
  });
});
