/** The orchestrator's handle on one attacker process (auth-flood-client-main.ts) in the attacker namespace. */
import { spawn, ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { AuthFloodCounts, AuthFloodKind } from './auth-flood-attacker';

export interface AuthFloodDone extends AuthFloodCounts {
  ms: number;
  retransmits: number;
}

export interface AuthFloodSpec {
  kind: AuthFloodKind;
  ns: string;
  cpu: number;
  server: string;
  addresses: string[];
  seconds: number;
  window: number;
  repoRoot: string;
}

export class AuthFloodProcess {
  private readonly events: Record<string, unknown>[] = [];
  private wake: (() => void) | null = null;
  private stderr = '';
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        this.events.push(JSON.parse(l) as Record<string, unknown>);
        this.wake?.();
      } catch {
        /* not an event */
      }
    });
    child.stderr!.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
    child.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
  }

  private async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const e = this.events.shift();
      if (e) {
        if (e.type === 'error') throw new Error(`auth-flood attacker: ${String(e.message)}`);
        return e;
      }
      if (this.exited) throw new Error(`auth-flood attacker exited: ${this.stderr.trim()}`);
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Start the attacker; resolves once its sockets are open. */
  static async start(s: AuthFloodSpec): Promise<AuthFloodProcess> {
    const script = join(s.repoRoot, 'dist', 'bench', 'auth-flood-client-main.js');
    const args = ['netns', 'exec', s.ns, 'taskset', '-c', String(s.cpu), process.execPath, script, s.kind, s.server, s.addresses.join(','), String(s.seconds), String(s.window)];
    const p = new AuthFloodProcess(spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    const e = await p.next();
    if (e.type !== 'ready') throw new Error(`auth-flood attacker did not start: ${JSON.stringify(e)}`);
    return p;
  }

  /** Attack for the seconds given at start; resolves with the attacker's counts. */
  async run(): Promise<AuthFloodDone> {
    this.child.stdin!.write('go\n');
    const e = await this.next();
    if (e.type !== 'done') throw new Error(`auth-flood attacker: unexpected ${JSON.stringify(e)}`);
    return e as unknown as AuthFloodDone;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
