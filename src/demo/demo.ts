/**
 * `npm run demo` (as root): two network namespaces joined by a veth, two iked
 * daemons on the shipped example configs (examples/demo-a.conf active,
 * examples/demo-b.conf passive), the established SA shown with `ikectl show sa`,
 * and everything removed again.
 */
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, copyFileSync, chmodSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const NS = ['iked-demo-a', 'iked-demo-b'];

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'inherit' });
}

function cleanup(procs: ChildProcess[], dir: string): void {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  for (const ns of NS) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

async function waitFor(what: string, ms: number, fn: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('demo: needs root (network namespaces): sudo npm run demo\n');
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'iked-demo-'));
  const procs: ChildProcess[] = [];
  try {
    for (const ns of NS) if (existsSync(`/run/netns/${ns}`)) execFileSync('ip', ['netns', 'del', ns]);
    for (const ns of NS) {
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', NS[0], 'link', 'add', 'out', 'type', 'veth', 'peer', 'name', 'out', 'netns', NS[1]]);
    ip(['-n', NS[0], 'addr', 'add', '192.0.2.1/24', 'dev', 'out']);
    ip(['-n', NS[1], 'addr', 'add', '192.0.2.2/24', 'dev', 'out']);
    for (const ns of NS) ip(['-n', ns, 'link', 'set', 'out', 'up']);
    const iked = join(ROOT, 'dist', 'src', 'cli', 'iked.js');
    const ikectl = join(ROOT, 'dist', 'src', 'cli', 'ikectl.js');
    const socks: string[] = [];
    for (const side of ['b', 'a']) {
      const conf = join(dir, `demo-${side}.conf`);
      copyFileSync(join(ROOT, 'examples', `demo-${side}.conf`), conf);
      chmodSync(conf, 0o600);
      const sock = join(dir, `iked-${side}.sock`);
      socks.push(sock);
      const ns = side === 'a' ? NS[0] : NS[1];
      process.stdout.write(`demo: starting iked ${side === 'a' ? '(active)' : '(passive)'} in ${ns}: iked -d -f ${conf} -s ${sock}\n`);
      const p = spawn('ip', ['netns', 'exec', ns, process.execPath, iked, '-d', '-f', conf, '-s', sock], { stdio: ['ignore', 'inherit', 'inherit'] });
      procs.push(p);
      await waitFor(`the control socket of ${side}`, 10_000, () => existsSync(sock));
    }
    const sockA = socks[1];
    await waitFor('the SA to be established', 15_000, () => {
      const out = execFileSync(process.execPath, [ikectl, '-s', sockA, 'show', 'sa', '--json']).toString();
      const sas = JSON.parse(out) as { state: string; children: unknown[] }[];
      return sas.some((s) => s.state === 'ESTABLISHED' && s.children.length > 0);
    });
    process.stdout.write('\ndemo: ikectl show sa (gateway A)\n');
    execFileSync(process.execPath, [ikectl, '-s', sockA, 'show', 'sa'], { stdio: 'inherit' });
    process.stdout.write('\ndemo: ikectl show sa (gateway B)\n');
    execFileSync(process.execPath, [ikectl, '-s', socks[0], 'show', 'sa'], { stdio: 'inherit' });
    process.stdout.write('\ndemo: done, cleaning up\n');
    return 0;
  } catch (e) {
    process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    cleanup(procs, dir);
  }
}

void main().then((code) => {
  process.exitCode = code;
});
