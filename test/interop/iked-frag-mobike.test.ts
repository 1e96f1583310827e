/**
 * Integration, in network namespaces: RFC 7383 fragmentation with a path MTU of
 * 576 (IP fragments dropped, so only IKE fragmentation gets a large certificate
 * chain through) and RFC 4555 MOBIKE address changes, against strongSwan and
 * against ourselves. Our side runs decoupled (no ESP in this kernel), charon uses
 * kernel-libipsec with encap = yes (IKE on 4500). The MOBIKE cases run under
 * privilege separation and in one process (IKED_NO_PRIVSEP=1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopAvailable, nsExec } from './lib/netns';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, ikedConf, swanConf, oursEstablished, theirsEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();
const IKE = IKE_PROPOSALS[0];
const ESP = ESP_PROPOSALS[0];
const CERT_AUTH = { kind: 'cert', keyType: 'rsa' } as const;

/** RSA-4096 root, RSA-4096 intermediate, RSA-4096 leaves with long SANs: far over 576 bytes. */
interface BigPki {
  root: string;
  inter: string;
  cert(n: string): string;
  key(n: string): string;
}

function makeBigPki(names: string[]): BigPki {
  const dir = mkdtempSync(join(tmpdir(), 'iked-bigpki-'));
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const rsa = ['-newkey', 'rsa:4096', '-nodes'];
  run(['req', '-x509', ...rsa, '-keyout', 'root.key', '-out', 'root.crt', '-days', '30', '-subj', '/C=ZZ/O=iked-interop/OU=fragmentation test root with a rather long organisational unit/CN=Big Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-new', ...rsa, '-keyout', 'inter.key', '-out', 'inter.csr', '-subj', '/C=ZZ/O=iked-interop/OU=fragmentation test intermediate/CN=Big Intermediate CA']);
  writeFileSync(join(dir, 'inter.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  run(['x509', '-req', '-in', 'inter.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'inter.crt', '-days', '30', '-extfile', 'inter.ext']);
  for (const n of names) {
    run(['req', '-new', ...rsa, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/C=ZZ/O=iked-interop/CN=${n}`]);
    const sans = [`DNS:${n}`, ...Array.from({ length: 24 }, (_, i) => `DNS:very-long-subject-alternative-name-number-${i}.${n}.fragmentation.example.test`)];
    writeFileSync(join(dir, `${n}.ext`), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    run(['x509', '-req', '-in', `${n}.csr`, '-CA', 'inter.crt', '-CAkey', 'inter.key', '-CAcreateserial', '-out', `${n}.crt`, '-days', '30', '-extfile', `${n}.ext`]);
  }
  const rd = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { root: rd('root.crt'), inter: rd('inter.crt'), cert: (n) => rd(`${n}.crt`), key: (n) => rd(`${n}.key`) };
}

function ikedDirBig(pki: BigPki, name: string): string {
  const d = mkdtempSync(join(tmpdir(), `iked-dir-${name}-`));
  for (const sub of ['ca', 'certs', 'private']) mkdirSync(join(d, sub), { mode: 0o700 });
  writeFileSync(join(d, 'ca', 'root.crt'), pki.root);
  writeFileSync(join(d, 'certs', `${name}.crt`), pki.cert(name));
  writeFileSync(join(d, 'certs', 'inter.crt'), pki.inter);
  writeFileSync(join(d, 'private', 'local.key'), pki.key(name), { mode: 0o600 });
  chmodSync(join(d, 'private', 'local.key'), 0o600);
  return d;
}

function charonFiles(pki: BigPki, name: string): { x509ca: Record<string, string>; x509: Record<string, string>; private: Record<string, string> } {
  return { x509ca: { 'ca.crt': pki.root, 'inter.crt': pki.inter }, x509: { 'local.crt': pki.cert(name) }, private: { 'local.key': pki.key(name) } };
}

/** MTU 576 on the outside link, and IP fragments dropped before reassembly: big datagrams cannot pass. */
async function path576(ns: string): Promise<void> {
  const r1 = await nsExec(ns, ['ip', 'link', 'set', 'out', 'mtu', '576']);
  assert.equal(r1.code, 0, r1.stderr);
  const rules = 'table ip fragdrop {\n chain pre {\n  type filter hook prerouting priority -500;\n  ip frag-off & 0x3fff != 0 counter drop\n }\n}\n';
  const r2 = await nsExec(ns, ['nft', '-f', '-'], { input: rules });
  assert.equal(r2.code, 0, `nft: ${r2.stderr}`);
}

async function droppedFragments(ns: string): Promise<number> {
  const r = await nsExec(ns, ['nft', 'list', 'table', 'ip', 'fragdrop']);
  const m = /counter packets (\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}

/** Deleting the primary address would also delete the secondary one we move to. */
async function keepSecondaries(ns: string): Promise<void> {
  const r = await nsExec(ns, ['sysctl', '-w', 'net.ipv4.conf.out.promote_secondaries=1']);
  assert.equal(r.code, 0, r.stderr);
}

const QUICK = { IKED_RETRANSMIT_MS: '500', IKED_RETRANSMIT_TRIES: '4', IKED_NO_PRIVSEP: '1' };

/** MOBIKE runs both ways: privilege separation (the default as root: the parent watches the addresses and binds the sockets) and one process. */
type Mode = 'privsep' | 'single-process';
const MODES: Mode[] = ['privsep', 'single-process'];
const quick = (mode: Mode): Record<string, string> => (mode === 'privsep' ? { IKED_RETRANSMIT_MS: '500', IKED_RETRANSMIT_TRIES: '4' } : QUICK);

function dump(iked?: IkedProcess, charon?: Charon, other?: IkedProcess): string {
  return `\n--- iked ---\n${iked?.log().split('\n').slice(-60).join('\n') ?? ''}${other ? `\n--- iked b ---\n${other.log().split('\n').slice(-40).join('\n')}` : ''}${charon ? `\n--- charon ---\n${charon.log().split('\n').slice(-40).join('\n')}` : ''}`;
}

let serial = 0;

async function fragAgainstSwan(pki: BigPki, ours: 'initiator' | 'responder'): Promise<void> {
  const topo = await makeTwoHosts(`ifm${++serial}`);
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    await path576(A.ns);
    await path576(B.ns);
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE.swan, esp: ESP.swan, localId: 'b.test', remoteId: 'a.test', auth: CERT_AUTH, extraConn: ['fragmentation = yes'] }),
      files: charonFiles(pki, 'b.test'),
      charonSettings: { fragment_size: 576 },
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: ours === 'initiator', local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'a.test', dstid: 'b.test', auth: CERT_AUTH, globals: ['set fragmentation'] }),
      env: { IKED_DIR: ikedDirBig(pki, 'a.test'), ...QUICK },
      extraArgs: ['-vv'],
    });
    if (ours === 'responder') {
      const r = await charon.initiate('net', 't');
      assert.equal(r.code, 0, `charon initiate failed:\n${r.out}${dump(iked, charon)}`);
    }
    try {
      await oursEstablished(iked);
      await theirsEstablished(charon);
    } catch (e) {
      throw new Error(`${(e as Error).message}${dump(iked, charon)}`);
    }
    assert.match(iked.log(), /sent as \d+ fragments/, 'we fragmented');
    assert.match(iked.log(), /reassembled from \d+ fragments/, 'we reassembled');
    assert.match(charon.log(), /received fragment #\d+ of \d+, reassembled|reassembled fragmented IKE message/i, 'charon reassembled our fragments');
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
}

test('fragmentation: a large RSA-4096 chain passes a 576-byte path against strongSwan, both roles', { timeout: 240_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makeBigPki(['a.test', 'b.test']);
  for (const role of ['initiator', 'responder'] as const) {
    await t.test(`ours as ${role}`, { timeout: 90_000 }, () => fragAgainstSwan(pki, role));
  }
});

test('fragmentation: iked <-> iked over a 576-byte path, and the same without fragmentation fails', { timeout: 240_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makeBigPki(['a.test', 'b.test']);
  for (const frag of [true, false]) {
    await t.test(frag ? 'set fragmentation: established' : 'no fragmentation: IKE_AUTH never arrives', { timeout: 90_000 }, async () => {
      const topo = await makeTwoHosts(`ifi${++serial}`);
      let a: IkedProcess | undefined;
      let b: IkedProcess | undefined;
      try {
        const { a: A, b: B } = topo;
        await path576(A.ns);
        await path576(B.ns);
        const globals = frag ? ['set fragmentation'] : [];
        b = await IkedProcess.start({ ns: B.ns, repoRoot: REPO, conf: ikedConf({ active: false, local: B.addr, peer: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'b.test', dstid: 'a.test', auth: CERT_AUTH, globals }), env: { IKED_DIR: ikedDirBig(pki, 'b.test'), ...QUICK }, extraArgs: ['-vv'] });
        a = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'a.test', dstid: 'b.test', auth: CERT_AUTH, globals }), env: { IKED_DIR: ikedDirBig(pki, 'a.test'), ...QUICK }, extraArgs: ['-vv'] });
        if (frag) {
          try {
            await oursEstablished(a);
            await oursEstablished(b);
          } catch (e) {
            throw new Error(`${(e as Error).message}${dump(a, undefined, b)}`);
          }
          assert.match(a.log(), /sent as \d+ fragments/);
          assert.match(b.log(), /reassembled from \d+ fragments/);
        } else {
          await a.waitForLog(/IKE_AUTH request 1 timed out/, 30_000);
          assert.ok((await droppedFragments(B.ns)) > 0, 'the path dropped IP fragments of the big IKE_AUTH');
          assert.equal((await b.showSa()).filter((s) => s.state === 'ESTABLISHED').length, 0);
        }
      } finally {
        await a?.stop();
        await b?.stop();
        await topo.cleanup();
      }
    });
  }
});

async function peerMoves(mode: Mode): Promise<void> {
  const topo = await makeTwoHosts(`ifm${++serial}`);
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: '192.0.2.0/24', remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE.swan, esp: ESP.swan, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' }, extraConn: ['mobike = yes'] }),
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: false, local: A.addr, peer: '192.0.2.0/24', localLan: A.lan, remoteLan: B.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' }, globals: ['set mobike'] }),
      env: quick(mode),
      extraArgs: ['-vv'],
    });
    const r = await charon.initiate('net', 't');
    assert.equal(r.code, 0, `charon initiate failed:\n${r.out}${dump(iked, charon)}`);
    const before = await oursEstablished(iked);
    assert.match(iked.log(), /MOBIKE supported by both sides/);
    // the client's address changes (the new one stays when the primary goes)
    await keepSecondaries(B.ns);
    assert.equal((await nsExec(B.ns, ['ip', 'addr', 'add', '192.0.2.12/24', 'dev', 'out'])).code, 0);
    assert.equal((await nsExec(B.ns, ['ip', 'addr', 'del', `${B.addr}/24`, 'dev', 'out'])).code, 0);
    try {
      await iked.waitForLog(/UPDATE_SA_ADDRESSES: peer moved from .* to 192\.0\.2\.12:/, 30_000);
      await waitUntil('our SA with the new peer address', 15_000, async () => (await iked!.showSa()).find((s) => s.remote.startsWith('192.0.2.12:')));
    } catch (e) {
      throw new Error(`${(e as Error).message}${dump(iked, charon)}`);
    }
    assert.match(charon.log(), /requesting address change using MOBIKE/);
    const after = (await iked.showSa()).filter((s) => s.state === 'ESTABLISHED');
    assert.equal(after.length, 1, 'no second IKE SA');
    assert.equal(after[0].ikeSpiI, before.ikeSpiI);
    assert.equal(after[0].ikeSpiR, before.ikeSpiR);
    // no new IKE SA; charon with kernel-libipsec cannot move its SAs and rekeys the Child SA itself (its choice)
    assert.equal(after[0].children.length, 1, `one Child SA${dump(iked, charon)}`);
    assert.doesNotMatch(iked.log(), /not found \(ESRCH\)/, `the kernel state moved with the IKE SA${dump(iked, charon)}`);
    assert.match(iked.log(), /Child SA spi in 0x[0-9a-f]+ out 0x[0-9a-f]+ moved to 192\.0\.2\.1 === 192\.0\.2\.12 udpencap/);
    const theirs = await theirsEstablished(charon);
    assert.ok(theirs, 'charon keeps its SA');
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
}

test('MOBIKE: a strongSwan client moves to a new address and the SA continues (ours: responder)', { timeout: 240_000 }, async (t) => {
  if (skip) return t.skip(skip);
  for (const mode of MODES) await t.test(mode, { timeout: 110_000 }, () => peerMoves(mode));
});

async function weMove(peer: 'strongswan' | 'iked', mode: Mode): Promise<void> {
  const topo = await makeTwoHosts(`ifv${++serial}`);
  let iked: IkedProcess | undefined;
  let other: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    if (peer === 'strongswan') {
      charon = await Charon.start({
        ns: B.ns,
        name: 'b',
        swanctlConf: swanConf({ local: B.addr, remote: '192.0.2.0/24', localLan: B.lan, remoteLan: A.lan, ike: IKE.swan, esp: ESP.swan, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' }, extraConn: ['mobike = yes'] }),
      });
      await charon.loadAll();
    } else {
      other = await IkedProcess.start({ ns: B.ns, repoRoot: REPO, conf: ikedConf({ active: false, local: B.addr, peer: '192.0.2.0/24', localLan: B.lan, remoteLan: A.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'b.test', dstid: 'a.test', auth: { kind: 'psk' } }), env: quick(mode), extraArgs: ['-vv'] });
    }
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' } }),
      env: quick(mode),
      extraArgs: ['-vv'],
    });
    const before = await oursEstablished(iked);
    await keepSecondaries(A.ns);
    assert.equal((await nsExec(A.ns, ['ip', 'addr', 'add', '192.0.2.11/24', 'dev', 'out'])).code, 0);
    assert.equal((await nsExec(A.ns, ['ip', 'addr', 'del', `${A.addr}/24`, 'dev', 'out'])).code, 0);
    try {
      await iked.waitForLog(/IKE SA moved to local 192\.0\.2\.11:4500/, 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}${dump(iked, charon, other)}`);
    }
    const after = (await iked.showSa()).filter((s) => s.state === 'ESTABLISHED');
    assert.equal(after.length, 1);
    assert.equal(after[0].ikeSpiI, before.ikeSpiI);
    assert.ok(after[0].local.startsWith('192.0.2.11:'), after[0].local);
    // against iked the Child SA is the same; charon with kernel-libipsec may rekey its Child SA after the move (its choice)
    if (!charon) assert.deepEqual(after[0].children.map((c) => c.spiIn), before.children.map((c) => c.spiIn));
    assert.equal(after[0].children.length, 1);
    if (charon) {
      const theirs = await theirsEstablished(charon);
      assert.ok(JSON.stringify(theirs.raw ?? theirs).includes('192.0.2.11'), `charon follows: ${JSON.stringify(theirs.raw ?? theirs)}`);
    } else {
      await other!.waitForLog(/UPDATE_SA_ADDRESSES: peer moved from .* to 192\.0\.2\.11:4500/, 10_000);
      const theirs = (await other!.showSa()).filter((s) => s.state === 'ESTABLISHED');
      assert.equal(theirs.length, 1);
      assert.ok(theirs[0].remote.startsWith('192.0.2.11:'));
    }
  } finally {
    await iked?.stop();
    await other?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
}

test('MOBIKE: our iked as the initiator moves, against strongSwan and against iked', { timeout: 360_000 }, async (t) => {
  if (skip) return t.skip(skip);
  for (const mode of MODES) {
    await t.test(`peer strongSwan, ${mode}`, { timeout: 80_000 }, () => weMove('strongswan', mode));
    await t.test(`peer iked, ${mode}`, { timeout: 80_000 }, () => weMove('iked', mode));
  }
});
