/**
 * What every privsep child shares: its role and log settings from argv, the
 * logger, the channel to the parent (fd 4) and to its peer (fd 5), the node IPC
 * channel for handed-over sockets, and the rules for dying: a protocol error
 * is fatal (log, exit 1), losing the parent ends the process.
 */
import * as net from 'node:net';
import { createLogger, Logger } from '../../log/logger';
import { FrameChannel } from './frame-channel';

/** fd 3 is node's IPC channel (handed-over sockets), fd 4 the framed channel to the parent. */
export const PARENT_FD = 4;
/** ca and control: the link to the engine; in the engine, the link to the ca. */
export const PEER_FD = 5;
/** engine only: the link to the control process. */
export const CONTROL_FD = 6;

export type Role = 'ca' | 'engine' | 'control';

export interface ChildArgs {
  role: Role;
  foreground: boolean;
  verbose: number;
}

export interface ChildRuntime {
  args: ChildArgs;
  log: Logger;
  parent: FrameChannel;
  fatal(reason: string): never;
  /** A channel over an inherited socketpair fd (PEER_FD, CONTROL_FD). */
  channel(fd: number, name: string, maxFrame?: number): FrameChannel;
}

function parseArgs(): ChildArgs {
  const raw = process.argv[2];
  let a: unknown;
  try {
    a = JSON.parse(raw ?? '');
  } catch {
    a = null;
  }
  const o = a as Partial<ChildArgs> | null;
  if (!o || !['ca', 'engine', 'control'].includes(String(o.role)) || typeof o.foreground !== 'boolean' || typeof o.verbose !== 'number') {
    process.stderr.write('iked: privsep child started without valid arguments (it is started by iked itself)\n');
    process.exit(1);
  }
  return o as ChildArgs;
}

let syslogFn: ((priority: number, msg: string) => void) | null | undefined;

/**
 * libc syslog(3) through the native addon, opened (LOG_NDELAY: connected to the log
 * socket now) on the first call. The engine calls it before its chroot, where
 * /dev/log is out of reach; undefined when the addon is not available.
 */
export function openChildSyslog(role: Role): ((priority: number, msg: string) => void) | undefined {
  if (syslogFn === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { loadKernelAddon } = require('../../platform/native-binding') as typeof import('../../platform/native-binding');
      const addon = loadKernelAddon();
      addon.openlog(`iked-${role}`, 3 << 3 /* LOG_DAEMON */);
      syslogFn = (priority, msg) => addon.syslog(priority, msg);
    } catch {
      syslogFn = null;
    }
  }
  return syslogFn ?? undefined;
}

export function startChild(expected: Role, parentMaxFrame?: number): ChildRuntime {
  const args = parseArgs();
  if (args.role !== expected) {
    process.stderr.write(`iked: ${expected} entry point started as ${args.role}\n`);
    process.exit(1);
  }
  // -d: stderr as the parent; detached: syslog (facility daemon) as the parent
  const syslog = args.foreground ? undefined : openChildSyslog(args.role);
  const log = createLogger({ foreground: args.foreground, verbose: args.verbose, ident: `iked-${args.role}`, syslog });
  const fatal = (reason: string): never => {
    log.error(`${args.role}: fatal: ${reason}`);
    process.exit(1);
  };
  const channel = (fd: number, name: string, maxFrame?: number): FrameChannel =>
    new FrameChannel(new net.Socket({ fd, readable: true, writable: true }), {
      name,
      maxFrame,
      onFatal: fatal,
      onClose: () => log.debug(`${args.role}: ${name} closed`),
    });
  const parentSock = new net.Socket({ fd: PARENT_FD, readable: true, writable: true });
  const parent = new FrameChannel(parentSock, {
    name: `parent->${args.role}`,
    maxFrame: parentMaxFrame,
    onFatal: fatal,
    onClose: () => {
      log.debug(`${args.role}: parent closed its channel, exiting`);
      process.exit(0);
    },
  });
  process.on('disconnect', () => process.exit(0));
  // the parent decides when children stop: ^C and SIGHUP go to the parent only
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  // the parent's SIGTERM at teardown: a normal exit (exit handlers run, e.g. node --cpu-prof writes its profile)
  process.on('SIGTERM', () => process.exit(0));
  return { args, log, parent, fatal, channel };
}
