/**
 * iked without -d detaches as iked(8) does: the invoking process exits 0 only
 * once the detached daemon's control socket answers, and non-zero with the
 * daemon's reason when start-up fails. Real processes, one daemon at a time,
 * single-process mode (IKED_NO_PRIVSEP=1, `set decouple`, unprivileged ports);
 * one case with privilege separation when run as root with the _iked user.
 * Every daemon started here is killed by pid in the test's cleanup.
 */
import { test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const COMPILED = !__filename.endsWith('.ts');
const REPO = path.resolve(__dirname, COMPILED ? '../../..' : '../..');
const IKED = COMPILED ? [path.join(REPO, 'dist/src/cli/iked.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli/iked.ts')];
const IKECTL = COMPILED ? [path.join(REPO, 'dist/src/cli/ikectl.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli/ikectl.ts')];

const CONF = 'set decouple\nikev2 "t" passive esp from 10.0.0.0/24 to 10.0.1.0/24 peer 192.0.2.2 psk "daemonize-test"\n';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run iked; resolves when it exits AND its stdout/stderr are closed (a daemon holding them would block this). */
function iked(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...IKED, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`iked ${args.join(' ')} did not finish (or its stdout/stderr stayed open) within 45 s; stderr: ${stderr}`));
    }, 45_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function procStat(pid: number): { ppid: number; pgrp: number; session: number; state: string } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z';
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** pids of processes whose command line mentions `needle` (the test's unique temp dir). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle) && alive(Number(d))) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(Number(d));
    if (st && st.ppid === pid && st.state !== 'Z') out.push(Number(d));
  }
  return out;
}

/** A free-looking UDP port pair well away from 500/4500 and from other tests' choices. */
function ports(): string[] {
  const base = 20000 + 2 * Math.floor(Math.random() * 10000);
  return ['--ike-port', String(base), '-p', String(base + 1)];
}

interface Rig {
  dir: string;
  conf: string;
  sock: string;
  pidFile: string;
  env: NodeJS.ProcessEnv;
}

function rig(t: TestContext, privsep = false): Rig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-daemonize-'));
  const conf = path.join(dir, 'iked.conf');
  fs.writeFileSync(conf, CONF, { mode: 0o600 });
  const pidFile = path.join(dir, 'iked.pid');
  const env: NodeJS.ProcessEnv = { ...process.env, IKED_PIDFILE: pidFile };
  if (privsep) delete env.IKED_NO_PRIVSEP;
  else env.IKED_NO_PRIVSEP = '1';
  t.after(async () => {
    // whatever is left of this test's daemons: by pid, never by name
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir, conf, sock: path.join(dir, 'iked.sock'), pidFile, env };
}

function ikectl(r: Rig, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [...IKECTL, '-s', r.sock, ...args], { encoding: 'utf8', cwd: REPO, env: r.env, timeout: 20_000 });
}

