/**
 * ikectl against live daemons: the `ikectl ca` workflow whose certificates two iked
 * instances then authenticate each other with, and every ikectl command against an
 * iked that has a strongSwan peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopAvailable } from './lib/netns';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, ikedConf, swanConf, oursEstablished, theirsEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();
const IKECTL = join(REPO, 'dist', 'src', 'cli', 'ikectl.js');

function ikectlCa(root: string, words: string, input = ''): string {
  // export archives land in the working directory (as with OpenBSD's ikectl): keep them in the test's tree
  return execFileSync(process.execPath, [IKECTL, '--root', root, ...words.split(' ')], { input, encoding: 'utf8', cwd: root });
}

test('ikectl ca workflow: two iked instances authenticate each other with its certificates', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const root = mkdtempSync(join(tmpdir(), 'ikectl-ca-live-'));
  const peerDir = mkdtempSync(join(tmpdir(), 'ikectl-ca-peer-'));
  const topo = await makeTwoHosts('iicw', { addrA: '10.1.1.1', addrB: '10.1.1.2', lanA: '10.3.1.0/24', lanB: '10.3.2.0/24', lanAddrA: '10.3.1.1', lanAddrB: '10.3.2.1' });
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  try {
    ikectlCa(root, 'ca test create password s3cret');
    ikectlCa(root, 'ca test install');
    ikectlCa(root, 'ca test certificate 10.1.1.1 create');
    ikectlCa(root, 'ca test certificate 10.1.1.1 install');
    ikectlCa(root, 'ca test certificate 10.1.1.2 create');
    const out = ikectlCa(root, 'ca test certificate 10.1.1.2 export password exp0rt');
    const tgz = /exported files in (\S+)/.exec(out)?.[1];
    assert.ok(tgz, out);
    execFileSync('tar', ['xzf', tgz, '-C', peerDir]);
    const { a: A, b: B } = topo;
    const conf = (self: string, peer: string, lanL: string, lanR: string, active: boolean): string =>
      ikedConf({ active, local: self, peer, localLan: lanL, remoteLan: lanR, ike: IKE_PROPOSALS[0].iked, esp: ESP_PROPOSALS[0].iked, srcid: self, dstid: peer, auth: { kind: 'cert', keyType: 'rsa' } });
    b = await IkedProcess.start({ ns: B.ns, repoRoot: REPO, conf: conf(B.addr, A.addr, B.lan, A.lan, false), env: { IKED_DIR: peerDir } });
    a = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: conf(A.addr, B.addr, A.lan, B.lan, true), env: { IKED_DIR: join(root, 'etc', 'iked') } });
    const sa = await oursEstablished(a).catch((e) => {
      throw new Error(`${(e as Error).message}\n--- a ---\n${a!.log()}\n--- b ---\n${b!.log()}`);
    });
    const sb = await oursEstablished(b);
    assert.equal(sa.ikeSpiI, sb.ikeSpiI);
    assert.equal(sa.remoteId, '10.1.1.2');
    assert.equal(sb.remoteId, '10.1.1.1');
    const certs = JSON.parse((await a.ikectl(['show', 'certstore', '--json'])).stdout) as { subject: string; kind: string }[];
    assert.ok(certs.some((c) => c.kind === 'ca' && /VPN CA test/.test(c.subject)), JSON.stringify(certs));
  } finally {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
    rmSync(root, { recursive: true, force: true });
    rmSync(peerDir, { recursive: true, force: true });
  }
});

test('every ikectl command against iked with a strongSwan peer', { timeout: 180_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeTwoHosts('iicl');
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE_PROPOSALS[0].swan, esp: ESP_PROPOSALS[0].swan, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' } }),
    });
    await charon.loadAll();
    const confText = ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE_PROPOSALS[0].iked, esp: ESP_PROPOSALS[0].iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' } });
    iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: confText });
    const first = await oursEstablished(iked);
    await theirsEstablished(charon);
    const ok = async (args: string[]): Promise<string> => {
      const r = await iked!.ikectl(args);
      assert.equal(r.code, 0, `ikectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    await t.test('show sa (text and --json)', async () => {
      assert.match(await ok(['show', 'sa']), new RegExp(first.ikeSpiI));
      const j = JSON.parse(await ok(['show', 'sa', '--json']));
      assert.equal(j[0].ikeSpiI, first.ikeSpiI);
    });
    await t.test('show flows', async () => {
      const j = JSON.parse(await ok(['show', 'flows', '--json'])) as { src: string; dst: string; dir: string }[];
      assert.ok(j.some((f) => f.dir === 'out' && f.src === A.lan && f.dst === B.lan), JSON.stringify(j));
      assert.match(await ok(['show', 'flows']), /10\.1\.0\.0\/24/);
    });
    await t.test('show stats', async () => {
      const j = JSON.parse(await ok(['show', 'stats', '--json'])) as Record<string, number>;
      assert.ok(j.ikeSasEstablished >= 1 && j.rxPackets > 0, JSON.stringify(j));
      assert.match(await ok(['show', 'stats']), /\d+ ike sas established/);
    });
    await t.test('show certstore and show ca', async () => {
      assert.deepEqual(JSON.parse(await ok(['show', 'certstore', '--json'])), []);
      await ok(['show', 'ca', 'test', 'certificates']);
    });
    await t.test('log verbose / log brief', async () => {
      await ok(['log', 'verbose']);
      await ok(['log', 'brief']);
    });
    await t.test('monitor streams events', async () => {
      const mon = spawn(process.execPath, [IKECTL, '-s', iked!.sock, 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      mon.stdout.on('data', (d: Buffer) => (seen += d.toString()));
      try {
        await new Promise((r) => setTimeout(r, 500));
        await ok(['reset', 'sa']);
        await waitUntil('monitor to report the delete and the new SA', 20_000, async () => /deleted/.test(seen) && /established/.test(seen));
      } finally {
        mon.kill('SIGINT');
      }
      await oursEstablished(iked!, (s) => s.ikeSpiI !== first.ikeSpiI);
    });
    await t.test('passive stops re-establishing; active starts again', async () => {
      await ok(['passive']);
      await ok(['reset', 'sa']);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await iked!.showSa()).filter((s) => s.state === 'ESTABLISHED').length, 0, 'passive: nothing initiated');
      await ok(['active']);
      await oursEstablished(iked!);
    });
    await t.test('reset id', async () => {
      const before = (await iked!.showSa())[0];
      assert.match(await ok(['reset', 'id', 'b.test']), /1 SAs of b\.test deleted/);
      await oursEstablished(iked!, (s) => s.ikeSpiI !== before.ikeSpiI);
    });
    await t.test('couple fails cleanly on a kernel without ESP, decouple works', async () => {
      const r = await iked!.ikectl(['couple']);
      if (r.code !== 0) assert.match(r.stdout + r.stderr, /ESP|esp4|not supported|PF_KEY|kernel/i);
      await ok(['decouple']);
    });
    await t.test('load FILE and reload', async () => {
      const other = join(iked!.dir, 'other.conf');
      writeFileSync(other, confText, { mode: 0o600 });
      await ok(['load', other]);
      await ok(['reload']);
      await oursEstablished(iked!);
    });
    await t.test('reset ca, user, policy, all', async () => {
      await ok(['reset', 'ca']);
      await ok(['reset', 'user']);
      await ok(['reset', 'policy']);
      await waitUntil('all SAs gone after reset policy', 10_000, async () => (await iked!.showSa()).length === 0);
      await ok(['reset', 'all']);
      await waitUntil('charon to drop the SA', 10_000, async () => (await charon!.listSas()).length === 0);
    });
    await t.test('a bad command is refused with a clear error', async () => {
      const r = await iked!.ikectl(['show', 'nonsense']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /nonsense|unknown|usage/i);
    });
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});
