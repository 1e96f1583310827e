/**
 * One strongSwan charon (Debian's /usr/lib/ipsec/charon) in a network
 * namespace, driven with swanctl over its own vici socket.
 *
 * Per instance (dir = <baseDir>/<name>):
 *   strongswan.conf   own plugin list (kernel-libipsec BEFORE kernel-netlink), filelog, vici socket
 *   swanctl/          swanctl.conf + x509ca/x509/private files (SWANCTL_DIR)
 *   run/              bind-mounted over /run in charon's private mount namespace
 *                     (the PID file /var/run/charon.pid is compiled in); also holds charon.vici
 *   charon.log        the filelog; charon.stdout
 */
import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHARON_BIN } from './netns';
import { NsDaemon, waitFor } from './ns-daemon';
import { CommandResult, runCommand } from './run-command';
import { parseListSas, SwanSa } from './swanctl-parse';
import { requirePlugins } from './swan-plugins';

export const DEFAULT_PLUGINS = [
  'random', 'nonce', 'openssl', 'pem', 'pkcs1', 'pkcs8', 'x509', 'revocation', 'constraints', 'pubkey', 'gmp',
  'sha1', 'sha2', 'hmac', 'aes', 'gcm', 'kdf',
  'kernel-libipsec', 'kernel-netlink', 'socket-default', 'vici',
];

export type FileSet = Record<string, string | Buffer>;

export interface CharonOptions {
  ns: string;
  /** Instance name: a directory name, also used in messages. */
  name: string;
  plugins?: string[];
  /** Full swanctl.conf text (connections + secrets). */
  swanctlConf: string;
  /** filelog levels per subsystem (default: default=1 ike=2 knl=2 cfg=1). */
  logLevels?: Record<string, number>;
  files?: { x509ca?: FileSet; x509?: FileSet; private?: FileSet };
  /** Parent directory for the instance directory (default: a fresh mkdtemp under os.tmpdir()). */
  baseDir?: string;
  /** Extra `charon { ... }` settings, e.g. { retransmit_tries: 2 }. Defaults give fast failures. */
  charonSettings?: Record<string, string | number>;
  /** ms to wait for the vici socket (default 10000). */
  startTimeoutMs?: number;
  /** Another strongSwan build (e.g. strongSwan 6 in its own prefix, ./strongswan6.ts); default Debian's. */
  install?: SwanInstall;
}

/** Where one strongSwan build lives. */
export interface SwanInstall {
  charon: string;
  swanctl: string;
  pluginDir: string;
}

export class Charon {
  private constructor(
    readonly name: string,
    readonly ns: string,
    readonly dir: string,
    private readonly proc: NsDaemon,
    private readonly ownsBase: string | null,
    private readonly swanctlBin: string = 'swanctl',
  ) {}

  get pid(): number {
    return this.proc.pid;
  }
  get confPath(): string {
    return join(this.dir, 'strongswan.conf');
  }
  get swanctlDir(): string {
    return join(this.dir, 'swanctl');
  }
  get viciSocket(): string {
    return join(this.dir, 'run', 'charon.vici');
  }
  get logPath(): string {
    return join(this.dir, 'charon.log');
  }

  static async start(o: CharonOptions): Promise<Charon> {
    if (!/^[A-Za-z0-9_.-]+$/.test(o.name)) throw new Error(`bad charon instance name '${o.name}'`);
    // a missing plugin fails here, naming its package, not later as an EAP_NAK or NO_PROPOSAL_CHOSEN
    requirePlugins(o.plugins ?? DEFAULT_PLUGINS, o.install?.pluginDir);
    const ownsBase = o.baseDir ? null : mkdtempSync(join(tmpdir(), 'iked-interop-'));
    const base = o.baseDir ?? (ownsBase as string);
    const dir = join(base, o.name);
    rmSync(dir, { recursive: true, force: true });
    const sw = join(dir, 'swanctl');
    for (const sub of ['x509', 'x509ca', 'x509aa', 'x509ocsp', 'x509ac', 'x509crl', 'pubkey', 'private', 'rsa', 'ecdsa', 'bliss', 'pkcs8', 'pkcs12']) {
      mkdirSync(join(sw, sub), { recursive: true });
    }
    mkdirSync(join(dir, 'run'), { recursive: true });
    for (const kind of ['x509ca', 'x509', 'private'] as const) {
      for (const [file, data] of Object.entries(o.files?.[kind] ?? {})) {
        writeFileSync(join(sw, kind, file), data, { mode: kind === 'private' ? 0o600 : 0o644 });
      }
    }
    writeFileSync(join(sw, 'swanctl.conf'), o.swanctlConf, { mode: 0o600 });
    writeFileSync(join(dir, 'strongswan.conf'), strongswanConf(dir, o));
    const proc = NsDaemon.spawn({
      ns: o.ns,
      argv: [o.install?.charon ?? CHARON_BIN],
      outFile: join(dir, 'charon.stdout'),
      env: { STRONGSWAN_CONF: join(dir, 'strongswan.conf') },
      runDir: join(dir, 'run'),
    });
    const c = new Charon(o.name, o.ns, dir, proc, ownsBase, o.install?.swanctl);
    const sock = c.viciSocket;
    try {
      await waitFor(() => existsSync(sock) || proc.exited, o.startTimeoutMs ?? 10_000, `charon '${o.name}' vici socket ${sock}`);
      if (proc.exited) throw new Error(`charon '${o.name}' in ${o.ns} died at startup (${proc.status})`);
      if (/could not create any sockets|unable to create socket/i.test(c.log())) {
        throw new Error(`charon '${o.name}' could not bind UDP 500/4500 in ${o.ns} (another IKE daemon there?)`);
      }
    } catch (e) {
      const detail = `\n--- charon.stdout ---\n${safeRead(join(dir, 'charon.stdout'))}\n--- charon.log (tail) ---\n${c.log().split('\n').slice(-30).join('\n')}`;
      await c.stop();
      throw new Error((e as Error).message + detail);
    }
    return c;
  }