/** Start detached, check everything a detached daemon must be, stop it with SIGTERM. */
async function detachedLifecycle(t: TestContext, r: Rig): Promise<void> {
  const run = await iked(['-f', r.conf, '-s', r.sock, ...ports()], r.env, r.dir);
  assert.equal(run.code, 0, `iked exited ${run.code}: ${run.stderr}`);
  assert.equal(run.stdout, '', 'nothing on the terminal');
  assert.equal(run.stderr, '', 'nothing on the terminal');

  // the socket answered before iked returned: it is there now, and the pid file names the daemon
  assert.ok(fs.lstatSync(r.sock).isSocket(), 'control socket exists when iked returns');
  const pid = Number(fs.readFileSync(r.pidFile, 'utf8').trim());
  assert.ok(pid > 1 && alive(pid), `daemon ${pid} from the pid file is alive`);
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  assert.ok(processesMentioning(r.dir).includes(pid), 'the pid file names the iked process started with this configuration');

  // detached: its own session and process group, nothing of the test's, no terminal fds
  const st = procStat(pid);
  const me = procStat(process.pid);
  assert.ok(st && me);
  assert.equal(st.session, pid, 'session leader (setsid)');
  assert.equal(st.pgrp, pid, 'its own process group');
  assert.notEqual(st.session, me.session);
  assert.notEqual(st.pgrp, me.pgrp);
  assert.notEqual(st.ppid, process.pid);
  for (const fd of [0, 1, 2]) assert.equal(fs.readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null', `fd ${fd} is /dev/null`);

  // the control socket serves ikectl
  const stats = ikectl(r, ['show', 'stats']);
  assert.equal(stats.status, 0, stats.stderr);
  assert.match(stats.stdout, /auth failures/);

  // SIGTERM: clean stop, socket and pid file removed, no process left
  const kids = childrenOf(pid);
  process.kill(pid, 'SIGTERM');
  assert.ok(await waitGone(pid, 15_000), 'daemon stopped on SIGTERM');
  for (const k of kids) assert.ok(await waitGone(k, 5_000), `child ${k} stopped`);
  assert.ok(!fs.existsSync(r.sock), 'control socket removed');
  assert.ok(!fs.existsSync(r.pidFile), 'pid file removed');
  assert.deepEqual(processesMentioning(r.dir), []);
}

test('without -d: iked returns 0 once the control socket answers, the daemon runs detached, serves ikectl, stops on SIGTERM', { timeout: 60_000 }, async (t) => {
  await detachedLifecycle(t, rig(t));
});

test('without -d, privilege separation (root): the detached parent and its ca, control and engine', { timeout: 60_000 }, async (t) => {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return t.skip('needs root for privilege separation');
  if (spawnSync('id', ['-u', '_iked']).status !== 0) return t.skip('needs the _iked user (useradd -r -s /usr/sbin/nologin _iked)');
  const r = rig(t, true);
  // the privsep children must be there and in the daemon's session too
  const run = await iked(['-f', r.conf, '-s', r.sock, ...ports()], r.env, r.dir);
  assert.equal(run.code, 0, run.stderr);
  const pid = Number(fs.readFileSync(r.pidFile, 'utf8').trim());
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const kids = childrenOf(pid);
  const cmds = kids.map((k) => fs.readFileSync(`/proc/${k}/cmdline`, 'utf8'));
  for (const role of ['ca', 'control', 'engine']) assert.ok(cmds.some((c) => c.includes(`${role}-main`)), `${role} running: ${cmds.join(' | ')}`);
  for (const k of kids) assert.equal(procStat(k)?.session, pid);
  assert.equal(ikectl(r, ['show', 'stats']).status, 0);
  process.kill(pid, 'SIGTERM');
  assert.ok(await waitGone(pid, 15_000), 'daemon stopped on SIGTERM');
  for (const k of kids) assert.ok(await waitGone(k, 5_000), `child ${k} stopped`);
  assert.ok(!fs.existsSync(r.sock) && !fs.existsSync(r.pidFile));
});

test('without -d, a bad configuration: non-zero exit, file:line error on stderr, no process left', { timeout: 60_000 }, async (t) => {
  const r = rig(t);
  fs.writeFileSync(r.conf, 'set decouple\nikev2 "t" active esp from 10.0.0.0/24 to\n', { mode: 0o600 });
  const run = await iked(['-f', r.conf, '-s', r.sock, ...ports()], r.env, r.dir);
  assert.equal(run.code, 1);
  const esc = r.conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(run.stderr, new RegExp(`^${esc}:2: syntax error`, 'm'));
  assert.match(run.stderr, /fatal: .*configuration has errors/);
  assert.match(run.stderr, /iked: the daemon exited \(code 1\) before it was ready/);
  assert.ok(run.ms < 20_000, `failed fast (${run.ms} ms)`);
  assert.ok(!fs.existsSync(r.sock) && !fs.existsSync(r.pidFile), 'no socket, no pid file');
  assert.deepEqual(processesMentioning(r.dir), [], 'no process left behind');
});

test('without -d, a control socket already in use: non-zero exit with the reason, the first daemon keeps running', { timeout: 60_000 }, async (t) => {
  const r = rig(t);
  const first = await iked(['-f', r.conf, '-s', r.sock, ...ports()], r.env, r.dir);
  assert.equal(first.code, 0, first.stderr);
  const pid = Number(fs.readFileSync(r.pidFile, 'utf8').trim());
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const second = await iked(['-f', r.conf, '-s', r.sock, ...ports()], { ...r.env, IKED_PIDFILE: path.join(r.dir, 'second.pid') }, r.dir);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /fatal: control socket .*iked\.sock is in use/);
  assert.ok(second.ms < 20_000, `failed fast (${second.ms} ms)`);
  assert.ok(!fs.existsSync(path.join(r.dir, 'second.pid')));
  assert.deepEqual(processesMentioning(r.dir), [pid], 'only the first daemon runs');
  assert.equal(ikectl(r, ['show', 'stats']).status, 0, 'the first daemon still answers');
  process.kill(pid, 'SIGTERM');
  assert.ok(await waitGone(pid, 15_000));
});

test('-d stays in the foreground and logs to stderr; -n does not detach', { timeout: 60_000 }, async (t) => {
  const r = rig(t);
  const p = spawn(process.execPath, [...IKED, '-d', '-f', r.conf, '-s', r.sock, ...ports()], { cwd: r.dir, env: r.env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  const end = Date.now() + 20_000;
  while (!/control socket/.test(stderr) && Date.now() < end && p.exitCode === null) await new Promise((res) => setTimeout(res, 50));
  assert.match(stderr, /^startup \(iked /m);
  assert.match(stderr, /listening on .*control socket/);
  assert.equal(p.exitCode, null, 'still running in the foreground');
  assert.ok(p.pid !== undefined);
  assert.equal(procStat(p.pid)?.session, procStat(process.pid)?.session, 'same session: not detached');
  assert.ok(!fs.existsSync(r.pidFile), 'no pid file with -d');
  assert.equal(ikectl(r, ['show', 'stats']).status, 0);
  p.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(stderr, /parent terminating on SIGTERM/);

  const n = await iked(['-n', '-f', r.conf, '-s', r.sock], r.env, r.dir);
  assert.equal(n.code, 0, n.stderr);
  assert.match(n.stderr, /configuration OK/);
  assert.deepEqual(processesMentioning(r.dir), [], '-n started no daemon');
});
