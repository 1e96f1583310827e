/**
 * Integration (root): the ca process is confined. Two privilege-separated iked daemons
 * (`set decouple`, ECDSA certificates) in network namespaces crs-ca-a / crs-ca-b, each
 * with an iked directory laid out as /etc/iked is (0755 directories, 0644 certificates,
 * private/ 0700 and local.key 0600 root). Once the certificate-authenticated SA is up,
 * a's ca must run as _iked (all four uids and gids), with no capabilities, chrooted to
 * its iked directory, holding no file of it open. `ikectl reset ca` must re-read the
 * directory from inside the chroot (a CA added meanwhile shows in the certstore) and
 * `ikectl reload` must load again; a new IKE SA after both still signs with the key the
 * parent hands over. An iked directory _iked cannot read leaves the ca root, with a warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import * as net from 'node:net';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { IkedProcess } from '../interop/lib/iked-process';
import { spawnChild } from '../../src/proc/privsep/spawn-child';
import { FrameChannel } from '../../src/proc/privsep/frame-channel';
import { AuthProxy } from '../../src/proc/privsep/auth-proxy';
import { M, MAX_FRAME, caLookupCheck, certstoreCheck, empty } from '../../src/proc/privsep/messages';
import { privateKeyForCa } from '../../src/proc/privsep/ca-confinement';
import { signAuth, verifyAuth } from '../../src/crypto/auth-signature';
import { AUTH, CERT, ID } from '../../src/wire/iana';
import type { PolicyConf } from '../../src/conf/types';
import { ikedConf, makePki, type Pki } from '../interop/lib/scenario';
import { childrenOf } from '../helpers/proc-tree';

const REPO = path.resolve(__dirname, __filename.endsWith('.ts') ? '../..' : '../../..');
const NS_A = 'crs-ca-a';
const NS_B = 'crs-ca-b';

function skipReason(): string | null {
  if (process.env.IKED_SKIP_INTEGRATION) return 'IKED_SKIP_INTEGRATION is set';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (privilege separation, network namespaces)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'needs iproute2 (ip)';
  if (spawnSync('openssl', ['version']).status !== 0) return 'needs the openssl CLI (certificates)';
  if (!fs.existsSync(path.join(REPO, 'dist/src/cli/iked.js'))) return 'compile first (npx tsc -p .)';
  return null;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function ensureUser(): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', '_iked']).status !== 0) run('useradd', ['-r', '-M', '-s', '/usr/sbin/nologin', '_iked']);
  return { uid: Number(run('id', ['-u', '_iked']).trim()), gid: Number(run('id', ['-g', '_iked']).trim()) };
}

function cleanupNs(): void {
  for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns]);
}

async function until<T>(what: string, ms: number, f: () => Promise<T | null | undefined | false> | T | null | undefined | false, detail = (): string => ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An iked directory as packaged: public parts world-readable, the key root-only. */
function ikedDir(base: string, pki: Pki, name: string, mode = 0o755): string {
  const d = path.join(base, `iked-${name}`);
  for (const sub of ['', 'ca', 'certs']) fs.mkdirSync(path.join(d, sub), { recursive: true, mode });
  fs.chmodSync(d, mode);
  fs.mkdirSync(path.join(d, 'private'), { mode: 0o700 });
  fs.writeFileSync(path.join(d, 'ca', 'ca.crt'), pki.ca, { mode: 0o644 });
  fs.writeFileSync(path.join(d, 'certs', `${name}.crt`), pki.cert(name), { mode: 0o644 });
  fs.writeFileSync(path.join(d, 'private', 'local.key'), pki.key(name), { mode: 0o600 });
  return d;
}

function caOf(iked: IkedProcess): number {
  const ca = childrenOf(iked.pid).find((c) => c.cmd.includes('ca-main'));
  assert.ok(ca, `no ca under ${iked.pid}: ${JSON.stringify(childrenOf(iked.pid))}`);
  return ca.pid;
}

/** /proc/<pid>/status fields. */
function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = l.indexOf(':');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return out;
}

const established = async (iked: IkedProcess, not?: string): Promise<boolean> =>
  (await iked.showSa().catch(() => [])).some((s) => s.state === 'ESTABLISHED' && s.children.length > 0 && s.ikeSpiI !== not);

