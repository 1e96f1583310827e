/**
 * Stateful reload with a live strongSwan peer: an unchanged policy's SA survives,
 * a removed policy's SA is deleted on both sides, a new active policy starts, and
 * a broken file changes nothing (ikectl reload and SIGHUP).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopAvailable, nsExec } from './lib/netns';
import { REPO, PSK, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';
import type { OurSa } from './lib/iked-process';

const skip = interopAvailable();

function policy(name: string, n: number, a: string, b: string): string {
  return [
    `ikev2 "${name}" active esp from 10.1.${n}.0/24 to 10.2.${n}.0/24 local ${a} peer ${b} \\`,
    '  ikesa enc aes-128-gcm prf hmac-sha2-256 group ecp256 childsa enc aes-128-gcm \\',
    `  srcid a${n}.test dstid b${n}.test psk "${PSK}"`,
  ].join('\n');
}

function swanConn(name: string, n: number, a: string, b: string): string {
  return [
    `  ${name} {`,
    '    version = 2',
    `    local_addrs = ${b}`,
    `    remote_addrs = ${a}`,
    '    encap = yes',
    '    proposals = aes128gcm16-prfsha256-ecp256',
    `    local { auth = psk\n      id = b${n}.test }`,
    `    remote { auth = psk\n      id = a${n}.test }`,
    `    children { net${n} { local_ts = 10.2.${n}.0/24\n        remote_ts = 10.1.${n}.0/24\n        esp_proposals = aes128gcm16 } }`,
    '  }',
  ].join('\n');
}

function byName(sas: OurSa[], name: string): OurSa | undefined {
  return sas.find((s) => s.name === name && s.state === 'ESTABLISHED' && s.children.length > 0);
}

test('reload with a live strongSwan peer', { timeout: 150_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeTwoHosts('iirl');
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    // kernel-libipsec routes each subnet from a local address in it
    for (const n of [1, 2, 3]) {
      await nsExec(B.ns, ['ip', 'addr', 'add', `10.2.${n}.1/24`, 'dev', 'lan0']);
      await nsExec(A.ns, ['ip', 'addr', 'add', `10.1.${n}.1/24`, 'dev', 'lan0']);
    }
    const secrets = [1, 2, 3].map((n) => `  ike-s${n} {\n    id-a = a${n}.test\n    id-b = b${n}.test\n    secret = "${PSK}"\n  }`).join('\n');
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: `connections {\n${[1, 2, 3].map((n) => swanConn(['keep', 'gone', 'fresh'][n - 1], n, A.addr, B.addr)).join('\n')}\n}\nsecrets {\n${secrets}\n}\n`,
    });
    await charon.loadAll();
    const first = ['set decouple', policy('keep', 1, A.addr, B.addr), policy('gone', 2, A.addr, B.addr), ''].join('\n');
    iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: first, extraArgs: ['-v'] });
    const confPath = join(iked.dir, 'iked.conf');
    const both = await waitUntil('both policies up', 20_000, async () => {
      const sas = await iked!.showSa();
      const k = byName(sas, 'keep');
      const g = byName(sas, 'gone');
      return k && g ? { k, g } : null;
    });
    await waitUntil('charon to list both', 10_000, async () => (await charon!.listSas()).filter((s) => s.state === 'ESTABLISHED').length === 2);

    await t.test('a broken file is rejected with file:line and changes nothing (ikectl reload)', async () => {
      writeFileSync(confPath, first + 'ikev2 "bad" active esp from 10.1.9.0/24 to nowhere\n', { mode: 0o600 });
      const r = await iked!.ikectl(['reload']);
      assert.notEqual(r.code, 0, 'reload of a broken file must fail');
      assert.match(r.stdout + r.stderr, new RegExp(`${confPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: `), r.stdout + r.stderr);
      const sas = await iked!.showSa();
      assert.equal(byName(sas, 'keep')?.ikeSpiI, both.k.ikeSpiI);
      assert.equal(byName(sas, 'gone')?.ikeSpiI, both.g.ikeSpiI);
    });

    await t.test('a broken file is rejected on SIGHUP too', async () => {
      const r = await iked!.ikectl(['show', 'stats', '--json']);
      assert.equal(r.code, 0);
      process.kill(iked!.pid, 'SIGHUP');
      await iked!.waitForLog(/reload of .* failed, keeping the running configuration/, 10_000);
      assert.equal(byName(await iked!.showSa(), 'keep')?.ikeSpiI, both.k.ikeSpiI);
    });

    await t.test('unchanged policy keeps its SA, removed policy is deleted on both sides, new policy starts', async () => {
      writeFileSync(confPath, ['set decouple', policy('keep', 1, A.addr, B.addr), policy('fresh', 3, A.addr, B.addr), ''].join('\n'), { mode: 0o600 });
      const r = await iked!.ikectl(['reload']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const after = await waitUntil('fresh up and gone gone', 20_000, async () => {
        const sas = await iked!.showSa();
        return byName(sas, 'fresh') && !sas.some((s) => s.name === 'gone') ? sas : null;
      });
      const keep = byName(after, 'keep');
      assert.ok(keep, 'the unchanged policy still has its SA');
      assert.equal(keep.ikeSpiI, both.k.ikeSpiI, 'same IKE SA');
      assert.equal(keep.children[0].spiIn, both.k.children[0].spiIn, 'same Child SA');
      await waitUntil('charon to drop "gone" and hold "fresh"', 10_000, async () => {
        const theirs = await charon!.listSas();
        return !theirs.some((s) => s.name === 'gone') && theirs.some((s) => s.name === 'fresh' && s.state === 'ESTABLISHED') && theirs.some((s) => s.spiI === both.k.ikeSpiI);
      });
      assert.match(charon!.log(), /received DELETE for IKE_SA gone/);
    });
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});
