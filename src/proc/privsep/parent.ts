/**
 * The privileged parent of privilege separation, as in OpenBSD iked: reads the
 * configuration, owns the kernel adapter, binds the IKE sockets and hands them
 * to the engine, and supervises three children:
 *   ca       holds the private key, signs and verifies (chrooted to /etc/iked as _iked,
 *            the key handed over by the parent: ca-confinement.ts)
 *   engine   the IKEv2 protocol, chrooted as _iked, no kernel socket, no key
 *   control  the ikectl socket, chrooted as _iked after creating the socket
 * If one child dies, everything stops with the reason ("ca exited (signal SIGKILL)").
 * SIGHUP re-reads the configuration and pushes it to the engine; SIGTERM/SIGINT
 * stop gracefully (DELETEs sent, kernel state flushed).
 */
import * as fs from 'node:fs';
import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import type { IkedOptions } from '../daemon-options';
import type { Logger } from '../../log/logger';
import type { KernelAdapter } from '../../platform/types';
import type { DaemonKernelRecord } from '../daemon-kernel-record';
import { ikedDir } from '../ca-service';
import { loadConfig, openConfigAndKernel, type DaemonHooks } from '../daemon-setup';
import type { CertstoreEntry } from '../control-api';
import { lookupUser, privsepUser, privsepChroot, ensureChrootDir, requireRoot } from './privileges';
import { bindIkeSockets, handOver, BoundSocket } from './ike-sockets';
import { startAddressRelay } from './address-relay';
import { ClientConfigService } from './client-config-service';
import type { AddressWatcher } from '../address-watcher';
import type { IkedConfig } from '../../conf/types';
import { spawnChild, Child } from './spawn-child';
import { caConfinement, privateKeyForCa } from './ca-confinement';
import { KernelService } from './kernel-service';
import { boundParentHeap } from './parent-heap';
import { IdleCollector } from './idle-collector';
import { loadMemoryRelease } from '../../platform/memory-release';
import type { Role } from './child-runtime';
import { M, MAX_FRAME, caLookupCheck, certstoreCheck, coupleCheck, empty, reloadCheck, verboseCheck, withoutPsk } from './messages';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const KILL_TIMEOUT_MS = 3_000;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code ?? 0}`;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runPrivsepDaemon(opts: IkedOptions, log: Logger, hooks: DaemonHooks = {}): Promise<void> {
  requireRoot();
  boundParentHeap();
  const user = lookupUser(privsepUser());
  const chroot = privsepChroot();
  ensureChrootDir(chroot);
  const { loaded, kernel, record } = await openConfigAndKernel(opts, log);
  const { config } = loaded;
  let sockets: BoundSocket[];
  try {
    sockets = await bindIkeSockets({
      ikePort: opts.ikePort,
      nattPort: opts.natt === 'disable' ? null : opts.nattPort,
      ipv6: opts.ipv6,
      kernelSockets: kernel.name !== 'decoupled',
      warn: (m) => log.warn(m),
    });
  } catch (e) {
    await kernel.close().catch(() => undefined);
    record.close();
    throw e;
  }

  const sup = new Supervisor(opts, log, kernel, record);
  try {
    await sup.start(user.uid, user.gid, chroot, config, sockets);
  } catch (e) {
    for (const b of sockets) b.socket.close();
    await sup.teardown();
    throw e;
  }
  log.info(`privsep: engine uid ${user.uid} in ${chroot}; listening on ${sockets.map((b) => `${b.address}:${b.port}`).join(' ')}, control socket ${opts.socketPath}`);
  hooks.ready?.();
  await sup.run();
}

class Supervisor {
  private readonly children = new Map<Role, Child>();
  private ks: KernelService | null = null;
  private stopping = false;
  private failWith: ((e: Error) => void) | null = null;
  private failure: Error | null = null;
  private controlStarted = false;
  /** the iface names of the running configuration (client configuration is applied only on those) */
  private ifaces = new Set<string>();
  private readonly clientConfig: ClientConfigService;
  /** Releases V8's and malloc's free memory once the engine's kernel requests pause (idle-collector.ts). */
  private readonly idle: IdleCollector;
  private addressWatcher: AddressWatcher | null = null;

  constructor(
    private readonly opts: IkedOptions,
    private readonly log: Logger,
    private kernel: KernelAdapter,
    private readonly record: DaemonKernelRecord,
  ) {
    this.clientConfig = new ClientConfigService(() => this.ifaces, log);
    const release = loadMemoryRelease();
    this.idle = new IdleCollector({ collect: release.lowMemory, trim: release.mallocTrim });
  }

  private noteIfaces(config: IkedConfig): void {
    this.ifaces = new Set(config.policies.flatMap((p) => (p.iface ? [p.iface] : [])));
  }

  private child(role: Role): Child {
    const c = this.children.get(role);
    if (!c) throw new Error(`${role} is not running`);
    return c;
  }

  /** A child died or broke the protocol: stop everything with this reason. */
  private fail(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.failure = new Error(reason);
    if (this.failWith) this.failWith(this.failure);
  }

  async start(uid: number, gid: number, chroot: string, config: import('../../conf/types').IkedConfig, sockets: BoundSocket[]): Promise<void> {
    const args = (role: Role) => ({ role, foreground: this.opts.foreground, verbose: this.opts.verbose });
    const common = (role: Role) => ({
      args: args(role),
      onFatal: (reason: string) => this.fail(`${role}: ${reason}`),
      onClose: () => undefined, // the exit handler reports the reason
    });
    // all forks in one tick: the shared socketpair ends are closed here before anything is read from them
    const ca = spawnChild({ ...common('ca'), maxFrame: MAX_FRAME.parentCa, extra: ['pipe'] });
    const control = spawnChild({ ...common('control'), maxFrame: MAX_FRAME.parentControl, extra: ['pipe'] });
    const fd5 = (c: Child): Socket => (c.proc.stdio as unknown as Array<Socket | null>)[5] as Socket;
    const caEnd = fd5(ca);
    const controlEnd = fd5(control);
    const engine = spawnChild({
      ...common('engine'),
      maxFrame: MAX_FRAME.parentEngine,
      extra: [caEnd, controlEnd],
      env: { ...process.env, IKED_PRIVSEP_DROP: `${chroot}:${uid}:${gid}` },
    });
    caEnd.destroy();
    controlEnd.destroy();
    for (const c of [ca, control, engine]) {
      this.children.set(c.role, c);
      c.proc.on('exit', (code, signal) => {
        this.children.delete(c.role);
        this.fail(`${c.role} exited (${describeExit(code, signal)})`);
      });
      c.proc.on('error', (e) => this.fail(`${c.role}: ${e.message}`));
    }
    const failed = new Promise<never>((_, reject) => {
      this.failWith = reject;
      if (this.failure) reject(this.failure);
    });
    failed.catch(() => undefined);
    const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failed]);

    this.ks = new KernelService(this.kernel, engine.channel, () => this.idle.activity());
    this.noteIfaces(config);
    this.wire(ca, control, engine);

    const dir = ikedDir();
    const confinement = caConfinement(dir, chroot, uid, gid);
    if ('unconfined' in confinement) this.log.warn(confinement.unconfined);
    const confine = 'confine' in confinement ? confinement.confine : null;
    const { certs } = await step(ca.channel.request(M.caInit, { dir, policies: withoutPsk(config.policies), options: { ocsp: config.options.ocsp }, confine }, certstoreCheck));
    await step(control.channel.request(M.controlInit, { socketPath: this.opts.socketPath, chroot, uid, gid }, empty));
    this.controlStarted = true;
    control.channel.notify(M.ctlCertstore, { certs });
    const init = engine.channel.request(
      M.engineInit,
      { opts: this.opts, config, sockets: sockets.map((b) => ({ address: b.address, port: b.port })), timing: this.opts.timing ?? {}, kernelName: this.kernel.name },
      empty,
    );
    await step(handOver(engine.proc, sockets));
    await step(init);
    // MOBIKE: the parent binds the sockets of addresses that appear and hands them over
    this.addressWatcher = startAddressRelay({
      engine,
      sockets: { ikePort: this.opts.ikePort, nattPort: this.opts.natt === 'disable' ? null : this.opts.nattPort, ipv6: this.opts.ipv6, kernelSockets: this.kernel.name !== 'decoupled' },
      log: this.log,
    });
  }

  private wire(ca: Child, control: Child, engine: Child): void {
    ca.channel.handle(M.caCertstore, certstoreCheck, (c: { certs: CertstoreEntry[] }) => control.channel.notify(M.ctlCertstore, c));
    // a confined ca: the private key at each load (zeroed once the reply is written), OCSP host names
    ca.channel.handle(M.caKey, empty, async () => {
      const key = privateKeyForCa(ikedDir());
      if (key) setImmediate(() => key.fill(0));
      return { key };
    });
    ca.channel.handle(M.caLookup, caLookupCheck, async (r) => ({
      addresses: (await lookup(r.host, { all: true })).slice(0, 32).map((a) => ({ address: a.address, family: a.family })),
    }));
    control.channel.handle(M.ctlReload, reloadCheck, (r) => this.reload(r.file));
    control.channel.handle(M.ctlCouple, coupleCheck, async (r) => {
      await this.couple(r.coupled);
      return null;
    });
    control.channel.handle(M.ctlLog, verboseCheck, (r) => {
      this.log.setVerbose(r.verbose ? Math.max(1, this.opts.verbose) : 0);
      for (const c of this.children.values()) c.channel.notify(M.logVerbose, { verbose: r.verbose });
      return null;
    });
    this.clientConfig.attach(engine.channel);
  }

  /** Re-read a configuration and push it to the engine (which tells the ca). */
  async reload(file?: string): Promise<{ ok: boolean; errors: string[] }> {
    const path = file ?? this.opts.configFile;
    const r = loadConfig(path, this.opts.macros, this.log);
    if (!r.ok) {
      this.log.warn(`reload of ${path} failed, keeping the running configuration`);
      return { ok: false, errors: r.errors };
    }
    await this.child('engine').channel.request(M.engineConfig, { config: r.value.config }, empty);
    this.noteIfaces(r.value.config);
    this.log.info(`reloaded ${path}: ${r.value.policies.length} policies`);
    return { ok: true, errors: [] };
  }

  private async couple(coupled: boolean): Promise<void> {
    if (!this.ks) throw new Error('kernel service not running');
    const next = await this.record.open({ decoupled: !coupled, log: (m: string) => this.log.debug(m), logging: () => this.log.getVerbose() >= 2 });
    const prev = this.ks.swap(next);
    this.kernel = next;
    await prev.flush().catch(() => undefined);
    await prev.close().catch(() => undefined);
    this.log.info(`kernel: now ${coupled ? 'coupled' : 'decoupled'} (${next.name}); established Child SAs are installed at their next rekey`);
  }

  /** Until SIGTERM/SIGINT (resolves) or a child's death (rejects). */
  async run(): Promise<void> {
    const onHup = (): void => {
      void this.reload().then(
        (r) => {
          if (!r.ok) for (const l of r.errors) this.log.error(l);
        },
        (e: unknown) => this.log.error(`reload: ${errText(e)}`),
      );
    };
    let onStop: (sig: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      onStop = resolve;
    });
    const term = (): void => onStop('SIGTERM');
    const int = (): void => onStop('SIGINT');
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
    const failed = new Promise<never>((_, reject) => {
      this.failWith = reject;
      if (this.failure) reject(this.failure);
    });
    try {
      const sig = await Promise.race([stopped, failed]);
      this.log.info(`parent terminating on ${sig}`);
      this.stopping = true;
      await this.gracefulEngineStop();
    } finally {
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      await this.teardown();
    }
  }

  private async gracefulEngineStop(): Promise<void> {
    const engine = this.children.get('engine');
    if (!engine) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn(`engine did not stop within ${SHUTDOWN_TIMEOUT_MS} ms`);
        resolve();
      }, SHUTDOWN_TIMEOUT_MS);
    });
    await Promise.race([engine.channel.request(M.engineShutdown, null, empty).catch((e: unknown) => this.log.warn(`engine shutdown: ${errText(e)}`)), timeout]);
    clearTimeout(timer);
  }

  /** Stop every child (SIGTERM, then SIGKILL), flush what we installed, remove the control socket. */
  async teardown(): Promise<void> {
    this.stopping = true;
    this.idle.stop();
    this.addressWatcher?.stop();
    const left = [...this.children.values()];
    await Promise.all(
      left.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
            const t = setTimeout(() => c.proc.kill('SIGKILL'), KILL_TIMEOUT_MS);
            c.proc.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.proc.kill('SIGTERM');
          }),
      ),
    );
    for (const c of left) c.channel.close();
    await this.clientConfig.removeAll(); // what the engine did not undo before it went
    try {
      await this.kernel.flush();
    } catch (e) {
      this.log.warn(`kernel flush: ${errText(e)}`);
    }
    await this.kernel.close().catch(() => undefined);
    this.record.close();
    if (this.controlStarted) {
      try {
        if (fs.lstatSync(this.opts.socketPath).isSocket()) fs.unlinkSync(this.opts.socketPath);
      } catch {
        // already gone
      }
    }
  }
}