test('the ca runs as _iked, without capabilities, chrooted to the iked directory; reset ca and reload work', { timeout: 180_000 }, async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const user = ensureUser();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'crs-ca-'));
  const pki = makePki('ecdsa', ['a.test', 'b.test']);
  const other = path.join(base, 'other-ca.crt');
  spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(base, 'other-ca.key'), '-out', other, '-days', '30',
    '-subj', '/CN=crs other CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'ignore' });
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  t.after(async () => {
    await a?.stop();
    await b?.stop();
    cleanupNs();
    for (const d of [base, pki.dir]) fs.rmSync(d, { recursive: true, force: true });
  });
  cleanupNs();
  run('ip', ['netns', 'add', NS_A]);
  run('ip', ['netns', 'add', NS_B]);
  run('ip', ['link', 'add', 'crsca-a', 'netns', NS_A, 'type', 'veth', 'peer', 'name', 'crsca-b', 'netns', NS_B]);
  run('ip', ['-n', NS_A, 'addr', 'add', '192.0.2.1/24', 'dev', 'crsca-a']);
  run('ip', ['-n', NS_B, 'addr', 'add', '192.0.2.2/24', 'dev', 'crsca-b']);
  for (const [ns, dev] of [[NS_A, 'crsca-a'], [NS_B, 'crsca-b']]) {
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  for (const [ns, dev] of [[NS_A, 'crsca-a'], [NS_B, 'crsca-b']]) {
    await until(`${dev} carrier`, 10_000, () => run('ip', ['-n', ns, '-o', 'link', 'show', 'dev', dev]).includes('LOWER_UP'));
  }
  const dirA = ikedDir(base, pki, 'a.test');
  const dirB = ikedDir(base, pki, 'b.test');
  const conf = (active: boolean, extra = ''): string =>
    ikedConf({
      active, local: active ? '192.0.2.1' : '192.0.2.2', peer: active ? '192.0.2.2' : '192.0.2.1', localLan: active ? '10.1.0.0/24' : '10.2.0.0/24', remoteLan: active ? '10.2.0.0/24' : '10.1.0.0/24',
      ike: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256', esp: 'enc aes-128-gcm', srcid: active ? 'a.test' : 'b.test', dstid: active ? 'b.test' : 'a.test', auth: { kind: 'cert', keyType: 'ecdsa' }, extra,
    });
  const env = (dir: string): Record<string, string> => ({ IKED_DIR: dir, IKED_RETRANSMIT_MS: '500', IKED_USER: '_iked' });
  b = await IkedProcess.start({ ns: NS_B, conf: conf(false), repoRoot: REPO, env: env(dirB), extraArgs: ['-vv'] });
  a = await IkedProcess.start({ ns: NS_A, conf: conf(true), repoRoot: REPO, env: env(dirA), extraArgs: ['-vv'] });
  const ia = a;
  const detail = (): string => `--- a ---\n${ia.log().split('\n').slice(-30).join('\n')}\n--- b ---\n${b?.log().split('\n').slice(-30).join('\n')}`;
  await until('a certificate-authenticated IKE SA', 60_000, () => established(ia), detail);

  // what the ca is and what it can reach
  const ca = caOf(ia);
  const st = status(ca);
  const idsOf = (f: string): number[] => st[f].split(/\s+/).map(Number);
  assert.deepEqual(idsOf('Uid'), [user.uid, user.uid, user.uid, user.uid], 'real, effective, saved and filesystem uid');
  assert.deepEqual(idsOf('Gid'), [user.gid, user.gid, user.gid, user.gid], 'gids');
  assert.equal(st.Groups, String(user.gid), 'supplementary groups');
  for (const f of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) assert.equal(BigInt(`0x${st[f]}`), 0n, `${f} ${st[f]}`);
  assert.equal(fs.readlinkSync(`/proc/${ca}/root`), dirA, 'the ca’s root directory');
  // every thread: credentials are per thread on Linux
  for (const tid of fs.readdirSync(`/proc/${ca}/task`)) {
    const ts = fs.readFileSync(`/proc/${ca}/task/${tid}/status`, 'utf8');
    assert.match(ts, new RegExp(`^Uid:\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}$`, 'm'), `thread ${tid}`);
    assert.match(ts, /^CapEff:\s+0+$/m, `thread ${tid} capabilities`);
  }
  // the user itself cannot read the key (the parent hands it over)
  const probe = spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(path.join(dirA, 'private', 'local.key'))})`], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  assert.match(probe.stderr, /EACCES/, 'uid _iked reads private/local.key');
  const fds = fs.readdirSync(`/proc/${ca}/fd`).map((fd) => fs.readlinkSync(`/proc/${ca}/fd/${fd}`));
  assert.deepEqual(fds.filter((f) => f.startsWith(dirA)), [], 'no file of the iked directory held open');
  assert.match(ia.log(), new RegExp(`ca: chrooted to ${dirA.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as uid ${user.uid} gid ${user.gid}`));
  assert.match(ia.log(), /ca: private key received for \/private\/local\.key/);
  console.log(`# ca ${ca}: Uid ${st.Uid} | Gid ${st.Gid} | CapEff ${st.CapEff} CapPrm ${st.CapPrm} CapBnd ${st.CapBnd} | root -> ${fs.readlinkSync(`/proc/${ca}/root`)}`);

  // reset ca re-reads the directory from inside the chroot: a CA added meanwhile appears
  fs.copyFileSync(other, path.join(dirA, 'ca', 'other.crt'));
  fs.chmodSync(path.join(dirA, 'ca', 'other.crt'), 0o644);
  const before = await ia.ikectl(['show', 'certstore']);
  assert.match(before.stdout, /^CA: .*ecdsa CA/m);
  assert.doesNotMatch(before.stdout, /crs other CA/, 'not before the reset');
  const reset = await ia.ikectl(['reset', 'ca']);
  assert.equal(reset.code, 0, reset.stderr);
  await until('the added CA in the certstore', 15_000, async () => /^CA: .*crs other CA/m.test((await ia.ikectl(['show', 'certstore'])).stdout), detail);

  // reload (a changed configuration) loads again; a new IKE SA still signs
  const first = (await ia.showSa()).find((s) => s.state === 'ESTABLISHED');
  assert.ok(first);
  fs.writeFileSync(path.join(ia.dir, 'iked.conf'), conf(true, 'lifetime 3600'));
  const reload = await ia.ikectl(['reload']);
  assert.equal(reload.code, 0, reload.stderr);
  await until('the reload', 15_000, () => /reloaded \S+: 1 policies/.test(ia.log()), detail);
  // the engine answers the reload once it has the configuration and tells the ca; the ca's load (and
  // the parent's key hand-over it asks for) may finish after the parent logged the reload
  const keyLoads = (): number => (ia.log().match(/ca: private key received/g) ?? []).length;
  await until('the key handed over at start, at reset ca and at reload (3 times)', 15_000, () => keyLoads() >= 3, () => `${keyLoads()} times\n${detail()}`);
  const resetSa = await ia.ikectl(['reset', 'sa']);
  assert.equal(resetSa.code, 0, resetSa.stderr);
  await until('a new certificate-authenticated IKE SA after reset ca and reload', 60_000, () => established(ia, first.ikeSpiI), detail);
  assert.equal(caOf(ia), ca, 'the same ca process throughout');
  assert.doesNotMatch(ia.log(), /fatal/, detail());
});

