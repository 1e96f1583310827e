/**
 * A winston transport that hands every line to an injected syslog(3)
 * function (the native addon wraps libc syslog). Levels map to syslog
 * severities the way OpenBSD's log.c does it.
 */
import { TransportBase } from './transport-base';

/** logform's formatted-message key (same symbol as triple-beam's MESSAGE). */
export const MESSAGE: unique symbol = Symbol.for('message') as never;

export const LOG_DAEMON = 3 << 3;
export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_INFO = 6;
export const LOG_DEBUG = 7;

export type SyslogFn = (priority: number, msg: string) => void;

/** Syslog severity for a winston (npm) level name. */
export function syslogSeverity(level: string): number {
  switch (level) {
    case 'error':
      return LOG_ERR;
    case 'warn':
      return LOG_WARNING;
    case 'info':
    case 'verbose':
      return LOG_INFO;
    default:
      return LOG_DEBUG;
  }
}

export interface SyslogTransportOptions {
  syslog: SyslogFn;
  /** syslog facility OR-ed into every priority; iked uses LOG_DAEMON. */
  facility?: number;
  level?: string;
}

interface LogInfo {
  level: string;
  message: unknown;
  [MESSAGE]?: string;
}

export class SyslogTransport extends TransportBase {
  private readonly syslogFn: SyslogFn;
  private readonly facility: number;

  constructor(o: SyslogTransportOptions) {
    super({ level: o.level });
    this.syslogFn = o.syslog;
    this.facility = o.facility ?? LOG_DAEMON;
  }

  override log(info: LogInfo, next: () => void): void {
    const text = info[MESSAGE] ?? String(info.message);
    try {
      this.syslogFn(this.facility | syslogSeverity(info.level), text);
    } catch {
      // A failing syslog must never take the daemon down.
    }
    next();
  }
}
