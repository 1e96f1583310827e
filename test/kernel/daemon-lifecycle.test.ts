/**
 * Our daemon's kernel lifecycle end to end (inside ci/linux/run.sh), iked (XFRM)
 * initiating to strongSwan (kernel-netlink) with aes-128-gcm and `lifetime 20`:
 *  - the policy's flows are in the kernel; when the peer deletes the Child SA they
 *    stay, and a ping makes the kernel ACQUIRE: a new Child SA comes up;
 *  - the 20 s lifetime (kernel soft 18 s / hard 20 s) triggers a rekey without
 *    losing the ping stream (at most 1 of ~60 lost), and the old SAs are gone;
 *  - after SIGTERM the kernel holds none of our SAs or policies, while a foreign
 *    SA and policy added with `ip xfrm` beforehand survive.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TwoHosts } from '../interop/lib/netns';
import type { Charon } from '../interop/lib/charon';
import type { IkedProcess, OurSa } from '../interop/lib/iked-process';
import { runChecked } from '../interop/lib/run-command';
import {
  charonSkipReason,
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

const hex8 = (s: string): string => s.replace(/^0x/, '').toLowerCase().padStart(8, '0');
const FOREIGN_SPI = '00004242';

describe('iked (XFRM) kernel lifecycle: flows, ACQUIRE, rekey, cleanup', async () => {
  const skip = await charonSkipReason();
  let t: TwoHosts | undefined;
  let charon: Charon | undefined;
  let iked: IkedProcess | undefined;
  const detail = (): string => tails({ 'iked.log': iked?.log() ?? '', 'charon.log': charon?.log() ?? '' }, 60);

  before(async () => {
    if (skip) return;
    t = await topology('kdlc');
    // foreign state that is not ours: must survive our daemon
    await runChecked(['ip', '-n', t.a.ns, 'xfrm', 'state', 'add', 'src', t.a.addr, 'dst', '192.0.2.99', 'proto', 'esp', 'spi', `0x${FOREIGN_SPI}`, 'reqid', '4242', 'mode', 'tunnel', 'aead', 'rfc4106(gcm(aes))', `0x${'11'.repeat(20)}`, '128']);
    await runChecked(['ip', '-n', t.a.ns, 'xfrm', 'policy', 'add', 'src', '10.9.0.0/24', 'dst', '10.8.0.0/24', 'dir', 'out', 'tmpl', 'src', t.a.addr, 'dst', '192.0.2.99', 'proto', 'esp', 'reqid', '4242', 'mode', 'tunnel']);
    charon = await startCharon({
      ns: t.b.ns,
      name: 'lc',
      local: t.b.addr,
      remote: t.a.addr,
      localLan: t.b.lan,
      remoteLan: t.a.lan,
      localId: 'b.test',
      remoteId: 'a.test',
      ike: 'aes128gcm16-prfsha256-ecp256',
      esp: 'aes128gcm16',
    });
    await charon.loadAll();
    iked = await startIked(
      t.a.ns,
      kernelIkedConf({
        active: true,
        local: t.a.addr,
        peer: t.b.addr,
        localLan: t.a.lan,
        remoteLan: t.b.lan,
        srcid: 'a.test',
        dstid: 'b.test',
        ike: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256',
        esp: 'enc aes-128-gcm',
        extra: 'lifetime 20',
      }),
    );
  });
  after(async () => {
    await iked?.stop();
    await charon?.stop();
    await t?.cleanup();
  });

  let reqid = 0;

  it('loads the policy flows and brings the tunnel up', { skip, timeout: 120_000 }, async () => {
    assert.ok(t && iked);
    const ours = iked;
    await ours.waitForLog(/kernel: policy 'k': 3 flows loaded \(reqid (\d+)\)/, 60_000);
    reqid = Number(/flows loaded \(reqid (\d+)\)/.exec(ours.log())![1]);
    let sa: OurSa | undefined;
    await until(async () => (sa = await establishedChild(ours)) !== undefined, 90_000, 'the tunnel', detail);
    assert.ok(sa);
    const pol = await xfrmPolicyText(t.a.ns);
    assert.match(pol, new RegExp(`src 10\\.1\\.0\\.0/24 dst 10\\.2\\.0\\.0/24[^]*?dir out[^]*?reqid ${reqid} mode tunnel`), pol);
    const states = await xfrmStates(t.a.ns);
    assert.equal(states.find((s) => s.spi === hex8(sa!.children[0].spiOut))?.reqid, reqid, 'the Child SA uses the policy reqid');
    const p = await lanPing(t, 3);
    assert.ok(p.received >= 2, `${p.received}/3 replies\n${p.out}\n${detail()}`);
  });

  it('Child SA deleted by the peer: the flows stay, a ping ACQUIREs a new one', { skip, timeout: 150_000 }, async () => {
    assert.ok(t && iked && charon);
    const ours = iked;
    const before = (await establishedChild(ours))!;
    const oldIn = hex8(before.children[0].spiIn);
    const r = await charon.swanctl(['--terminate', '--child', 'net', '--timeout', '20'], 40_000);
    assert.equal(r.code, 0, `swanctl --terminate --child: ${r.stdout}${r.stderr}`);
    await until(
      async () => (await ours.showSa()).some((s) => s.state === 'ESTABLISHED' && s.children.length === 0),
      60_000,
      'our Child SA to be deleted (IKE SA kept)',
      detail,
    );
    const states = await xfrmStates(t.a.ns);
    assert.ok(!states.some((s) => s.spi === oldIn), 'the deleted Child SA left the kernel');
    assert.match(await xfrmPolicyText(t.a.ns), new RegExp(`src 10\\.1\\.0\\.0/24 dst 10\\.2\\.0\\.0/24[^]*?dir out[^]*?reqid ${reqid}`), 'the policy flow stays');
    // traffic on the policy without SA: the kernel ACQUIREs, iked creates a Child SA, the ping gets through
    await until(async () => (await lanPing(t!, 1, 0.2, 2)).received === 1, 90_000, 'a ping through a Child SA created on ACQUIRE', detail);
    assert.match(ours.log(), new RegExp(`kernel: acquire for 10\\.1\\.0\\.1/32 -> 10\\.2\\.0\\.1/32 reqid ${reqid}: policy 'k'`));
    const now = (await establishedChild(ours))!;
    assert.notEqual(hex8(now.children[0].spiIn), oldIn);
    assert.equal(now.ikeSpiI, before.ikeSpiI, 'the Child SA was created on the same IKE SA');
  });

  it('lifetime 20: rekey without losing the ping stream; old SAs removed; hard limit in the kernel', { skip, timeout: 150_000 }, async () => {
    assert.ok(t && iked);
    const ours = iked;
    const c1 = (await establishedChild(ours))!.children[0];
    const old = [hex8(c1.spiIn), hex8(c1.spiOut)];
    const s1 = (await xfrmStates(t.a.ns)).find((s) => s.spi === old[1]);
    assert.ok(s1, 'outbound SA in the kernel');
    assert.match(s1.text, /expire add: soft 18\(sec\), hard 20\(sec\)/, 'the kernel has the soft (90 %) and hard lifetime');
    // ~32 s of pings every 0.5 s: the rekey (~18 s after the SA was made) happens inside
    const stream = lanPing(t, 64, 0.5, 1);
    await until(() => /rekeyed ESP SA/.test(ours.log()), 60_000, 'the Child SA rekey', detail);
    const p = await stream;
    assert.ok(p.received >= 63, `ping stream across the rekey lost ${64 - p.received} of 64\n${p.out}\n${detail()}`);
    await until(
      async () => {
        const st = await xfrmStates(t!.a.ns);
        return !st.some((s) => old.includes(s.spi));
      },
      30_000,
      'the old SAs to leave the kernel',
      detail,
    );
    const c2 = (await establishedChild(ours))!.children[0];
    assert.ok(!old.includes(hex8(c2.spiIn)), 'a new Child SA');
    const st = await xfrmStates(t.a.ns);
    assert.ok(st.some((s) => s.spi === hex8(c2.spiOut) && s.packets > 0), 'the new outbound SA carries the pings');
  });

  it('SIGTERM: none of our SAs or policies stay; the foreign SA and policy survive', { skip, timeout: 60_000 }, async () => {
    assert.ok(t && iked);
    await iked.stop({ keepFiles: true });
    assert.match(iked.log(), /parent terminating on SIGTERM/);
    const st = await xfrmStates(t.a.ns);
    assert.deepEqual(
      st.map((s) => s.spi),
      [FOREIGN_SPI],
      `only the foreign SA may remain:\n${st.map((s) => s.text).join('\n')}`,
    );
    const pol = await xfrmPolicyText(t.a.ns);
    assert.match(pol, /src 10\.9\.0\.0\/24 dst 10\.8\.0\.0\/24/, 'the foreign policy survived');
    assert.doesNotMatch(pol, /10\.1\.0\.0\/24|10\.2\.0\.0\/24/, `our policies are gone:\n${pol}`);
  });
});
