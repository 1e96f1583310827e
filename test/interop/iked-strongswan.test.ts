/**
 * Interop: our iked against a real strongSwan charon (Debian's packages), each in
 * its own network namespace. Our side runs decoupled (this kernel has no ESP);
 * charon does ESP in user space (kernel-libipsec). Both sides must report the same
 * IKE SPIs, Child SPIs and algorithms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { compareSa } from './lib/iked-process';
import {
  REPO, IKE_PROPOSALS, ESP_PROPOSALS, Auth, ikedConf, swanConf, makePki, ikedDirFor, Pki,
  oursEstablished, theirsEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess,
} from './lib/scenario';

const skip = interopAvailable();

interface Case {
  role: 'initiator' | 'responder'; // our role
  ike: (typeof IKE_PROPOSALS)[number];
  esp: (typeof ESP_PROPOSALS)[number];
  auth: Auth;
}

let serial = 0;

async function runCase(c: Case, pkis: Record<string, Pki>): Promise<void> {
  const prefix = `iis${++serial}`;
  const topo = await makeTwoHosts(prefix);
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    const ours = c.role === 'initiator';
    const pki = c.auth.kind === 'cert' ? pkis[c.auth.keyType] : undefined;
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: c.ike.swan, esp: c.esp.swan, localId: 'b.test', remoteId: 'a.test', auth: c.auth }),
      files: pki ? { x509ca: { 'ca.crt': pki.ca }, x509: { 'local.crt': pki.cert('b.test') }, private: { 'local.key': pki.key('b.test') } } : undefined,
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: ours, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: c.ike.iked, esp: c.esp.iked, srcid: 'a.test', dstid: 'b.test', auth: c.auth }),
      env: pki ? { IKED_DIR: ikedDirFor(pki, 'a.test') } : undefined,
      extraArgs: ['-v'],
    });
    if (!ours) {
      const r = await charon.initiate('net', 't');
      assert.equal(r.code, 0, `charon initiate failed:\n${r.out}\n--- iked ---\n${iked.log()}`);
    }
    let mine;
    try {
      mine = await oursEstablished(iked);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- iked ---\n${iked.log()}\n--- charon ---\n${charon.log().split('\n').slice(-40).join('\n')}`);
    }
    const theirs = await theirsEstablished(charon);
    const diff = compareSa(mine, theirs, { initiator: ours ? 'ours' : 'theirs', nat: 'ignore' });
    assert.deepEqual(diff, [], `SA mismatch:\n${diff.join('\n')}\nours: ${JSON.stringify(mine)}\ntheirs: ${JSON.stringify(theirs.raw ?? theirs)}`);
    assert.equal(mine.initiator, ours);
    if (c.auth.kind === 'cert') {
      const re = c.auth.keyType === 'rsa' ? /authentication of 'a\.test' with RSA/ : /authentication of 'a\.test' with ECDSA/;
      assert.match(charon.log(), re, 'charon must have verified a signature made by our key');
    }
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
}

const matrix: Case[] = [];
for (const role of ['initiator', 'responder'] as const) {
  for (let i = 0; i < IKE_PROPOSALS.length; i++) {
    matrix.push({ role, ike: IKE_PROPOSALS[i], esp: ESP_PROPOSALS[i], auth: { kind: 'psk' } });
  }
  for (const keyType of ['ecdsa', 'rsa'] as const) {
    matrix.push({ role, ike: IKE_PROPOSALS[0], esp: ESP_PROPOSALS[0], auth: { kind: 'cert', keyType } });
  }
}

test('iked <-> strongSwan matrix', { timeout: 600_000, concurrency: 1 }, async (t) => {
  if (skip) return t.skip(skip);
  const pkis = { ecdsa: makePki('ecdsa', ['a.test', 'b.test']), rsa: makePki('rsa', ['a.test', 'b.test']) };
  for (const c of matrix) {
    const name = `ours as ${c.role}, ${c.auth.kind === 'psk' ? 'PSK' : `${c.auth.keyType.toUpperCase()} certificates`}, IKE ${c.ike.label}, ESP ${c.esp.label}`;
    await t.test(name, { timeout: 60_000 }, () => runCase(c, pkis));
  }
});

test('iked <-> strongSwan lifecycle: rekeys by each side, DPD, delete by each side', { timeout: 180_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeTwoHosts('iisl');
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    const ike = IKE_PROPOSALS[0];
    const esp = ESP_PROPOSALS[1];
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: ike.swan, esp: `${esp.swan}-ecp256,${esp.swan}`, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' }, extraConn: ['dpd_delay = 2s'] }),
      logLevels: { default: 1, ike: 2, knl: 1, cfg: 1, enc: 1 },
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      // our Child SA rekeys itself (lifetime 8 s, rekey at ~90 %), and the IKE SA (ikelifetime 14 s)
      conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: ike.iked, esp: `${esp.iked} group ecp256`, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' }, extra: 'ikelifetime 14 lifetime 8', globals: ['set dpd_check_interval 2'] }),
      // no ESP here (decoupled): checks go out on 2 s of IKE silence, not OpenIKED's 300 s
      env: { IKED_RETRANSMIT_MS: '500', IKED_RETRANSMIT_TRIES: '3', IKED_DPD_IDLE_MS: '2000' },
      extraArgs: ['-v'],
    });
    const first = await oursEstablished(iked);
    await theirsEstablished(charon);
    const spiIn0 = first.children[0].spiIn;
    const ikeSpi0 = first.ikeSpiI;

    await t.test('strongSwan rekeys the Child SA (with PFS)', async () => {
      const r = await charon!.swanctl(['--rekey', '--child', 'net']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const mine = await oursEstablished(iked!, (s) => s.children.length === 1 && s.children[0].spiIn !== spiIn0);
      const theirs = await theirsEstablished(charon!, (s) => s.children.length === 1 && s.children[0].spiOut === mine.children[0].spiIn);
      assert.deepEqual(compareSa(mine, theirs, { initiator: 'ours', nat: 'ignore' }), []);
      assert.equal(mine.children[0].dh, 'ECP_256', 'PFS group of the rekeyed Child SA');
    });

    await t.test('strongSwan rekeys the IKE SA', async () => {
      const before = (await iked!.showSa())[0];
      const r = await charon!.swanctl(['--rekey', '--ike', 't']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const mine = await oursEstablished(iked!, (s) => s.ikeSpiI !== before.ikeSpiI);
      const theirs = await theirsEstablished(charon!, (s) => s.spiI === mine.ikeSpiI);
      assert.equal((await iked!.showSa()).length, 1, 'the old IKE SA is gone');
      assert.deepEqual(compareSa(mine, theirs, { initiator: 'theirs', nat: 'ignore' }), []);
      assert.equal(mine.children[0].spiIn, before.children[0].spiIn, 'the Child SA moved to the new IKE SA');
    });

    await t.test('iked rekeys the Child SA when its lifetime runs out', async () => {
      const before = (await iked!.showSa())[0].children[0].spiIn;
      const mine = await waitUntil('our Child SA rekey', 20_000, async () => {
        const s = (await iked!.showSa())[0];
        return s && s.children.length === 1 && s.children[0].spiIn !== before ? s : null;
      });
      const theirs = await theirsEstablished(charon!, (s) => s.children.length === 1 && s.children[0].spiOut === mine.children[0].spiIn);
      assert.deepEqual(compareSa(mine, theirs, { initiator: mine.initiator ? 'ours' : 'theirs', nat: 'ignore' }), []);
      assert.match(iked!.log(), /rekeyed ESP SA/);
    });

    await t.test('iked rekeys the IKE SA when its lifetime runs out', async () => {
      const before = (await iked!.showSa())[0];
      const mine = await waitUntil('our IKE SA rekey', 25_000, async () => {
        const sas = await iked!.showSa();
        return sas.length === 1 && sas[0].state === 'ESTABLISHED' && sas[0].ikeSpiI !== before.ikeSpiI && sas[0].initiator ? sas[0] : null;
      });
      // a Child SA rekey may run at the same moment (its own lifetime): compare once both sides are steady
      const pair = await waitUntil('both sides steady after our IKE SA rekey', 20_000, async () => {
        const m = (await iked!.showSa()).find((x) => x.ikeSpiI === mine.ikeSpiI);
        if (!m || m.children.length !== 1) return null;
        const th = (await charon!.listSas()).find((x) => x.spiI === mine.ikeSpiI);
        return th && th.children.length === 1 && th.children[0].spiOut === m.children[0].spiIn ? { m, th } : null;
      });
      assert.deepEqual(compareSa(pair.m, pair.th, { initiator: 'ours', nat: 'ignore' }), []);
      assert.notEqual(mine.ikeSpiI, ikeSpi0);
    });

    await t.test('liveness checks both ways', async () => {
      await charon!.waitForLog(/sending DPD request|generating INFORMATIONAL request \d+ \[ \]/, 10_000);
      const stats = JSON.parse((await iked!.ikectl(['show', 'stats', '--json'])).stdout) as Record<string, number>;
      assert.ok(stats.rxPackets > 0);
      await charon!.waitForLog(/parsed INFORMATIONAL request \d+ \[ \]/, 15_000);
    });

    await t.test('strongSwan deletes the IKE SA; iked removes it and starts a new one (active policy)', async () => {
      const before = (await iked!.showSa())[0];
      const r = await charon!.swanctl(['--terminate', '--ike', 't']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      await iked!.waitForLog(/deleted IKE SA .*deleted by peer/, 10_000);
      const again = await oursEstablished(iked!, (s) => s.ikeSpiI !== before.ikeSpiI);
      await theirsEstablished(charon!, (s) => s.spiI === again.ikeSpiI);
    });

    await t.test('iked deletes the IKE SA (ikectl reset sa); strongSwan removes it', async () => {
      const before = (await iked!.showSa())[0];
      const r = await iked!.ikectl(['reset', 'sa']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      await waitUntil('charon to drop the IKE SA', 10_000, async () => !(await charon!.listSas()).some((s) => s.spiI === before.ikeSpiI));
      assert.match(charon!.log(), /received DELETE for IKE_SA/);
    });

    await t.test('DPD: strongSwan dies, iked notices and deletes the SA', async () => {
      await oursEstablished(iked!);
      await charon!.stop();
      await iked!.waitForLog(/timed out after \d+ tries/, 20_000);
      await waitUntil('our SA to go', 10_000, async () => (await iked!.showSa()).every((s) => s.state !== 'ESTABLISHED'));
    });
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});
