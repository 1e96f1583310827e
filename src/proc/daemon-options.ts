import type { EngineTiming } from '../ikev2/engine';

/**
 * What the daemon is started with: iked(8)'s command line as the CLI parses it
 * (src/cli/iked-options.ts), and the defaults of the paths and ports.
 */
export interface IkedOptions {
  foreground: boolean;
  configFile: string;
  checkOnly: boolean;
  verbose: number;
  macros: Record<string, string>;
  socketPath: string;
  natt: 'auto' | 'force' | 'disable';
  nattPort: number;
  ikePort: number;
  passive: boolean;
  ipv6: boolean;
  /** force a kernel adapter (the test harness's IKED_KERNEL; default: the platform's choice) */
  kernel?: 'xfrm' | 'pfkey' | 'decoupled';
  /** engine timers other than the defaults (the test harness's IKED_RETRANSMIT_MS and the like) */
  timing?: Partial<EngineTiming>;
  /** -V: print the version and exit */
  showVersion: boolean;
  /** warnings produced while parsing (e.g. obsolete -6) */
  warnings: string[];
}

export const IKED_DEFAULT_CONFIG = '/etc/iked.conf';
export const IKED_DEFAULT_SOCKET = '/var/run/iked.sock';
export const IKED_DEFAULT_IKE_PORT = 500;
export const IKED_DEFAULT_NATT_PORT = 4500;

