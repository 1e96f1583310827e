/**
 * What both daemons (one process, src/proc/daemon.ts; privilege-separated,
 * src/proc/privsep/parent.ts) do first: read and check iked.conf, and open the
 * kernel adapter it asks for.
 */
import type { Logger } from '../log/logger';
import type { IkedConfig } from '../conf/types';
import type { KernelAdapter } from '../platform/types';
import { loadConfigFile } from '../conf/load';
import { formatConfError } from '../conf/format-error';
import { DaemonKernelRecord } from './daemon-kernel-record';
import { buildPolicy, Policy } from '../ikev2/policy/policy';
import type { IkedOptions } from './daemon-options';

export interface LoadedConfig {
  config: IkedConfig;
  policies: Policy[];
}

/** Parse and check a configuration; errors as `file:line: message` lines. */
export function loadConfig(file: string, macros: Record<string, string>, log: Logger): { ok: true; value: LoadedConfig } | { ok: false; errors: string[] } {
  const r = loadConfigFile(file, { macros });
  for (const w of r.warnings) log.warn(formatConfError(w));
  if (!r.config || r.errors.length) return { ok: false, errors: r.errors.map(formatConfError) };
  try {
    return { ok: true, value: { config: r.config, policies: r.config.policies.map(buildPolicy) } };
  } catch (e) {
    return { ok: false, errors: [`${file}: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

/**
 * Privilege separation (src/proc/privsep/) when running as root, as OpenBSD iked
 * does; IKED_NO_PRIVSEP=1 or a non-root user gets this single process instead
 * (development, tests, unprivileged ports with `set decouple`).
 */
export function usePrivsep(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && env.IKED_NO_PRIVSEP !== '1';
}

/** Start-up notifications: ready() once the IKE sockets and the control socket are up. */
export interface DaemonHooks {
  ready?: () => void;
}

/**
 * The configuration and the kernel adapter it asks for, after removing what a killed
 * iked left in the kernel (daemon-kernel-record.ts; the record is closed after the
 * adapter's last flush); throws with the reason (errors logged as `file:line: message`).
 */
export async function openConfigAndKernel(opts: IkedOptions, log: Logger): Promise<{ loaded: LoadedConfig; kernel: KernelAdapter; record: DaemonKernelRecord }> {
  const r = loadConfig(opts.configFile, opts.macros, log);
  if (!r.ok) {
    for (const l of r.errors) log.error(l);
    throw new Error(`${opts.configFile}: configuration has errors`);
  }
  const decoupled = r.value.config.options.decouple;
  const record = await DaemonKernelRecord.start(log);
  const kernel = await record.open({ decoupled, force: opts.kernel, log: (m: string) => log.debug(m), logging: () => log.getVerbose() >= 2 });
  log.info(`kernel: ${kernel.name}${decoupled ? ' (decoupled: nothing is loaded into the kernel)' : ''}`);
  return { loaded: r.value, kernel, record };
}
