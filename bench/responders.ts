/**
 * The two responders under test, each in the responder namespace and pinned to
 * one core: our iked (compiled daemon, decoupled) and strongSwan's charon
 * (kernel-libipsec: Child SAs installed in userspace ESP), same proposals.
 */
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NsDaemon, waitFor } from '../test/interop/lib/ns-daemon';
import { Charon } from '../test/interop/lib/charon';
import { SW6, SW6_PLUGINS } from '../test/interop/lib/strongswan6';
import { runChecked } from '../test/interop/lib/run-command';
import { BenchCase, ikedResponderConf, swanctlResponderConf } from './bench-configs';
import type { BenchPki } from './pki';

export interface Responder {
  daemon: 'ours' | 'charon';
  pid: number;
  /** Our iked's control socket (ikectl -s); charon: its vici socket. */
  controlSocket: string;
  /** The daemon's log (ours: stdout and stderr of every process). */
  logFile: string;
  logTail(lines: number): string;
  stop(): Promise<void>;
}

export interface ResponderOptions {
  ns: string;
  serverAddr: string;
  cpu: number;
  baseDir: string;
  repoRoot: string;
  pki: BenchPki | null;
  /** false: IKED_NO_PRIVSEP=1 (one process). */
  privsep: boolean;
  /** More environment for our iked (over the bench's: IKED_COOKIE_THRESHOLD='' restores the default). */
  ikedEnv?: Record<string, string>;
  /** charon settings over the bench's (e.g. dos_protection = yes, its default). */
  charonSettings?: Record<string, string | number>;
}

/** IKED_BENCH_PROFILE=DIR: our responder writes a V8 CPU profile there (node --cpu-prof). */
function profileArgs(): string[] {
  const dir = process.env.IKED_BENCH_PROFILE;
  const extra = process.env.IKED_BENCH_NODE_ARGS ? process.env.IKED_BENCH_NODE_ARGS.split(' ').filter(Boolean) : [];
  return [...(dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : []), ...extra];
}

export async function startIked(c: BenchCase, o: ResponderOptions): Promise<Responder> {
  const dir = mkdtempSync(join(o.baseDir, `iked-${c.name}-`));
  const conf = join(dir, 'iked.conf');
  writeFileSync(conf, ikedResponderConf(c, o.serverAddr), { mode: 0o600 });
  const sock = join(dir, 'iked.sock');
  const iked = join(o.repoRoot, 'dist', 'src', 'cli', 'iked.js');
  const env: Record<string, string> = { IKED_COOKIE_THRESHOLD: '1000000000' };
  if (o.pki) env.IKED_DIR = o.pki.serverDir;
  if (!o.privsep) env.IKED_NO_PRIVSEP = '1';
  Object.assign(env, o.ikedEnv ?? {});
  const proc = NsDaemon.spawn({
    ns: o.ns,
    argv: ['taskset', '-c', String(o.cpu), process.execPath, ...profileArgs(), iked, '-d', '-f', conf, '-s', sock],
    outFile: join(dir, 'iked.log'),
    env,
  });
  const logTail = (n: number): string => {
    try {
      return readFileSync(join(dir, 'iked.log'), 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return '';
    }
  };
  try {
    await waitFor(() => existsSync(sock) || proc.exited, 20_000, `iked control socket ${sock}`);
    if (proc.exited) throw new Error(`iked exited at startup (${proc.status})`);
  } catch (e) {
    await proc.stop(2000);
    throw new Error(`${(e as Error).message}\n--- iked.log ---\n${logTail(30)}`);
  }
  return { daemon: 'ours', pid: proc.pid, controlSocket: sock, logFile: join(dir, 'iked.log'), logTail, stop: () => proc.stop(5000) };
}

export async function startCharon(c: BenchCase, o: ResponderOptions): Promise<Responder> {
  const ch = await Charon.start({
    ns: o.ns,
    name: `charon-${c.name}`,
    baseDir: o.baseDir,
    swanctlConf: swanctlResponderConf(c, o.serverAddr),
    ...(c.pq ? { install: SW6, plugins: SW6_PLUGINS } : {}),
    files: o.pki ? o.pki.swanctlFiles() : undefined,
    logLevels: { default: 0 },
    charonSettings: { dos_protection: 'no', ikesa_table_size: 4096, ikesa_table_segments: 16, reuse_ikesa: 'no', ...(o.charonSettings ?? {}) },
  });
  try {
    await ch.loadAll();
    // every thread of charon (its thread pool exists from the start) onto one core
    await runChecked(['taskset', '-a', '-p', '-c', String(o.cpu), String(ch.pid)]);
  } catch (e) {
    await ch.stop({ keepFiles: true });
    throw e;
  }
  return {
    daemon: 'charon',
    pid: ch.pid,
    controlSocket: ch.viciSocket,
    logFile: ch.logPath,
    logTail: (n) => ch.log().split('\n').slice(-n).join('\n'),
    stop: () => ch.stop({ keepFiles: true }),
  };
}
