/**
 * Start a long-running daemon (charon, pluto, our iked) inside a network
 * namespace AND a private mount namespace, so per-instance bind mounts
 * (e.g. a private /run for the compiled-in /var/run/charon.pid) never leak.
 *
 *   ip netns exec NS unshare --mount --propagation private sh -c 'mount ...; exec "$@"' sh ARGV...
 *
 * ip, unshare and sh all exec, so the child's PID is the daemon's PID.
 * Output goes to a file (no pipes), and the child is unref'd so a forgotten
 * daemon cannot hang the test runner; a process 'exit' hook SIGKILLs every
 * daemon still alive as a last resort.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { delay } from './run-command';

export interface NsDaemonOptions {
  ns: string;
  argv: string[];
  /** File receiving the daemon's stdout and stderr. */
  outFile: string;
  env?: Record<string, string>;
  /** Host directory bind-mounted over /run inside the private mount namespace. */
  runDir?: string;
  /** Read-only overlays: lowerdirs (first wins) mounted on target. */
  overlays?: { lower: string[]; target: string }[];
}

const live = new Set<number>();
let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class NsDaemon {
  private exitCode: number | null = null;
  private exitSignal: string | null = null;
  private done = false;
  private readonly exitWaiters: (() => void)[] = [];

  private constructor(readonly pid: number, readonly label: string) {}

  static spawn(o: NsDaemonOptions): NsDaemon {
    installExitHook();
    const mounts: string[] = [];
    if (o.runDir) mounts.push(`mount --bind ${shQuote(o.runDir)} /run || { echo "ns-daemon: cannot bind ${o.runDir} over /run" >&2; exit 97; }`);
    for (const ov of o.overlays ?? []) {
      mounts.push(
        `mount -t overlay iked-interop -o ${shQuote('lowerdir=' + ov.lower.join(':'))} ${shQuote(ov.target)} || { echo "ns-daemon: overlay on ${ov.target} failed" >&2; exit 98; }`,
      );
    }
    const script = [...mounts, 'exec "$@"'].join('\n');
    const fd = openSync(o.outFile, 'a');
    const child = spawn('ip', ['netns', 'exec', o.ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...o.argv], {
      env: { ...process.env, ...(o.env ?? {}) },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`cannot start ${o.argv[0]} in netns ${o.ns}`);
    const d = new NsDaemon(child.pid, `${o.argv[0]}@${o.ns}`);
    live.add(child.pid);
    child.on('exit', (code, signal) => {
      d.exitCode = code;
      d.exitSignal = signal;
      d.done = true;
      live.delete(child.pid as number);
      for (const w of d.exitWaiters.splice(0)) w();
    });
    child.on('error', () => {
      d.done = true;
      live.delete(child.pid as number);
      for (const w of d.exitWaiters.splice(0)) w();
    });
    child.unref();
    return d;
  }

  get exited(): boolean {
    return this.done;
  }

  /** "exit 1" / "signal SIGKILL" / "running". */
  get status(): string {
    if (!this.done) return 'running';
    return this.exitSignal ? `signal ${this.exitSignal}` : `exit ${this.exitCode}`;
  }

  /** Resolves true when the process exited within ms. */
  waitExit(ms: number): Promise<boolean> {
    if (this.done) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.done), ms);
      this.exitWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.done) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      /* gone */
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.done) return;
    this.signal('SIGTERM');
    if (await this.waitExit(graceMs)) return;
    this.signal('SIGKILL');
    await this.waitExit(2000);
  }
}

/** Poll a predicate until true or timeout; throws with `what` on timeout. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() >= end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(stepMs);
  }
}
