/**
 * iked's logger, OpenBSD log.c semantics:
 *  - foreground (-d): plain lines on stderr, no timestamp, like `iked -d`;
 *  - background: every line to syslog through the injected function;
 *    without one, stderr with a syslog-like prefix and a one-time warning.
 * Verbosity: 0 = info and up, 1 (-v) = verbose, 2 (-vv) = debug.
 * The hot path is direct: a line below the level costs one comparison, a line
 * above it one write (or one syslog call); no winston stream machinery per line
 * (its transports in this directory remain for embedding in a winston logger).
 */
import { LOG_DAEMON, SyslogFn, syslogSeverity } from './syslog-transport';
import type { LineSink } from './stream-transport';

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

  let emit: (level: Level, msg: string) => void;
  const toSink = (line: string): void => {
    try {
      sink.write(line);
    } catch {
      // stderr gone (EPIPE): nothing sensible left to do
    }
  };
  if (o.foreground) {
    emit = (_level, msg) => toSink(msg + '\n');
  } else if (o.syslog) {
    const syslog = o.syslog as SyslogFn;
    emit = (level, msg) => {
      try {
        syslog(LOG_DAEMON | syslogSeverity(level), msg);
      } catch {
        // A failing syslog must never take the daemon down.
      }
    };
  } else {
    const prefix = syslogLikePrefix(ident);
    emit = (_level, msg) => toSink(prefix() + msg + '\n');
    emit('warn', 'syslog is not available, logging to stderr');
  }

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
