/**
 * Our daemon (compiled: dist/src/cli/iked.js) in a network namespace and a
 * private mount namespace (own /run), with its control socket in a temp dir
 * so ikectl can reach it from the host.
 *
 *   node dist/src/cli/iked.js -d -f <dir>/iked.conf -s <dir>/iked.sock [extraArgs]
 *   node dist/src/cli/ikectl.js -s <dir>/iked.sock show sa --json
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NsDaemon, waitFor } from './ns-daemon';
import { CommandResult, runCommand } from './run-command';
import { OurSa } from './compare-sa';

export { compareSa, OurSa, OurChild, ComparePerspective, splitHostPort } from './compare-sa';

export interface IkedStartOptions {
  ns: string;
  /** iked.conf text, or the path of an existing file (a single line naming an existing file). */
  conf: string;
  extraArgs?: string[];
  /** Repository root containing dist/ (compiled with `npx tsc -p .`). */
  repoRoot: string;
  /** Parent of the instance dir (default: a fresh mkdtemp under os.tmpdir()). */
  baseDir?: string;
  /** ms to wait for the control socket (default 15000). */
  startTimeoutMs?: number;
  /** Extra environment (e.g. IKED_DIR for certificates). */
  env?: Record<string, string>;
}

export class IkedProcess {
  private constructor(
    readonly ns: string,
    readonly dir: string,
    readonly sock: string,
    private readonly repoRoot: string,
    private readonly proc: NsDaemon,
    private readonly ownsBase: string | null,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }
  get logPath(): string {
    return join(this.dir, 'iked.log');
  }
  get running(): boolean {
    return !this.proc.exited;
  }

  static async start(o: IkedStartOptions): Promise<IkedProcess> {
    const iked = join(o.repoRoot, 'dist', 'src', 'cli', 'iked.js');
    if (!existsSync(iked)) throw new Error(`${iked} not found: compile first (cd ${o.repoRoot} && npx tsc -p .)`);
    const ownsBase = o.baseDir ? null : mkdtempSync(join(tmpdir(), 'iked-interop-'));
    const base = o.baseDir ?? (ownsBase as string);
    const dir = mkdtempSync(join(base, `iked-${o.ns}-`));
    mkdirSync(join(dir, 'run'));
    let confPath = join(dir, 'iked.conf');
    if (!o.conf.includes('\n') && existsSync(o.conf)) confPath = o.conf;
    else writeFileSync(confPath, o.conf, { mode: 0o600 });
    const sock = join(dir, 'iked.sock');
    const proc = NsDaemon.spawn({
      ns: o.ns,
      argv: [process.execPath, iked, '-d', '-f', confPath, '-s', sock, ...(o.extraArgs ?? [])],
      outFile: join(dir, 'iked.log'),
      runDir: join(dir, 'run'),
      env: o.env,
    });
    const p = new IkedProcess(o.ns, dir, sock, o.repoRoot, proc, ownsBase);
    try {
      await waitFor(() => existsSync(sock) || proc.exited, o.startTimeoutMs ?? 15_000, `iked control socket ${sock}`);
      if (proc.exited) throw new Error(`iked in ${o.ns} exited at startup (${proc.status})`);
    } catch (e) {
      await p.proc.waitExit(500); // let a dying daemon finish writing its last words
      const tail = p.log().split('\n').slice(-40).join('\n');
      await p.stop();
      throw new Error(`${(e as Error).message}\n--- iked.log ---\n${tail}`);
    }
    return p;
  }

  ikectl(args: string[], timeoutMs = 15_000): Promise<CommandResult> {
    return runCommand([process.execPath, join(this.repoRoot, 'dist', 'src', 'cli', 'ikectl.js'), '-s', this.sock, ...args], { timeoutMs });
  }

  /** `ikectl show sa --json`, parsed. */
  async showSa(): Promise<OurSa[]> {
    const r = await this.ikectl(['show', 'sa', '--json']);
    if (r.code !== 0) throw new Error(`ikectl show sa --json failed (exit ${r.code}): ${r.stderr.trim()}`);
    try {
      const v: unknown = JSON.parse(r.stdout);
      if (!Array.isArray(v)) throw new Error('not a JSON array');
      return v as OurSa[];
    } catch (e) {
      throw new Error(`ikectl show sa --json printed invalid JSON (${(e as Error).message}):\n${r.stdout.slice(0, 2000)}`);
    }
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  async waitForLog(re: RegExp, timeoutMs: number): Promise<void> {
    await waitFor(() => re.test(this.log()), timeoutMs, `iked log to match ${re}`, 100);
  }

  /** SIGTERM (SIGKILL after 5 s); removes its own temp dir unless keepFiles (default: env IKED_INTEROP_KEEP=1). */
  async stop(o: { keepFiles?: boolean } = {}): Promise<void> {
    await this.proc.stop(5000);
    const keep = o.keepFiles ?? process.env.IKED_INTEROP_KEEP === '1';
    if (this.ownsBase && !keep) rmSync(this.ownsBase, { recursive: true, force: true });
  }
}
