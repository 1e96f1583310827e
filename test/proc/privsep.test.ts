/**
 * Integration (root): two real iked daemons with privilege separation in two
 * network namespaces (veth 192.0.2.1 / 192.0.2.2, `set decouple`, PSK). Once the
 * SA is up, the engine process must run as _iked chrooted to the empty directory
 * with no key file and no NETLINK_XFRM / PF_KEY socket, the ca must hold the key,
 * and killing the ca must bring the whole daemon down with the reason logged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childrenOf } from '../helpers/proc-tree';

const REPO = path.resolve(__dirname, __filename.endsWith('.ts') ? '../..' : '../../..');
const COMPILED = !__filename.endsWith('.ts');
const CHROOT = '/var/empty';
const XFRM = 6; // NETLINK_XFRM

function skipReason(): string | null {
  if (process.env.IKED_SKIP_INTEGRATION) return 'IKED_SKIP_INTEGRATION is set';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (privilege separation, network namespaces)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'needs iproute2 (ip)';
  return null;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function ikedArgv(): string[] {
  return COMPILED ? [path.join(REPO, 'dist/src/cli/iked.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli/iked.ts')];
}

function ikectl(sock: string, args: string[]): string {
  const argv = COMPILED ? [path.join(REPO, 'dist/src/cli/ikectl.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli/ikectl.ts')];
  const r = spawnSync(process.execPath, [...argv, '-s', sock, ...args], { encoding: 'utf8', cwd: REPO });
  return r.status === 0 ? r.stdout : '';
}

function ensureUser(): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', '_iked']).status !== 0) run('useradd', ['-r', '-M', '-s', '/usr/sbin/nologin', '_iked']);
  return { uid: Number(run('id', ['-u', '_iked']).trim()), gid: Number(run('id', ['-g', '_iked']).trim()) };
}

async function waitFor<T>(what: string, ms: number, f: () => T | null | undefined | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Daemon {
  proc: ChildProcess;
  sock: string;
  logFile: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  log(): string;
}

function startIked(ns: string, dir: string, conf: string, env: Record<string, string>): Daemon {
  const confFile = path.join(dir, 'iked.conf');
  fs.writeFileSync(confFile, conf, { mode: 0o600 });
  const sock = path.join(dir, 'iked.sock');
  const logFile = path.join(dir, 'iked.log');
  const out = fs.openSync(logFile, 'w');
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, ...ikedArgv(), '-dvv', '-f', confFile, '-s', sock], {
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
    cwd: REPO,
  });
  fs.closeSync(out);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, sock, logFile, exited, log: () => fs.readFileSync(logFile, 'utf8') };
}

function roleOf(children: Array<{ pid: number; cmd: string }>, role: string): number {
  const c = children.find((x) => x.cmd.includes(`${role}-main`));
  assert.ok(c, `no ${role} process among ${JSON.stringify(children)}`);
  return c.pid;
}

function ids(pid: number, field: 'Uid' | 'Gid'): number[] {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return (line ?? '').split(/\s+/).slice(1).filter(Boolean).map(Number);
}

function fdTargets(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

/** Protocol of each netlink socket inode, from the process's own network namespace. */
function netlinkProtocols(pid: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of fs.readFileSync(`/proc/${pid}/net/netlink`, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 10) m.set(Number(f[9]), Number(f[1]));
  }
  return m;
}

function pfkeyInodes(pid: number): Set<number> {
  const s = new Set<number>();
  const file = `/proc/${pid}/net/pfkey`;
  if (!fs.existsSync(file)) return s;
  for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 6) s.add(Number(f[5]));
  }
  return s;
}

const PSK_CONF = (name: string, mode: string, local: string, peer: string, lanL: string, lanR: string, src: string, dst: string): string =>
  `set decouple\nikev2 "${name}" ${mode} esp from ${lanL} to ${lanR} local ${local} peer ${peer} srcid ${src} dstid ${dst} psk "privsep-test-secret"\n`;

