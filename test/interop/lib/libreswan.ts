/**
 * libreswan's pluto in a network namespace, from an UNPACKED .deb (never
 * installed: Debian's libreswan Conflicts: strongswan-libcharon).
 *
 * ci/deps.sh (or ensureLibreswan()) puts the tree in
 *   $IKED_INTEROP_CACHE/libreswan/root   (default ~/.cache/iked-interop/libreswan/root)
 * pluto exec()s the hard-coded /usr/libexec/ipsec/addconn, so it runs in a
 * private mount namespace with a read-only overlay of the unpacked
 * usr/libexec on /usr/libexec, and with --config/--secretsfile/--ipsecdir/
 * --nssdir/--rundir all in its own directory (NSS db made with certutil).
 * libreswan 4.10: `ikev2=insist` (keyexchange=ikev2 is rejected); rundir= and
 * secretsfile= are command-line only.
 *
 * What works on a host kernel without ESP (see selftest): IKE_SA_INIT and
 * IKE_AUTH in both directions. pluto's XFRM "Add SA" then fails with errno 93
 * (EPROTONOSUPPORT): as responder it answers TS_UNACCEPTABLE (charon keeps a
 * childless IKE_SA); as initiator it deletes its IKE SA without notifying and
 * revives. No CHILD_SA can be used against pluto without a kernel with ESP.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NsDaemon, waitFor } from './ns-daemon';
import { CommandResult, runChecked, runCommand } from './run-command';

export function libreswanCacheDir(): string {
  return join(process.env.IKED_INTEROP_CACHE ?? join(homedir(), '.cache', 'iked-interop'), 'libreswan');
}
export function libreswanRoot(): string {
  return join(libreswanCacheDir(), 'root');
}
function lx(tool: string): string {
  return join(libreswanRoot(), 'usr', 'libexec', 'ipsec', tool);
}

/** null when pluto can run here, else why not (e.g. "run ci/deps.sh"). */
export function libreswanAvailable(): string | null {
  if (!existsSync(lx('pluto'))) return `libreswan not unpacked at ${libreswanRoot()} (run ci/deps.sh)`;
  if (!existsSync('/usr/bin/certutil')) return 'needs certutil (apt-get install libnss3-tools; see ci/deps.sh)';
  return null;
}

