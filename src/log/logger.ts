/**
 * iked's logger, OpenBSD log.c semantics, on winston:
 *  - foreground (-d): plain lines on stderr, no timestamp, like `iked -d`
 *    (StreamTransport);
 *  - background: every line to syslog through the injected function
 *    (SyslogTransport, facility daemon); without one, stderr with a
 *    syslog-like prefix and a one-time warning.
 * Verbosity: 0 = info and up, 1 (-v) = verbose, 2 (-vv) = debug.
 * A line below the level costs one comparison and never reaches winston; a line
 * above it goes through winston's logger to its transport synchronously
 * (about 0.8 us a line here).
 */
import winston from 'winston';
import { LOG_DAEMON, SyslogFn, SyslogTransport } from './syslog-transport';
import { StreamTransport, type LineSink } from './stream-transport';

export interface LogOptions {
  foreground: boolean;
  verbose: number;
  ident?: string;
  syslog?: (priority: number, msg: string) => void;
  /** Where foreground / fallback lines go; defaults to process.stderr (tests inject). */
  stderr?: LineSink;
}

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  /** Shown with -v and up. */
  verbose(msg: string): void;
  /** Shown with -vv. */
  debug(msg: string): void;
  setVerbose(n: number): void;
  getVerbose(): number;
  /** Flush and detach transports. */
  close(): void;
}

/** winston level name for an iked verbosity count. */
export function levelForVerbosity(n: number): 'info' | 'verbose' | 'debug' {
  if (n >= 2) return 'debug';
  if (n === 1) return 'verbose';
  return 'info';
}

type Level = 'error' | 'warn' | 'info' | 'verbose' | 'debug';
/** npm level ranks (winston's): a line is shown when its rank <= the threshold. */
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 28 03:06:55 iked[123]: " (local time), rebuilt at most once a second. */
function syslogLikePrefix(ident: string): () => string {
  let second = -1;
  let prefix = '';
  return () => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      const d = new Date(now);
      const two = (n: number): string => (n < 10 ? '0' : '') + n;
      const day = String(d.getDate()).padStart(2, ' ');
      prefix = `${MONTHS[d.getMonth()]} ${day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${ident}[${process.pid}]: `;
    }
    return prefix;
  };
}

export function createLogger(o: LogOptions): Logger {
  const ident = o.ident ?? 'iked';
  const sink: LineSink = o.stderr ?? process.stderr;
  let verbose = Math.max(0, Math.floor(o.verbose));
  let threshold = RANK[levelForVerbosity(verbose)];
  let closed = false;

  // the transport: stderr lines (foreground, or no syslog: with a syslog-like prefix), or syslog(3)
  const syslog = o.foreground ? undefined : o.syslog;
  const prefix = o.foreground || syslog ? null : syslogLikePrefix(ident);
  const transport = syslog ? new SyslogTransport({ syslog: syslog as SyslogFn, facility: LOG_DAEMON }) : new StreamTransport(sink);
  const wl = winston.createLogger({
    levels: winston.config.npm.levels,
    level: 'debug', // the threshold is checked before winston is called (below)
    format: winston.format.printf(prefix ? (i) => prefix() + String(i.message) : (i) => String(i.message)),
    transports: [transport],
    exitOnError: false,
  });
  const emit = (level: Level, msg: string): void => {
    wl.log(level, msg);
  };
  if (prefix) emit('warn', 'syslog is not available, logging to stderr');

  const at =
    (level: Level) =>
    (m: string): void => {
      if (RANK[level] > threshold || closed) return;
      emit(level, m);
    };

  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    verbose: at('verbose'),
    debug: at('debug'),
    setVerbose(n: number) {
      verbose = Math.max(0, Math.floor(n));
      threshold = RANK[levelForVerbosity(verbose)];
    },
    getVerbose: () => verbose,
    close: () => {
      closed = true;
    },
  };
}
