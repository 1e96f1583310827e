/**
 * The daemon: loads iked.conf, opens the kernel adapter and the IKE sockets, runs
 * the protocol engine, serves the control socket, starts active policies and keeps
 * them up, reloads on SIGHUP, and cleans up on SIGTERM/SIGINT.
 */
import type { IkedOptions } from './daemon-options';
import type { Logger } from '../log/logger';
import type { IkedConfig } from '../conf/types';
import { loadConfigFile } from '../conf/load';
import { formatConfError } from '../conf/format-error';
import { openKernel } from '../platform/select';
import { Engine } from '../ikev2/engine';
import { buildPolicy, Policy } from '../ikev2/policy/policy';
import { UdpTransport } from './udp-transport';
import { CaService, ikedDir } from './ca-service';
import { startControlServer } from './control-server';
import { DaemonControlImpl } from './daemon-control';
import { PolicyKeeper } from './policy-keeper';
import { attachDaemonEap } from '../eap/daemon-eap';
import { attachDaemonRadius } from '../radius/daemon-radius';
import { startMobikeWatcher } from './mobike-addresses';
import type { MonitorEvent } from './control-api';

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

export async function runDaemon(opts: IkedOptions, log: Logger, hooks: DaemonHooks = {}): Promise<void> {
  if (usePrivsep()) {
    const { runPrivsepDaemon } = await import('./privsep/parent');
    return runPrivsepDaemon(opts, log, hooks);
  }
  const loaded = loadConfig(opts.configFile, opts.macros, log);
  if (!loaded.ok) {
    for (const l of loaded.errors) log.error(l);
    throw new Error(`${opts.configFile}: configuration has errors`);
  }
  const { config } = loaded.value;
  const decoupled = config.options.decouple;
  const kernel = await openKernel({ decoupled, force: kernelFromEnv(), log: (m: string) => log.debug(m), logging: () => log.getVerbose() >= 2 });
  log.info(`kernel: ${kernel.name}${decoupled ? ' (decoupled: nothing is loaded into the kernel)' : ''}`);

  const ca = new CaService(ikedDir(), log);
  ca.load(config.policies, { ocsp: config.options.ocsp });

  const monitors = new Set<(e: MonitorEvent) => void>();
  let engine: Engine | null = null;
  const transport = await UdpTransport.open({
    ikePort: opts.ikePort,
    nattPort: opts.natt === 'disable' ? null : opts.nattPort,
    ipv6: opts.ipv6,
    log,
    kernelSockets: kernel.name !== 'decoupled',
    onPacket: (buf, local, remote) => engine?.handleDatagram(buf, local, remote),
  });
  engine = new Engine({
    log,
    kernel,
    auth: ca,
    transport,
    policies: loaded.value.policies,
    options: config.options,
    natt: opts.natt,
    nattPort: opts.nattPort,
    monitor: (kind, message, spi) => {
      const ev: MonitorEvent = { time: Math.floor(Date.now() / 1000), kind, message, spi };
      for (const m of monitors) m(ev);
    },
    timing: timingFromEnv(),
  });
  engine.localIkePort = opts.ikePort;
  engine.remoteIkePort = opts.ikePort;
  engine.passive = opts.passive || config.options.mode === 'passive';
  attachDaemonRadius(engine, attachDaemonEap(engine, config), config, log);
  kernel.onEvent((ev) => keeper.kernelEvent(ev));

  const keeper = new PolicyKeeper(engine, log);
  const control = new DaemonControlImpl(engine, ca, keeper, log, monitors, opts, loadConfig);
  const server = await startControlServer(opts.socketPath, control, log);
  log.info(`listening on ${transport.boundEndpoints().map((e) => `${e.address}:${e.port}`).join(' ')}, control socket ${opts.socketPath}`);
  keeper.start();
  // MOBIKE: sockets and IKE SAs follow local address changes
  const addressWatcher = startMobikeWatcher(engine, transport, opts.ipv6, log);
  hooks.ready?.();

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`parent terminating on ${sig}`);
      resolve();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      void control.reload().then((r) => {
        if (!r.ok) for (const l of r.errors) log.error(l);
      });
    });
  });

  keeper.stop();
  addressWatcher.stop();
  await engine.shutdown(true);
  await keeper.unloadFlows();
  try {
    await kernel.flush();
  } catch (e) {
    log.warn(`kernel flush: ${e instanceof Error ? e.message : String(e)}`);
  }
  await kernel.close();
  await server.close();
  await transport.close();
  ca.close();
}

/** IKED_KERNEL=xfrm|pfkey|decoupled forces a kernel adapter (tests; default: the platform's choice). */
export function kernelFromEnv(env: NodeJS.ProcessEnv = process.env): 'xfrm' | 'pfkey' | 'decoupled' | undefined {
  const v = env.IKED_KERNEL;
  if (v === undefined || v === '') return undefined;
  if (v === 'xfrm' || v === 'pfkey' || v === 'decoupled') return v;
  throw new Error(`IKED_KERNEL='${v}': expected xfrm, pfkey or decoupled`);
}

/** Test knobs (not for production): IKED_RETRANSMIT_MS, IKED_RETRANSMIT_TRIES, IKED_COOKIE_THRESHOLD, IKED_NATT_KEEPALIVE_MS. */
export function timingFromEnv(): Partial<import('../ikev2/engine').EngineTiming> {
  const t: Partial<import('../ikev2/engine').EngineTiming> = {};
  const n = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const rt = n(process.env.IKED_RETRANSMIT_MS);
  if (rt !== undefined) t.retransmitMs = rt;
  const tries = n(process.env.IKED_RETRANSMIT_TRIES);
  if (tries !== undefined) t.retransmitTries = tries;
  const ka = n(process.env.IKED_NATT_KEEPALIVE_MS);
  if (ka !== undefined) t.natKeepaliveMs = ka;
  const ct = n(process.env.IKED_COOKIE_THRESHOLD);
  if (ct !== undefined) t.cookieThreshold = ct;
  return t;
}