test('privsep: engine unprivileged and chrooted without key or kernel socket; a dead ca stops all', { timeout: 120_000 }, async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  if (COMPILED && !fs.existsSync(path.join(REPO, 'dist/src/cli/iked.js'))) return t.skip('compile first (npx tsc -p .)');
  const user = ensureUser();
  const tag = `${process.pid % 100000}`;
  const nsA = `psep${tag}a`;
  const nsB = `psep${tag}b`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-privsep-'));
  const daemons: Daemon[] = [];
  t.after(() => {
    for (const d of daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', nsA]);
    spawnSync('ip', ['netns', 'del', nsB]);
    fs.rmSync(base, { recursive: true, force: true });
  });

  run('ip', ['netns', 'add', nsA]);
  run('ip', ['netns', 'add', nsB]);
  run('ip', ['link', 'add', `pa${tag}`, 'netns', nsA, 'type', 'veth', 'peer', 'name', `pb${tag}`, 'netns', nsB]);
  run('ip', ['-n', nsA, 'addr', 'add', '192.0.2.1/24', 'dev', `pa${tag}`]);
  run('ip', ['-n', nsB, 'addr', 'add', '192.0.2.2/24', 'dev', `pb${tag}`]);
  for (const [ns, dev] of [[nsA, `pa${tag}`], [nsB, `pb${tag}`]]) {
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  // iked binds the addresses of running interfaces only: wait for the carrier
  for (const [ns, dev] of [[nsA, `pa${tag}`], [nsB, `pb${tag}`]]) {
    await waitFor(`${dev} carrier`, 10_000, () => run('ip', ['-n', ns, '-o', 'link', 'show', 'dev', dev]).includes('LOWER_UP'));
  }

  // the ca's key: root-only, as /etc/iked/private/local.key is
  const ikedDir = path.join(base, 'etc-iked');
  fs.mkdirSync(path.join(ikedDir, 'private'), { recursive: true, mode: 0o700 });
  const keyFile = path.join(ikedDir, 'private', 'local.key');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

  const dirA = fs.mkdtempSync(path.join(base, 'a-'));
  const dirB = fs.mkdtempSync(path.join(base, 'b-'));
  const env = { IKED_DIR: ikedDir, IKED_RETRANSMIT_MS: '500' };
  const b = startIked(nsB, dirB, PSK_CONF('t', 'passive', '192.0.2.2', '192.0.2.1', '10.2.0.0/24', '10.1.0.0/24', 'b.test', 'a.test'), env);
  daemons.push(b);
  await waitFor('b control socket', 30_000, () => fs.existsSync(b.sock) || b.proc.exitCode !== null);
  assert.equal(b.proc.exitCode, null, `b exited:\n${b.log()}`);
  const a = startIked(nsA, dirA, PSK_CONF('t', 'active', '192.0.2.1', '192.0.2.2', '10.1.0.0/24', '10.2.0.0/24', 'a.test', 'b.test'), env);
  daemons.push(a);

  const sas = await waitFor('IKE SA established (ikectl show sa --json)', 40_000, () => {
    if (a.proc.exitCode !== null) throw new Error(`a exited:\n${a.log()}`);
    const out = ikectl(a.sock, ['show', 'sa', '--json']);
    if (!out) return null;
    const list = JSON.parse(out) as Array<{ state: string; children: unknown[] }>;
    return list.some((s) => s.state === 'ESTABLISHED' && s.children.length > 0) ? list : null;
  });
  assert.ok(sas.length >= 1);

  const parentPid = a.proc.pid!;
  const kids = childrenOf(parentPid);
  assert.equal(kids.length, 3, `expected ca, engine and control under ${parentPid}: ${JSON.stringify(kids)}`);
  const engine = roleOf(kids, 'engine');
  const ca = roleOf(kids, 'ca');
  const control = roleOf(kids, 'control');

  for (const [name, pid] of [['engine', engine], ['control', control]] as const) {
    assert.deepEqual(ids(pid, 'Uid'), [user.uid, user.uid, user.uid, user.uid], `${name} uid`);
    assert.deepEqual(ids(pid, 'Gid'), [user.gid, user.gid, user.gid, user.gid], `${name} gid`);
    assert.equal(fs.readlinkSync(`/proc/${pid}/root`), CHROOT, `${name} root`);
  }
  const engineFds = fdTargets(engine);
  assert.ok(!engineFds.includes(keyFile), 'the engine holds the private key file open');
  assert.ok(engineFds.some((f) => f.startsWith('socket:')), 'the engine has no sockets at all?');
  const nl = netlinkProtocols(engine);
  const pfkey = pfkeyInodes(engine);
  for (const f of engineFds) {
    const m = /^socket:\[(\d+)\]$/.exec(f);
    if (!m) continue;
    const inode = Number(m[1]);
    assert.notEqual(nl.get(inode), XFRM, `engine holds a NETLINK_XFRM socket (inode ${inode})`);
    assert.ok(!pfkey.has(inode), `engine holds a PF_KEY socket (inode ${inode})`);
  }
  // the ca runs privileged and is the one that loaded the key
  assert.equal(ids(ca, 'Uid')[0], 0);
  assert.match(a.log(), new RegExp(`ca: private key loaded from ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // a second daemon in the same namespace: one clear line about the socket in use
  const dirC = fs.mkdtempSync(path.join(base, 'c-'));
  const c = startIked(nsA, dirC, PSK_CONF('t', 'passive', '192.0.2.1', '192.0.2.2', '10.1.0.0/24', '10.2.0.0/24', 'a.test', 'b.test'), env);
  daemons.push(c);
  const cExit = await c.exited;
  assert.equal(cExit.code, 1);
  assert.match(c.log(), /fatal: cannot listen on \S+ port 500: address already in use/);

  // the ca dies: the whole daemon goes, saying why
  process.kill(ca, 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  const aExit = await Promise.race([a.exited, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`a did not exit:\n${a.log()}`)), 15_000)))]);
  clearTimeout(timer);
  assert.equal(aExit.code, 1, a.log());
  assert.match(a.log(), /fatal: ca exited \(signal SIGKILL\)/);
  for (const pid of [engine, control]) assert.ok(!fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), `process ${pid} survived`);
  assert.ok(!fs.existsSync(a.sock), 'control socket left behind');

  // b stops cleanly on SIGTERM
  b.proc.kill('SIGTERM');
  const bExit = await b.exited;
  assert.equal(bExit.code, 0, b.log());
  assert.match(b.log(), /parent terminating on SIGTERM/);
});

test('privsep: a missing unprivileged user is one clear line', { timeout: 30_000 }, async (t) => {
  const why = skipReason();
  if (why) return t.skip(why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-privsep-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const conf = path.join(dir, 'iked.conf');
  fs.writeFileSync(conf, 'set decouple\n', { mode: 0o600 });
  const r = spawnSync(process.execPath, [...ikedArgv(), '-d', '-f', conf, '-s', path.join(dir, 's')], {
    encoding: 'utf8',
    cwd: REPO,
    env: { ...process.env, IKED_USER: 'no_such_iked_user' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /fatal: user no_such_iked_user not found: create it with useradd -r -s \/usr\/sbin\/nologin no_such_iked_user/);
});
