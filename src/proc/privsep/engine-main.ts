/**
 * The ikev2 engine process: chrooted to an empty directory as the unprivileged
 * user, with no kernel socket and no private key. It receives the IKE sockets
 * and the parsed configuration (PSKs included, as in iked) from the parent,
 * reaches the kernel through the parent (KernelProxy) and signatures through
 * the ca (AuthProxy), and serves the control process.
 * Every module it needs is imported here, before the chroot.
 */
import type { Engine } from '../../ikev2/engine';
import { buildPolicy } from '../../ikev2/policy/policy';
import { CertStore } from '../../crypto/x509';
import type { IkedConfig } from '../../conf/types';
import type { MonitorEvent } from '../control-api';
import { UdpTransport } from '../udp-transport';
import type { DaemonControlImpl } from '../daemon-control';
import type { PolicyKeeper } from '../policy-keeper';
import { assembleDaemonEngine } from '../daemon-engine';
import { showFlows, showSa, showStats } from '../sa-views';
import { startChild, PEER_FD, CONTROL_FD } from './child-runtime';
import { chrootAndDrop } from './privileges';
import { KernelProxy } from './kernel-proxy';
import { AuthProxy } from './auth-proxy';
import { SocketInbox } from './ike-sockets';
import { parentConfigSystem } from './client-config-service';
import { handleAddressChanges } from './engine-addresses';
import { loadMemoryRelease } from '../../platform/memory-release';
import { IdleCollector } from './idle-collector';
import { EngineInit, M, MAX_FRAME, empty, engineConfigCheck, engineInitCheck, modeCheck, monitorOnCheck, resetCheck, verboseCheck } from './messages';

function dropNow(): Error | null {
  const spec = process.env.IKED_PRIVSEP_DROP; // "chroot:uid:gid", set by the parent
  delete process.env.IKED_PRIVSEP_DROP;
  const m = spec ? /^(.+):(\d+):(\d+)$/.exec(spec) : null;
  if (!m) return new Error('engine started without a privilege drop specification');
  try {
    chrootAndDrop(m[1], Number(m[2]), Number(m[3]));
    return null;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function main(): void {
  const rt = startChild('engine', MAX_FRAME.parentEngine);
  const { log, parent } = rt;
  const inbox = new SocketInbox();
  const release = loadMemoryRelease(); // before the chroot: the addon's file is out of reach after it
  const idle = new IdleCollector({ collect: release.lowMemory, trim: release.mallocTrim });
  const dropError = dropNow();
  const caLink = rt.channel(PEER_FD, 'ca->engine', MAX_FRAME.engineCa);
  const controlLink = rt.channel(CONTROL_FD, 'control->engine', MAX_FRAME.engineControl);
  const kernel = new KernelProxy(parent);
  const auth = new AuthProxy(caLink);
  const monitors = new Set<(e: MonitorEvent) => void>();

  let engine: Engine | null = null;
  let transport: UdpTransport | null = null;
  let keeper: PolicyKeeper | null = null;
  let control: DaemonControlImpl | null = null;
  /** an ikectl monitor is connected to the control process */
  let monitored = false;

  const loaded = (config: IkedConfig) => ({ config, policies: config.policies.map(buildPolicy) });

  const init = async (init: EngineInit): Promise<null> => {
    if (dropError) throw dropError;
    if (engine) throw new Error('engine: already initialised');
    const { opts, config } = init;
    if (init.kernelName) kernel.name = init.kernelName;
    const sockets = await inbox.wait(init.sockets);
    await auth.ready();
    let e: Engine | null = null;
    const t = UdpTransport.adopt(
      {
        ikePort: opts.ikePort,
        nattPort: opts.natt === 'disable' ? null : opts.nattPort,
        ipv6: opts.ipv6,
        log,
        onPacket: (buf, local, remote) => {
          idle.activity();
          e?.handleDatagram(buf, local, remote);
        },
      },
      sockets,
    );
    const caHandle = { store: new CertStore(), load: (p: IkedConfig['policies'], o?: { ocsp?: IkedConfig['options']['ocsp'] }) => auth.load(p, o) };
    const reloadInParent = (): { ok: false; errors: string[] } => ({ ok: false, errors: ['engine: configuration files are read by the parent process'] });
    const assembled = assembleDaemonEngine({
      opts: { ...opts, timing: init.timing },
      loaded: loaded(config),
      log,
      kernel,
      auth,
      transport: t,
      ca: caHandle,
      loadConfig: reloadInParent,
      monitors,
      onEvent: (ev: MonitorEvent) => {
        if (monitored) controlLink.notify(M.ctlEvent, ev);
      },
    });
    const assembledEngine = assembled.engine;
    e = assembledEngine;
    const k = assembled.keeper;
    control = assembled.control;
    transport = t;
    assembledEngine.clientConfig = parentConfigSystem(parent); // `iface`: the parent runs the commands
    engine = assembledEngine;
    keeper = k;
    k.start();
    log.debug(`engine: running as uid ${process.getuid?.()} with ${sockets.length} IKE sockets`);
    return null;
  };

  const need = (): DaemonControlImpl => {
    if (!control) throw new Error('engine: not initialised yet');
    return control;
  };

  parent.handle(M.engineInit, engineInitCheck, init);
  handleAddressChanges(parent, inbox, () => (engine && transport ? { engine, transport } : null), log);
  parent.handle(M.engineConfig, engineConfigCheck, (r) => {
    need().applyConfig(loaded(r.config));
    return null;
  });
  parent.handle(M.engineShutdown, empty, async () => {
    idle.stop();
    keeper?.stop();
    await engine?.shutdown(true);
    await transport?.close();
    return null;
  });
  parent.handle(M.logVerbose, verboseCheck, (r) => log.setVerbose(r.verbose ? Math.max(1, rt.args.verbose) : 0));
  controlLink.handle(M.ctlReset, resetCheck, async (r) => {
    return need().reset(r.what, r.arg);
  });
  controlLink.handle(M.ctlMode, modeCheck, (r) => {
    need().setMode(r.mode);
    return null;
  });
  // views on demand: the control process asks when ikectl does
  const views = (): Engine => {
    if (!engine) throw new Error('engine: not initialised yet');
    return engine;
  };
  controlLink.handle(M.ctlMonitor, monitorOnCheck, (r) => {
    monitored = r.on;
    return null;
  });
  controlLink.handle(M.ctlShowSa, empty, () => showSa(views()));
  controlLink.handle(M.ctlShowFlows, empty, () => showFlows(views()));
  controlLink.handle(M.ctlShowStats, empty, () => showStats(views()));
}

main();