test('an iked directory _iked cannot read: the ca stays root, with a warning saying why', { timeout: 60_000 }, async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const user = ensureUser();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'crs-ca-'));
  const pki = makePki('ecdsa', ['a.test']);
  let a: IkedProcess | undefined;
  t.after(async () => {
    await a?.stop();
    spawnSync('ip', ['netns', 'del', NS_A]);
    for (const d of [base, pki.dir]) fs.rmSync(d, { recursive: true, force: true });
  });
  spawnSync('ip', ['netns', 'del', NS_A]);
  run('ip', ['netns', 'add', NS_A]);
  run('ip', ['-n', NS_A, 'link', 'set', 'lo', 'up']);
  const dir = ikedDir(base, pki, 'a.test', 0o700);
  a = await IkedProcess.start({ ns: NS_A, conf: 'set decouple\n', repoRoot: REPO, env: { IKED_DIR: dir, IKED_USER: '_iked' } });
  const ia = a;
  await until('the warning', 15_000, () => /ca: runs as root, not chrooted: /.test(ia.log()), () => ia.log());
  assert.match(ia.log(), new RegExp(`not chrooted: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not readable by uid ${user.uid}`));
  const st = status(caOf(ia));
  assert.equal(st.Uid.split(/\s+/)[0], '0');
  assert.equal(fs.readlinkSync(`/proc/${caOf(ia)}/root`), '/');
});

