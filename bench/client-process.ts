/** The orchestrator's handle on one load-client process (spawned in the initiator namespace, pinned). */
import { spawn, ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ClientEvent, encodeLine, parseEvent } from './client-protocol';
import type { CaseName } from './bench-configs';

export type DoneEvent = Extract<ClientEvent, { type: 'done' }>;

export interface ClientProcessOptions {
  ns: string;
  cpu: number;
  caseName: CaseName;
  server: string;
  addresses: string[];
  clientIkedDir?: string;
  repoRoot: string;
}

export class ClientProcess {
  private readonly waiters: ((e: ClientEvent) => void)[] = [];
  private stderr = '';
  onProgress: (done: number, ms: number) => void = () => undefined;

  private constructor(private readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const e = parseEvent(line);
      if (!e) return;
      if (e.type === 'progress') this.onProgress(e.done, e.ms);
      else this.waiters.shift()?.(e);
    });
    child.stderr!.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-4000);
    });
    child.on('exit', (code, sig) => {
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: `load client exited (${sig ?? code}): ${this.stderr.trim()}` });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private next(): Promise<ClientEvent> {
    return new Promise((r) => this.waiters.push(r));
  }

  static async start(o: ClientProcessOptions): Promise<ClientProcess> {
    const script = join(o.repoRoot, 'dist', 'bench', 'load-client-main.js');
    const args = ['netns', 'exec', o.ns, 'taskset', '-c', String(o.cpu), process.execPath, ...clientNodeArgs(), script, o.caseName, o.server, o.addresses.join(',')];
    if (o.clientIkedDir) args.push(o.clientIkedDir);
    const child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new ClientProcess(child);
    const e = await c.next();
    if (e.type !== 'ready') throw new Error(`load client did not start: ${e.type === 'error' ? e.message : e.type}`);
    return c;
  }

  /**
   * Establish `count` SAs (client numbers first..first+count-1), `window` at a time;
   * with `release` each is deleted (INFORMATIONAL) as soon as it is established; with `keep`,
   * each new SA past `keep` held retires the client's oldest (churn at a held level).
   */
  async run(count: number, first: number, window: number, progressEvery = 1000, release = false, keep?: number): Promise<DoneEvent> {
    const p = this.next();
    this.child.stdin!.write(encodeLine({ cmd: 'run', count, first, window, progressEvery, release, keep }));
    const e = await p;
    if (e.type !== 'done') throw new Error(e.type === 'error' ? e.message : `unexpected client event ${e.type}`);
    return e;
  }

  async quit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.write(encodeLine({ cmd: 'quit' }));
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

/**
 * Node options for the load client (the instrument, never the daemon measured):
 * IKED_BENCH_CLIENT_NODE_ARGS (space-separated) or, by default, a 64 MB young generation.
 * Holding 100,000 SAs, the client with Node's default young generation spent 32 % more CPU
 * per new SA than at 10,000 (its handshakes' objects promoted, then collected from a 350 MB
 * old generation) and set the pace; with 64 MB, 6 % (bench/RESULTS.md, session 10).
 */
export function clientNodeArgs(): string[] {
  const v = process.env.IKED_BENCH_CLIENT_NODE_ARGS;
  return v === undefined ? ['--max-semi-space-size=64'] : v.split(' ').filter(Boolean);
}
