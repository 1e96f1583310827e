/**
 * The daemon: loads iked.conf, opens the kernel adapter and the IKE sockets, runs
 * the protocol engine, serves the control socket, starts active policies and keeps
 * them up, reloads on SIGHUP, and cleans up on SIGTERM/SIGINT.
 */
import type { IkedOptions } from './daemon-options';
import type { Logger } from '../log/logger';
import type { Engine } from '../ikev2/engine';
import { UdpTransport } from './udp-transport';
import { CaService, ikedDir } from './ca-service';
import { startControlServer } from './control-server';
import { assembleDaemonEngine } from './daemon-engine';
import { loadConfig, openConfigAndKernel, usePrivsep, type DaemonHooks } from './daemon-setup';
import { startMobikeWatcher } from './mobike-addresses';
import type { MonitorEvent } from './control-api';

export async function runDaemon(opts: IkedOptions, log: Logger, hooks: DaemonHooks = {}): Promise<void> {
  if (usePrivsep()) {
    const { runPrivsepDaemon } = await import('./privsep/parent');
    return runPrivsepDaemon(opts, log, hooks);
  }
  const { loaded, kernel, record } = await openConfigAndKernel(opts, log);
  const { config } = loaded;
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
  const assembled = assembleDaemonEngine({ opts, loaded, log, kernel, auth: ca, transport, ca, loadConfig, monitors, openKernel: (o) => record.open(o) });
  engine = assembled.engine;
  const { keeper, control } = assembled;
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
  record.close();
  await server.close();
  await transport.close();
  ca.close();
}