  /** Run swanctl against this instance (runs on the host: the vici socket is a file). */
  swanctl(args: string[], timeoutMs = 30_000): Promise<CommandResult> {
    return runCommand([this.swanctlBin, ...args], {
      env: { STRONGSWAN_CONF: this.confPath, SWANCTL_DIR: this.swanctlDir },
      timeoutMs,
    });
  }

  /** swanctl --load-all; throws on failure (e.g. a syntax error in swanctl.conf). */
  async loadAll(): Promise<void> {
    const r = await this.swanctl(['--load-all', '--noprompt']);
    // swanctl's own plugin list may name plugins another build lacks (strongSwan 6 here: gmp): not a load failure
    const out = (r.stdout + r.stderr).split('\n').filter((l) => !/^plugin '[^']+': failed to load/.test(l)).join('\n');
    if (r.code !== 0 || /failed|error/i.test(out)) {
      throw new Error(`charon '${this.name}': swanctl --load-all failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    }
  }

  /** swanctl --initiate; `out` holds stdout+stderr (swanctl streams charon's log there). */
  async initiate(child: string, ike?: string, timeoutS = 15): Promise<{ code: number; out: string }> {
    const args = ['--initiate', '--child', child, '--timeout', String(timeoutS)];
    if (ike) args.push('--ike', ike);
    const r = await this.swanctl(args, (timeoutS + 10) * 1000);
    return { code: r.code, out: r.stdout + r.stderr };
  }

  async terminateIke(ike: string, timeoutS = 5): Promise<void> {
    await this.swanctl(['--terminate', '--ike', ike, '--timeout', String(timeoutS)], (timeoutS + 10) * 1000);
  }

  async listSasRaw(): Promise<string> {
    const r = await this.swanctl(['--list-sas', '--raw']);
    if (r.code !== 0) throw new Error(`charon '${this.name}': swanctl --list-sas failed (exit ${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  async listSas(): Promise<SwanSa[]> {
    return parseListSas(await this.listSasRaw());
  }

  /** charon's file log so far. */
  log(): string {
    return safeRead(this.logPath);
  }

  async waitForLog(re: RegExp, timeoutMs: number): Promise<void> {
    await waitFor(() => re.test(this.log()), timeoutMs, `charon '${this.name}' log to match ${re}`, 100);
  }

  get running(): boolean {
    return !this.proc.exited;
  }

  /**
   * SIGTERM (SIGKILL after 5 s). A temp dir this instance created itself is removed
   * unless keepFiles (default: env IKED_INTEROP_KEEP=1); a caller's baseDir is kept.
   */
  async stop(o: { keepFiles?: boolean } = {}): Promise<void> {
    await this.proc.stop(5000);
    const keep = o.keepFiles ?? process.env.IKED_INTEROP_KEEP === '1';
    if (this.ownsBase && !keep) rmSync(this.ownsBase, { recursive: true, force: true });
  }
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function strongswanConf(dir: string, o: CharonOptions): string {
  const levels = o.logLevels ?? { default: 1, ike: 2, knl: 2, cfg: 1 };
  const settings: Record<string, string | number> = {
    port: 500,
    port_nat_t: 4500,
    install_virtual_ip: 'no',
    // fail fast in tests: ~1 + 1.4 + 2 s of retransmits instead of minutes
    retransmit_timeout: 1,
    retransmit_base: 1.4,
    retransmit_tries: 3,
    ...(o.charonSettings ?? {}),
  };
  const lines = [
    `# generated by test/interop/lib/charon.ts for instance '${o.name}'`,
    'charon {',
    `  load = ${(o.plugins ?? DEFAULT_PLUGINS).join(' ')}`,
    ...Object.entries(settings).map(([k, v]) => `  ${k} = ${v}`),
    '  filelog {',
    '    interop {',
    `      path = ${join(dir, 'charon.log')}`,
    '      time_format = %T',
    '      time_add_ms = yes',
    '      ike_name = yes',
    '      append = no',
    '      flush_line = yes',
    ...Object.entries(levels).map(([k, v]) => `      ${k} = ${v}`),
    '    }',
    '  }',
    '  syslog {',
    '    identifier = charon-interop',
    '    daemon {',
    '      default = -1',
    '    }',
    '  }',
    '  plugins {',
    '    vici {',
    `      socket = unix://${join(dir, 'run', 'charon.vici')}`,
    '    }',
    '    kernel-libipsec {',
    '      allow_peer_ts = no',
    '    }',
    '  }',
    '}',
    'swanctl {',
    `  socket = unix://${join(dir, 'run', 'charon.vici')}`,
    '  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey gmp sha1 sha2',
    '}',
    '',
  ];
  return lines.join('\n');
}
