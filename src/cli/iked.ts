#!/usr/bin/env node
/**
 * iked(8): the IKEv2 daemon's command line. Parses OpenBSD iked's flags,
 * runs the config check (-n) or starts the daemon.
 */
import { IKED_USAGE, IkedOptions, kernelFromEnv, parseIkedArgs, timingFromEnv } from './iked-options';
import { IKED_VERSION } from './version';
import type { Logger } from '../log/logger';
import { DaemonStatus, detachDaemon } from './iked-daemonize';

export interface IkedIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** libc syslog(3), when the native addon is available */
  syslog?: (priority: number, msg: string) => void;
  /** the environment the test-harness knobs are read from (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /** for tests: replaces the real daemon */
  runDaemon?: (opts: IkedOptions, log: Logger, hooks?: { ready?: () => void }) => Promise<void>;
  /**
   * Without -d: start the daemon detached and resolve to this process's exit code
   * (./iked-daemonize). Absent (tests), the daemon runs in this process.
   */
  daemonize?: (argv: string[], opts: IkedOptions, stderr: { write(s: string): unknown }) => Promise<number>;
  /** Set in the detached daemon itself: its status channel to the invoking process. */
  status?: DaemonStatus;
}

/** libc syslog(3) through the native addon, when it is built. */
function nativeSyslog(): ((priority: number, msg: string) => void) | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadKernelAddon } = require('../platform/native-binding') as typeof import('../platform/native-binding');
    const addon = loadKernelAddon();
    addon.openlog('iked', 3 << 3 /* LOG_DAEMON */);
    return (priority, msg) => addon.syslog(priority, msg);
  } catch {
    return undefined;
  }
}

/** The process's own io; the native addon (syslog) is loaded only when first asked for: `iked -n` never is. */
function defaultIo(): IkedIo {
  const status = DaemonStatus.take(process.env) ?? undefined;
  let syslog: IkedIo['syslog'] | null = null;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    get syslog() {
      if (syslog === null) syslog = nativeSyslog();
      return syslog;
    },
    status,
    daemonize: status ? undefined : detachDaemon,
  };
}

/** Interpret whatever ../conf/check returns: lines to print and success. */
function describeCheckResult(r: unknown): { ok: boolean; lines: string[] } {
  if (typeof r === 'boolean') return { ok: r, lines: [] };
  const o = (r ?? {}) as { ok?: unknown; lines?: unknown; errors?: unknown; warnings?: unknown };
  const lines: string[] = [];
  const fmt = (e: unknown): string => {
    if (typeof e === 'string') return e;
    const c = e as { file?: string; line?: number; message?: string };
    if (c && typeof c.message === 'string') return c.file ? `${c.file}:${c.line ?? 0}: ${c.message}` : c.message;
    return String(e);
  };
  if (Array.isArray(o.lines)) lines.push(...o.lines.map(fmt));
  if (Array.isArray(o.warnings) && !Array.isArray(o.lines)) lines.push(...o.warnings.map(fmt));
  const errors = Array.isArray(o.errors) ? o.errors : [];
  if (!Array.isArray(o.lines)) lines.push(...errors.map(fmt));
  const ok = typeof o.ok === 'boolean' ? o.ok : errors.length === 0;
  return { ok, lines };
}

export async function ikedMain(argv: string[], io: IkedIo = defaultIo()): Promise<number> {
  const parsed = parseIkedArgs(argv);
  if ('error' in parsed) {
    io.stderr.write(`iked: ${parsed.error}\n${IKED_USAGE}\n`);
    return 1;
  }
  const opts = parsed;
  if (opts.showVersion) {
    io.stdout.write(`iked ${IKED_VERSION}\n`);
    return 0;
  }
  for (const w of opts.warnings) io.stderr.write(`iked: ${w}\n`);
  // the test harness's knobs, read once here (iked-options.ts): the daemon gets them as options
  try {
    opts.kernel = kernelFromEnv(io.env ?? process.env);
    opts.timing = timingFromEnv(io.env ?? process.env);
  } catch (e) {
    io.stderr.write(`iked: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }

  if (opts.checkOnly) {
    let res: { ok: boolean; lines: string[] };
    try {
      (await import('./check-tuning')).tuneForCheck(opts.configFile);
      const { checkConfig } = await import('../conf/check');
      res = describeCheckResult(await checkConfig(opts.configFile, { macros: opts.macros, verbose: opts.verbose }));
    } catch (e) {
      io.stderr.write(`iked: ${opts.configFile}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    // as iked -n: the configuration dump on stdout, diagnostics and the verdict on stderr
    for (const raw of res.lines) {
      const l = raw.endsWith('\n') ? raw : raw + '\n';
      (res.ok && l !== 'configuration OK\n' ? io.stdout : io.stderr).write(l);
    }
    if (res.ok && !res.lines.includes('configuration OK')) io.stderr.write('configuration OK\n');
    return res.ok ? 0 : 1;
  }

  // as iked(8): without -d, detach; the invoking process returns once the daemon answers
  if (!opts.foreground && io.daemonize) return io.daemonize(argv, opts, io.stderr);

  const status = opts.foreground ? undefined : io.status;
  // winston and the daemon are loaded only here: a config check (-n) needs neither
  const { createLogger } = await import('../log/logger');
  const { startupLine } = await import('../log/iked-wording');
  if (status && !io.syslog) status.report('iked: syslog(3) is not available (native addon not built): the detached daemon logs nowhere; use -d');
  const base = createLogger({ foreground: opts.foreground, verbose: opts.verbose, ident: 'iked', syslog: io.syslog });
  const log = status ? status.tee(base) : base;
  log.info(startupLine(IKED_VERSION));
  try {
    const run = io.runDaemon ?? (await import('../proc/daemon')).runDaemon;
    await run(opts, log, { ready: () => status?.ready(log) });
    return 0;
  } catch (e) {
    log.error(`fatal: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    status?.close();
    status?.removePidFile();
    log.close();
  }
}

/** After ikedMain returns, the longest the process lingers for handles left open. */
const EXIT_GRACE_MS = 500;

if (require.main === module) {
  ikedMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // as fatal() in iked: a daemon that failed half-way may still hold sockets or
      // timers; leave once the event loop had a moment to flush the last lines
      // but never before stdout and stderr are written out: `iked -nv | ...` of a large
      // config still had output queued for the pipe at the grace's end and lost it
      const leave = (): void => {
        if (process.stdout.writableLength || process.stderr.writableLength) setTimeout(leave, 50).unref();
        else process.exit();
      };
      setTimeout(leave, EXIT_GRACE_MS).unref();
    },
    (e: unknown) => {
      process.stderr.write(`iked: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
