/**
 * The daemon's engine, assembled once for both daemons (one process,
 * src/proc/daemon.ts; the privilege-separated engine, src/proc/privsep/engine-main.ts):
 * the IKEv2 engine with its ports, mode and monitor events, the EAP and RADIUS
 * methods, the policy keeper (kernel flows, active policies, ACQUIREs) and what
 * ikectl may ask of it.
 */
import { Engine, type Transport } from '../ikev2/engine';
import type { AuthProvider } from '../ikev2/policy/auth-provider';
import type { KernelAdapter } from '../platform/types';
import type { OpenKernelOptions } from '../platform/select';
import type { Logger } from '../log/logger';
import { attachDaemonEap } from '../eap/daemon-eap';
import { attachDaemonRadius } from '../radius/daemon-radius';
import type { IkedOptions } from './daemon-options';
import type { LoadedConfig } from './daemon-setup';
import type { MonitorEvent } from './control-api';
import { DaemonControlImpl, type ConfigLoader } from './daemon-control';
import { PolicyKeeper } from './policy-keeper';
import type { CaService } from './ca-service';
import { cryptoPathText } from '../crypto/native-crypto';

export interface DaemonEngineOptions {
  opts: IkedOptions;
  loaded: LoadedConfig;
  log: Logger;
  kernel: KernelAdapter;
  auth: AuthProvider;
  transport: Transport;
  /** the certificate store and its reload (the CaService, or under privsep the engine's handle on the ca) */
  ca: Pick<CaService, 'store' | 'load'>;
  /** how `ikectl reload` reads a configuration (under privsep: the parent does) */
  loadConfig: ConfigLoader;
  /** ikectl monitor subscribers; `onEvent` sees every event too */
  monitors: Set<(e: MonitorEvent) => void>;
  onEvent?: (e: MonitorEvent) => void;
  /** how `ikectl couple` opens the kernel (default: platform/select.ts openKernel) */
  openKernel?: (o: OpenKernelOptions) => Promise<KernelAdapter>;
}

export interface DaemonEngine {
  engine: Engine;
  keeper: PolicyKeeper;
  control: DaemonControlImpl;
}

export function assembleDaemonEngine(o: DaemonEngineOptions): DaemonEngine {
  const { opts, loaded, log, kernel } = o;
  const { config } = loaded;
  const engine = new Engine({
    log,
    kernel,
    auth: o.auth,
    transport: o.transport,
    policies: loaded.policies,
    options: config.options,
    natt: opts.natt,
    nattPort: opts.nattPort,
    monitor: (kind, message, spi) => {
      const ev: MonitorEvent = { time: Math.floor(Date.now() / 1000), kind, message, spi };
      for (const m of o.monitors) m(ev);
      o.onEvent?.(ev);
    },
    timing: opts.timing,
  });
  log.info(`cryptography: ${cryptoPathText()}`);
  engine.localIkePort = opts.ikePort;
  engine.remoteIkePort = opts.ikePort;
  engine.passive = opts.passive || config.options.mode === 'passive';
  attachDaemonRadius(engine, attachDaemonEap(engine, config), config, log);
  const keeper = new PolicyKeeper(engine, log);
  kernel.onEvent((ev) => keeper.kernelEvent(ev));
  const control = new DaemonControlImpl(engine, o.ca, keeper, log, o.monitors, opts, o.loadConfig, o.openKernel);
  return { engine, keeper, control };
}
