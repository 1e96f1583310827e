/**
 * Our daemon against itself with the Linux PF_KEY (af_key) adapter forced by
 * IKED_KERNEL=pfkey (inside ci/linux/run.sh). Both sides offer aes-128-gcm,
 * aes-256 + hmac-sha2-256 and aes-256 + hmac-sha1: af_key cannot install AEAD and
 * truncates SHA-256 to 96 bits, so both must settle on aes-256-cbc + hmac-sha1-96.
 * A ping passes as ESP, and SIGTERM leaves nothing of ours in the kernel.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TwoHosts } from '../interop/lib/netns';
import type { IkedProcess, OurSa } from '../interop/lib/iked-process';
import {
  countSentFrames,
  daemonSkipReason,
  establishedChild,
  kernelIkedConf,
  lanPing,
  startIked,
  tails,
  topology,
  until,
  xfrmPolicyText,
  xfrmStates,
} from './lib/daemon-rig';

const IKE = 'enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group modp2048';
const ESP = ['enc aes-128-gcm', 'enc aes-256 auth hmac-sha2-256', 'enc aes-256 auth hmac-sha1'];
const hex8 = (s: string): string => s.replace(/^0x/, '').toLowerCase().padStart(8, '0');

describe('iked <-> iked with the PF_KEY adapter: real ESP', async () => {
  const skip = await daemonSkipReason();
  let t: TwoHosts | undefined;
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  const detail = (): string => tails({ 'a iked.log': a?.log() ?? '', 'b iked.log': b?.log() ?? '' });
  before(async () => {
    if (!skip) t = await topology('kdpk');
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await t?.cleanup();
  });

  it('negotiates what af_key can install (aes-256-cbc + hmac-sha1-96); ping as ESP; SIGTERM cleans up', { skip, timeout: 240_000 }, async () => {
    assert.ok(t);
    const env = { IKED_KERNEL: 'pfkey' };
    b = await startIked(
      t.b.ns,
      kernelIkedConf({ active: false, local: t.b.addr, peer: t.a.addr, localLan: t.b.lan, remoteLan: t.a.lan, srcid: 'b.test', dstid: 'a.test', ike: IKE, esp: ESP }),
      env,
    );
    a = await startIked(
      t.a.ns,
      kernelIkedConf({ active: true, local: t.a.addr, peer: t.b.addr, localLan: t.a.lan, remoteLan: t.b.lan, srcid: 'a.test', dstid: 'b.test', ike: IKE, esp: ESP }),
      env,
    );
    const ia = a;
    const ib = b;
    await ia.waitForLog(/kernel: pfkey-linux/, 30_000);
    await ib.waitForLog(/kernel: pfkey-linux/, 30_000);
    let sa: OurSa | undefined;
    await until(async () => (sa = await establishedChild(ia)) !== undefined, 120_000, 'an established IKE SA with a Child SA', detail);
    assert.ok(sa);
    const child = sa.children[0];
    assert.match(child.encr, /AES_CBC/, `Child SA cipher ${child.encr}`);
    assert.equal(child.encrKeyBits, 256);
    assert.match(child.integ ?? '', /SHA1_96/, `Child SA integrity ${child.integ}`);

    const sniff = await countSentFrames(t.a.ns, t.a.outIf);
    const p = await lanPing(t, 5);
    const frames = await sniff?.stop();
    assert.ok(p.received >= 4, `ping through the PF_KEY tunnel: ${p.received}/5\n${p.out}\n${detail()}`);
    if (frames) {
      assert.ok((frames.get(50) ?? 0) >= 4, `gateway a sent ${frames.get(50) ?? 0} ESP frames`);
      assert.equal(frames.get(1) ?? 0, 0, 'cleartext ICMP left gateway a');
    }
    const states = await xfrmStates(t.a.ns);
    const outSa = states.find((s) => s.spi === hex8(child.spiOut));
    const inSa = states.find((s) => s.spi === hex8(child.spiIn));
    assert.ok(outSa && inSa, states.map((s) => s.text).join('\n'));
    assert.match(outSa.text, /auth-trunc hmac\(sha1\) 0x[0-9a-f]{40}(?: \(\d+ bits\))? 96/);
    assert.match(outSa.text, /enc cbc\(aes\) 0x[0-9a-f]{64}(?: \(\d+ bits\))?/);
    assert.ok(outSa.packets >= 4 && inSa.packets >= 4, `SA counters out ${outSa.packets} in ${inSa.packets}`);

    await ia.stop({ keepFiles: true });
    await ib.stop({ keepFiles: true });
    for (const ns of [t.a.ns, t.b.ns]) {
      assert.deepEqual((await xfrmStates(ns)).map((s) => s.spi), [], `SAs left in ${ns}`);
      assert.equal((await xfrmPolicyText(ns)).trim(), '', `policies left in ${ns}`);
    }
  });
});