test('the confined ca process alone: key from the parent, OCSP host name resolved by the parent', { timeout: 60_000 }, async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const user = ensureUser();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'crs-ca-'));
  const pki = makePki('ecdsa', ['a.test', 'b.test']);
  const dir = ikedDir(base, pki, 'a.test');
  const fatal: string[] = [];
  const ca = spawnChild({ args: { role: 'ca', foreground: true, verbose: 2 }, maxFrame: MAX_FRAME.parentCa, extra: ['pipe'], onFatal: (m) => fatal.push(m), onClose: () => undefined });
  const link = new FrameChannel((ca.proc.stdio as unknown as net.Socket[])[5], { name: 'test-engine', maxFrame: MAX_FRAME.engineCa, onFatal: (m) => fatal.push(m) });
  const auth = new AuthProxy(link);
  // an OCSP responder on 127.0.0.1 that answers 503: the request reaching it is the point
  const posted: string[] = [];
  const server = http.createServer((req, res) => {
    posted.push(`${req.method} ${req.headers.host} ${req.headers['content-type']}`);
    req.resume();
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  t.after(() => {
    ca.proc.kill('SIGKILL');
    link.close();
    ca.channel.close();
    server.close();
    for (const d of [base, pki.dir]) fs.rmSync(d, { recursive: true, force: true });
  });
  // the parent's side: the key (as parent.ts serves it) and host names
  const lookedUp: string[] = [];
  let keysServed = 0;
  ca.channel.handle(M.caKey, empty, () => {
    keysServed++;
    return { key: privateKeyForCa(dir) };
  });
  ca.channel.handle(M.caLookup, caLookupCheck, (r) => {
    lookedUp.push(r.host);
    return { addresses: r.host === 'ocsp.crs.invalid' ? [{ address: '127.0.0.1', family: 4 }] : [] };
  });
  const policy = { name: 'p', auth: { method: 'ecdsa256' }, authExplicit: false } as unknown as PolicyConf;
  const ocsp = { url: `http://ocsp.crs.invalid:${port}/`, tolerate: 0, maxAge: -1 };
  const init = await ca.channel.request(M.caInit, { dir, policies: [policy], options: { ocsp }, confine: { root: dir, uid: user.uid, gid: user.gid } }, certstoreCheck);
  assert.ok(init.certs.some((c) => c.kind === 'ca'), JSON.stringify(init.certs));
  assert.equal(keysServed, 1);
  const st = status(ca.proc.pid as number);
  assert.equal(st.Uid, `${user.uid}\t${user.uid}\t${user.uid}\t${user.uid}`);
  assert.equal(fs.readlinkSync(`/proc/${ca.proc.pid}/root`), dir);

  // signs with the handed-over key
  await auth.ready();
  const octets = Buffer.from('AUTH octets');
  const signed = await auth.sign('p', { type: ID.FQDN, data: Buffer.from('a.test') }, octets, []);
  assert.equal(verifyAuth(createPrivateKey(pki.key('a.test')), signed.method, signed.data, octets).ok, true);
  // verifies b.test's chain, then asks OCSP: the name goes through the parent, the POST reaches the responder
  const bKey = createPrivateKey(pki.key('b.test'));
  const bSig = signAuth(bKey, octets, AUTH.ECDSA_SHA256_P256);
  const der = new X509Certificate(pki.cert('b.test')).raw;
  const caDer = new X509Certificate(pki.ca).raw;
  const v = await auth.verify('p', { type: ID.FQDN, data: Buffer.from('b.test') }, AUTH.ECDSA_SHA256_P256, bSig, octets, [
    { encoding: CERT.X509_SIG, data: der },
    { encoding: CERT.X509_SIG, data: caDer },
  ]);
  assert.deepEqual(lookedUp, ['ocsp.crs.invalid']);
  assert.deepEqual(posted, [`POST ocsp.crs.invalid:${port} application/ocsp-request`]);
  assert.equal(v.ok, false);
  assert.match((v as { reason: string }).reason, /HTTP status 503/);
  assert.deepEqual(fatal, []);
});
