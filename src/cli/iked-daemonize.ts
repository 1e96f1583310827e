/**
 * Detaching as iked(8) does without -d, in two halves:
 *
 *  - the invoking process (detachDaemon) re-spawns the same command line as a
 *    detached child (its own session: setsid through spawn's `detached`), with
 *    stdin/stdout/stderr on /dev/null and one extra socketpair on fd 3, the
 *    status channel. It waits until the child says it is ready and the control
 *    socket accepts a connection, then exits 0; if the child dies first, or does
 *    not come up within the time limit, it prints what the child reported
 *    (the `file:line: message` errors, the fatal line) and exits non-zero.
 *
 *  - the daemon (DaemonStatus) learns that it is the detached child from
 *    IKED_DAEMON_STATUS_FD in its environment. That variable is internal, set
 *    only here, and is not a user flag: it is removed from the environment at
 *    once so that nothing the daemon starts (privsep children, helpers) sees it.
 *    Until it is ready, the daemon copies its warnings and errors to the status
 *    channel; it then writes its pid file, sends `ready` and closes the channel.
 *    From then on it logs to syslog only (facility daemon).
 *
 * The child keeps the invoker's command line, argv[0] included, so ps(1) shows
 * the same `node /usr/local/sbin/iked -f ...` the service manager started (the
 * rc.d scripts under contrib/ match on it), and the invoker's working directory
 * (relative -f and include paths keep working across reloads).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { IkedOptions } from './iked-options';
import type { Logger } from '../log/logger';

/** Internal: the fd number of the status channel in the detached daemon. */
export const STATUS_FD_ENV = 'IKED_DAEMON_STATUS_FD';
/** How long the invoking process waits for the daemon's control socket. */
export const START_TIMEOUT_MS = 30_000;
/** The detached daemon's pid file; IKED_PIDFILE moves it (as IKED_DIR moves /etc/iked). */
export const IKED_DEFAULT_PIDFILE = '/var/run/iked.pid';

const STATUS_FD = 3;
const KILL_GRACE_MS = 3_000;
const CONNECT_RETRY_MS = 50;

export function pidFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.IKED_PIDFILE || IKED_DEFAULT_PIDFILE;
}

interface Sink {
  write(s: string): unknown;
}

export interface DetachOptions {
  /** the command line to re-spawn (default: this process's) */
  execPath?: string;
  args?: string[];
  argv0?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Can a client connect to the control socket now? */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Lines from the status channel: `log <text>` and `ready`. */
function readLines(stream: Readable, onLine: (l: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * The invoking process's half: start the detached daemon and wait for it.
 * Resolves to the exit code for the invoking process.
 */
export async function detachDaemon(argv: string[], opts: IkedOptions, stderr: Sink, d: DetachOptions = {}): Promise<number> {
  const timeoutMs = d.timeoutMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const child = spawn(d.execPath ?? process.execPath, d.args ?? [...process.execArgv, process.argv[1], ...argv], {
    argv0: d.argv0 ?? process.argv0,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...(d.env ?? process.env), [STATUS_FD_ENV]: String(STATUS_FD) },
  });
  const status = child.stdio[STATUS_FD] as Readable | null;
  const reported: string[] = [];
  let ready = false;
  let onReady: () => void = () => undefined;
  const readyP = new Promise<void>((resolve) => (onReady = resolve));
  const drained = status
    ? readLines(status, (l) => {
        if (l === 'ready') {
          ready = true;
          onReady();
        } else if (l.startsWith('log ')) reported.push(l.slice(4));
      })
    : Promise.resolve();
  let exitText = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitText = signal ? `signal ${signal}` : `code ${code ?? 0}`;
      resolve();
    });
    child.once('error', (e) => {
      exitText = e.message;
      resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))));

  const fail = async (why: string): Promise<number> => {
    clearTimeout(timer);
    // the child's last lines may still be in flight when it exits
    await Promise.race([drained, new Promise((r) => setTimeout(r, 500))]);
    for (const l of reported) stderr.write(l.endsWith('\n') ? l : l + '\n');
    stderr.write(`iked: ${why}\n`);
    status?.destroy();
    return 1;
  };
  const stopChild = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      // its own process group (setsid): privsep children go with it
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone
      }
    }, KILL_GRACE_MS);
    await exited;
    clearTimeout(t);
  };

  const first = await Promise.race([readyP.then(() => 'ready' as const), exited.then(() => 'exited' as const), timedOut]);
  if (first === 'exited' && !ready) return fail(`the daemon exited (${exitText}) before it was ready`);
  if (first === 'timeout') {
    await stopChild();
    return fail(`the daemon did not start within ${Math.round(timeoutMs / 1000)} s; stopped it`);
  }
  // ready: the control socket must answer from here too
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (await socketAnswers(opts.socketPath)) break;
    if (dead) return fail(`the daemon exited (${exitText}) before its control socket ${opts.socketPath} answered`);
    if (Date.now() > deadline) {
      await stopChild();
      return fail(`control socket ${opts.socketPath} did not answer within ${Math.round(timeoutMs / 1000)} s; stopped the daemon`);
    }
    await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
  }
  clearTimeout(timer);
  for (const l of reported) stderr.write(l.endsWith('\n') ? l : l + '\n'); // start-up warnings
  status?.destroy();
  child.unref();
  return 0;
}

/**
 * The detached daemon's half: the status channel to the invoking process and
 * the pid file. Created only when the environment says this process is that child.
 */
export class DaemonStatus {
  private open = true;
  private pidFile: string | null = null;

  private constructor(
    private readonly fd: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The channel if this process is the detached daemon; removes the marker from env. */
  static take(env: NodeJS.ProcessEnv = process.env): DaemonStatus | null {
    const v = env[STATUS_FD_ENV];
    if (v === undefined) return null;
    delete env[STATUS_FD_ENV];
    if (!/^\d+$/.test(v)) return null;
    return new DaemonStatus(Number(v), env);
  }

  private send(line: string): void {
    if (!this.open) return;
    try {
      fs.writeSync(this.fd, line + '\n');
    } catch {
      this.open = false; // the invoking process is gone: nothing to report to
    }
  }

  /** A start-up diagnostic for the invoking process's stderr. */
  report(msg: string): void {
    for (const l of msg.split('\n')) this.send(`log ${l}`);
  }

  /** The logger, with warnings and errors also reported until the daemon is ready. */
  tee(log: Logger): Logger {
    return {
      error: (m) => {
        log.error(m);
        this.report(m);
      },
      warn: (m) => {
        log.warn(m);
        this.report(m);
      },
      info: (m) => log.info(m),
      verbose: (m) => log.verbose(m),
      debug: (m) => log.debug(m),
      setVerbose: (n) => log.setVerbose(n),
      getVerbose: () => log.getVerbose(),
      close: () => log.close(),
    };
  }

  /** Up and serving: write the pid file, tell the invoking process, close the channel. */
  ready(log: Logger): void {
    const file = pidFilePath(this.env);
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o644 });
      this.pidFile = file;
    } catch (e) {
      log.warn(`pid file ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.send('ready');
    this.close();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** At exit: remove the pid file if it is still ours. */
  removePidFile(): void {
    if (!this.pidFile) return;
    try {
      if (fs.readFileSync(this.pidFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(this.pidFile);
    } catch {
      // gone or unreadable
    }
    this.pidFile = null;
  }
}
