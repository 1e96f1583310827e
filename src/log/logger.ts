/**
 * iked's logger: winston underneath, OpenBSD log.c semantics on top.
 *  - foreground (-d): plain lines on stderr, no timestamp, like `iked -d`;
 *  - background: every line to syslog through the injected function;
 *    without one, stderr with a syslog-like prefix and a one-time warning.
 * Verbosity: 0 = info and up, 1 (-v) = verbose, 2 (-vv) = debug.
 */
import winston from 'winston';
import { TransportBaseType } from './transport-base';
import { SyslogFn, SyslogTransport } from './syslog-transport';
import { LineSink, StreamTransport } from './stream-transport';

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

function syslogLikeFormat(ident: string): winston.Logform.Format {
  return winston.format.printf((info) => {
    const d = new Date();
    const month = d.toLocaleString('en-US', { month: 'short' });
    const day = String(d.getDate()).padStart(2, ' ');
    const time = d.toTimeString().slice(0, 8);
    return `${month} ${day} ${time} ${ident}[${process.pid}]: ${String(info.message)}`;
  });
}

const plainFormat = winston.format.printf((info) => String(info.message));

export function createLogger(o: LogOptions): Logger {
  const ident = o.ident ?? 'iked';
  const sink: LineSink = o.stderr ?? process.stderr;
  let verbose = Math.max(0, Math.floor(o.verbose));
  let fallbackWarning: string | null = null;

  let transport: TransportBaseType;
  let format: winston.Logform.Format;
  if (o.foreground) {
    transport = new StreamTransport(sink);
    format = plainFormat;
  } else if (o.syslog) {
    transport = new SyslogTransport({ syslog: o.syslog as SyslogFn });
    format = plainFormat;
  } else {
    transport = new StreamTransport(sink);
    format = syslogLikeFormat(ident);
    fallbackWarning = 'syslog is not available, logging to stderr';
  }

  const w = winston.createLogger({
    levels: winston.config.npm.levels,
    level: levelForVerbosity(verbose),
    format,
    transports: [transport],
    exitOnError: false,
  });

  if (fallbackWarning) w.warn(fallbackWarning);

  return {
    error: (m) => void w.error(m),
    warn: (m) => void w.warn(m),
    info: (m) => void w.info(m),
    verbose: (m) => void w.verbose(m),
    debug: (m) => void w.debug(m),
    setVerbose(n: number) {
      verbose = Math.max(0, Math.floor(n));
      w.level = levelForVerbosity(verbose);
    },
    getVerbose: () => verbose,
    close: () => void w.close(),
  };
}
