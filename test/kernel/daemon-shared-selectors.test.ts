/**
 * Child SAs with identical selectors in the kernel (inside ci/linux/run.sh, real ESP),
 * with the XFRM adapter and with the Linux PF_KEY adapter: gateway a holds two IKE SAs
 * to gateway b (identities c1.test and c2.test, one address, both asking for a's LAN
 * === b's LAN). Both Child SAs are installed, sharing one policy per direction; a ping
 * passes as ESP. Then c1's IKE SA is deleted (reload without its policy: a DELETE to
 * b): the policies stay for c2, the ping still passes through c2's SAs (their counters
 * rise), and after stop nothing of ours is left.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TwoHosts } from '../interop/lib/netns';
import type { IkedProcess, OurSa } from '../interop/lib/iked-process';
import { PSK, countSentFrames, daemonSkipReason, lanPing, startIked, tails, topology, until, xfrmPolicyText, xfrmStates } from './lib/daemon-rig';

const IKE = 'enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group modp2048';
const hex8 = (s: string): string => s.replace(/^0x/, '').toLowerCase().padStart(8, '0');

function clientConf(t: TwoHosts, ids: string[], esp: string): string {
  return ids
    .map((id) => `ikev2 "${id}" active esp from ${t.a.lan} to ${t.b.lan} local ${t.a.addr} peer ${t.b.addr} ikesa ${IKE} childsa ${esp} srcid ${id}.test dstid gw.test psk "${PSK}"`)
    .join('\n') + '\n';
}

function gatewayConf(t: TwoHosts, esp: string): string {
  return `ikev2 "gw" passive esp from ${t.b.lan} to ${t.a.lan} local ${t.b.addr} peer ${t.a.addr} ikesa ${IKE} childsa ${esp} srcid gw.test psk "${PSK}"\n`;
}

const up = (sas: OurSa[]): OurSa[] => sas.filter((s) => s.state === 'ESTABLISHED' && s.children.length > 0);

const cases: { adapter: string; env: Record<string, string>; esp: string; prefix: string }[] = [
  { adapter: 'xfrm', env: {}, esp: 'enc aes-128-gcm', prefix: 'kdsx' },
  // af_key installs no AEAD and truncates SHA-256 to 96 bits: aes-256-cbc + hmac-sha1-96
  { adapter: 'pfkey', env: { IKED_KERNEL: 'pfkey' }, esp: 'enc aes-256 auth hmac-sha1', prefix: 'kdsp' },
];

for (const c of cases) {
  describe(`identical selectors in two IKE SAs, ${c.adapter} adapter: real ESP`, async () => {
    const skip = await daemonSkipReason();
    let t: TwoHosts | undefined;
    let a: IkedProcess | undefined;
    let b: IkedProcess | undefined;
    const detail = (): string => tails({ 'a iked.log': a?.log() ?? '', 'b iked.log': b?.log() ?? '' });
    after(async () => {
      await a?.stop();
      await b?.stop();
      await t?.cleanup();
    });

    it('both Child SAs installed; the ping keeps flowing through the second after the first is deleted; nothing left after stop', { skip, timeout: 300_000 }, async () => {
      t = await topology(c.prefix);
      b = await startIked(t.b.ns, gatewayConf(t, c.esp), c.env);
      a = await startIked(t.a.ns, clientConf(t, ['c1', 'c2'], c.esp), c.env);
      const [ia, ib, topo] = [a, b, t];
      await until(async () => up(await ia.showSa().catch(() => [])).length === 2 && up(await ib.showSa().catch(() => [])).length === 2, 150_000, 'two IKE SAs with Child SAs on both sides', detail);
      assert.doesNotMatch(ia.log() + ib.log(), /TEMP_FAIL|Child SA setup failed/, detail());
      const bSas = up(await ib.showSa());
      assert.deepEqual(bSas.map((s) => s.remoteId).sort(), ['c1.test', 'c2.test']);
      const reqids = new Set(bSas.map((s) => (s.children[0] as unknown as { reqid: number }).reqid));
      assert.equal(reqids.size, 1, 'identical selectors share one reqid');
      // one policy per direction, shared
      for (const ns of [topo.a.ns, topo.b.ns]) {
        const pol = await xfrmPolicyText(ns);
        assert.equal(pol.match(/dir out/g)?.length, 1, `one out policy in ${ns}:\n${pol}`);
      }
      const p1 = await lanPing(topo, 5);
      assert.ok(p1.received >= 4, `ping with two Child SAs: ${p1.received}/5\n${p1.out}\n${detail()}`);

      // c1 goes: reload a's configuration without its policy (a DELETE to b)
      const aSas = up(await ia.showSa());
      const c2 = aSas.find((s) => s.name === 'c2');
      assert.ok(c2, JSON.stringify(aSas.map((s) => s.name)));
      writeFileSync(join(ia.dir, 'iked.conf'), clientConf(topo, ['c2'], c.esp), { mode: 0o600 });
      const r = await ia.ikectl(['reload']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      await until(async () => up(await ia.showSa()).length === 1 && up(await ib.showSa()).length === 1, 60_000, "c1's IKE SA gone on both sides", detail);
      for (const ns of [topo.a.ns, topo.b.ns]) {
        assert.match(await xfrmPolicyText(ns), /dir out/, `the policy stays for c2 in ${ns}`);
      }
      const left = up(await ia.showSa());
      assert.equal(left[0].name, 'c2');
      assert.deepEqual(left[0].children.map((x) => [x.spiIn, x.spiOut]), c2.children.map((x) => [x.spiIn, x.spiOut]), `c2's Child SA is the one before the reload\n${detail()}`);
      const child = c2.children[0];
      const before = (await xfrmStates(topo.a.ns)).find((s) => s.spi === hex8(child.spiOut))?.packets ?? 0;
      const sniff = await countSentFrames(topo.a.ns, topo.a.outIf);
      const p2 = await lanPing(topo, 5);
      const frames = await sniff?.stop();
      assert.ok(p2.received >= 4, `ping through the remaining Child SA: ${p2.received}/5\n${p2.out}\n${detail()}`);
      if (frames) {
        assert.ok((frames.get(50) ?? 0) >= 4, `gateway a sent ${frames.get(50) ?? 0} ESP frames`);
        assert.equal(frames.get(1) ?? 0, 0, 'cleartext ICMP left gateway a');
      }
      const states = await xfrmStates(topo.a.ns);
      const out = states.find((s) => s.spi === hex8(child.spiOut));
      const inb = states.find((s) => s.spi === hex8(child.spiIn));
      assert.ok(out && inb, `c2 in ${child.spiIn} out ${child.spiOut}; a's states:\n${states.map((s) => s.text).join('\n')}\n${detail()}`);
      assert.ok(out.packets >= before + 4 && inb.packets >= 4, `c2's SA counters: out ${before} -> ${out.packets}, in ${inb.packets}`);
      assert.equal(states.length, 2, "only c2's two SAs left in a");

      await ia.stop({ keepFiles: true });
      await ib.stop({ keepFiles: true });
      for (const ns of [topo.a.ns, topo.b.ns]) {
        assert.deepEqual((await xfrmStates(ns)).map((s) => s.spi), [], `SAs left in ${ns}`);
        assert.equal((await xfrmPolicyText(ns)).trim(), '', `policies left in ${ns}`);
      }
    });
  });
}