/** Unpack libreswan if needed (apt-get download + dpkg -x, never apt-get install). */
export async function ensureLibreswan(): Promise<void> {
  if (existsSync(lx('pluto'))) return;
  const cache = libreswanCacheDir();
  const tmp = mkdtempSync(join(tmpdir(), 'lsw-deb-'));
  chmodSync(tmp, 0o777); // apt-get download runs as _apt
  try {
    await runChecked(['apt-get', 'download', '-qq', 'libreswan'], { cwd: tmp, timeoutMs: 120_000 });
    const deb = (await runChecked(['sh', '-c', 'ls libreswan_*.deb'], { cwd: tmp })).stdout.trim().split('\n')[0];
    rmSync(join(cache, 'root.tmp'), { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    await runChecked(['dpkg', '-x', join(tmp, deb), join(cache, 'root.tmp')]);
    rmSync(join(cache, 'root'), { recursive: true, force: true });
    await runChecked(['mv', join(cache, 'root.tmp'), join(cache, 'root')]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface LibreswanOptions {
  ns: string;
  name: string;
  /** `conn ...` sections of ipsec.conf (config setup is generated). */
  conns: string;
  /** ipsec.secrets text, e.g. `@b.test @a.test : PSK 0x...`. */
  secrets: string;
  /** plutodebug (default none). */
  debug?: string;
  baseDir?: string;
  startTimeoutMs?: number;
}

export class Libreswan {
  private constructor(
    readonly name: string,
    readonly ns: string,
    readonly dir: string,
    private readonly proc: NsDaemon,
    private readonly ownsBase: string | null,
  ) {}

  get rundir(): string {
    return join(this.dir, 'run');
  }
  get logPath(): string {
    return join(this.dir, 'pluto.log');
  }
  get running(): boolean {
    return !this.proc.exited;
  }
  get pid(): number {
    return this.proc.pid;
  }

  static async start(o: LibreswanOptions): Promise<Libreswan> {
    const why = libreswanAvailable();
    if (why) throw new Error(why);
    const ownsBase = o.baseDir ? null : mkdtempSync(join(tmpdir(), 'iked-interop-'));
    const base = o.baseDir ?? (ownsBase as string);
    const dir = join(base, o.name);
    rmSync(dir, { recursive: true, force: true });
    for (const d of ['run', 'nss', 'ipsec.d']) mkdirSync(join(dir, d), { recursive: true });
    await runChecked(['certutil', '-N', '-d', `sql:${join(dir, 'nss')}`, '--empty-password']);
    const conf = [
      'config setup',
      `    plutodebug=${o.debug ?? 'none'}`,
      `    dumpdir=${join(dir, 'run')}`,
      `    ipsecdir=${join(dir, 'ipsec.d')}`,
      `    nssdir=${join(dir, 'nss')}`,
      '',
      o.conns,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'ipsec.conf'), conf);
    writeFileSync(join(dir, 'ipsec.secrets'), o.secrets.endsWith('\n') ? o.secrets : o.secrets + '\n', { mode: 0o600 });
    const proc = NsDaemon.spawn({
      ns: o.ns,
      argv: [
        lx('pluto'),
        '--config', join(dir, 'ipsec.conf'),
        '--secretsfile', join(dir, 'ipsec.secrets'),
        '--ipsecdir', join(dir, 'ipsec.d'),
        '--nssdir', join(dir, 'nss'),
        '--rundir', join(dir, 'run'),
        '--nofork',
        '--stderrlog',
      ],
      outFile: join(dir, 'pluto.log'),
      overlays: [{ lower: [join(libreswanRoot(), 'usr', 'libexec'), '/usr/libexec'], target: '/usr/libexec' }],
    });
    const l = new Libreswan(o.name, o.ns, dir, proc, ownsBase);
    const ctl = join(dir, 'run', 'pluto.ctl');
    try {
      await waitFor(() => existsSync(ctl) || proc.exited, o.startTimeoutMs ?? 10_000, `pluto control socket ${ctl}`);
      if (proc.exited) throw new Error(`pluto in ${o.ns} exited at startup (${proc.status})`);
      // pluto runs `addconn --autoall` itself; wait until it is listening on its interfaces
      await waitFor(() => /listening for IKE messages/.test(l.log()), 5000, 'pluto to listen for IKE messages');
    } catch (e) {
      await l.proc.waitExit(500); // let a dying daemon finish writing its last words
      const tail = l.log().split('\n').slice(-30).join('\n');
      await l.stop();
      throw new Error(`${(e as Error).message}\n--- pluto.log ---\n${tail}`);
    }
    return l;
  }

  /** Run whack against this pluto (on the host: the control socket is a file). */
  whack(args: string[], timeoutMs = 30_000): Promise<CommandResult> {
    return runCommand([lx('whack'), '--rundir', this.rundir, ...args], { timeoutMs });
  }

  async status(): Promise<string> {
    const r = await this.whack(['--status']);
    return r.stdout + r.stderr;
  }

  /** whack --name CONN --initiate (blocks until the exchange finishes or timeoutS). */
  async initiate(conn: string, timeoutS = 20): Promise<{ code: number; out: string }> {
    const r = await this.whack(['--name', conn, '--initiate'], timeoutS * 1000);
    return { code: r.code, out: r.stdout + r.stderr };
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  async waitForLog(re: RegExp, timeoutMs: number): Promise<void> {
    await waitFor(() => re.test(this.log()), timeoutMs, `pluto log to match ${re}`, 100);
  }

  /** whack --shutdown, then SIGTERM/SIGKILL; removes its own temp dir unless keepFiles (default: env IKED_INTEROP_KEEP=1). */
  async stop(o: { keepFiles?: boolean } = {}): Promise<void> {
    if (!this.proc.exited) {
      await this.whack(['--shutdown'], 5000);
      if (!(await this.proc.waitExit(3000))) await this.proc.stop(3000);
    }
    const keep = o.keepFiles ?? process.env.IKED_INTEROP_KEEP === '1';
    if (this.ownsBase && !keep) rmSync(this.ownsBase, { recursive: true, force: true });
  }
}

/** A charon-style "0s<base64>" or raw PSK as libreswan hex ("0x..."). */
export function pskToLibreswanHex(psk: string): string {
  const bytes = psk.startsWith('0s') ? Buffer.from(psk.slice(2), 'base64') : psk.startsWith('0x') ? Buffer.from(psk.slice(2), 'hex') : Buffer.from(psk, 'utf8');
  return '0x' + bytes.toString('hex');
}
