/**
 * Client configuration (`iface`) under privilege separation, the parent's
 * side: the engine asks (config.apply / config.remove) and the parent, as
 * root, runs config-apply.ts's commands (no shell). The plan's fields are
 * checked by clientConfigPlanCheck; here the interface must be the iface of
 * a configured policy, the route source one of the plan's addresses, and only
 * what was applied can be removed.
 */
import type { Logger } from '../../log/logger';
import { LOCAL_CONFIG_SYSTEM, ClientConfigPlan, ClientConfigSystem, ConfigReport } from '../../platform/client-config';
import type { FrameChannel } from './frame-channel';
import { M, clientConfigPlanCheck, configReportCheck } from './messages';

function keyOf(p: ClientConfigPlan): string {
  return JSON.stringify([p.iface, p.addresses, p.routes, p.src ?? null, p.dns]);
}

export class ClientConfigService {
  private readonly applied = new Map<string, ClientConfigPlan>();
  /** commands running now (removeAll waits for them) */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    /** the iface names of the running configuration's policies */
    private readonly ifaces: () => ReadonlySet<string>,
    private readonly log: Logger,
    private readonly system: ClientConfigSystem = LOCAL_CONFIG_SYSTEM,
  ) {}

  /** Serve the engine's requests on this channel. */
  attach(engine: FrameChannel): void {
    engine.handle(M.cfgApply, clientConfigPlanCheck, (p) => this.track(this.apply(p)));
    engine.handle(M.cfgRemove, clientConfigPlanCheck, (p) => this.track(this.remove(p)));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const done = (): void => void this.running.delete(p);
    p.then(done, done);
    return p;
  }

  async apply(p: ClientConfigPlan): Promise<ConfigReport> {
    if (!this.ifaces().has(p.iface)) throw new Error(`interface ${p.iface} is not the iface of any policy`);
    if (p.src !== undefined && !p.addresses.some((a) => a.slice(0, a.lastIndexOf('/')) === p.src)) throw new Error(`route source ${p.src} is not one of the assigned addresses`);
    this.applied.set(keyOf(p), p);
    this.log.debug(`client configuration for ${p.iface}: ${p.addresses.join(' ') || 'no address'}`);
    return this.system.apply(p);
  }

  async remove(p: ClientConfigPlan): Promise<ConfigReport> {
    const k = keyOf(p);
    if (!this.applied.has(k)) throw new Error(`no configuration of ${p.iface} with ${p.addresses.join(' ') || 'no address'} was applied`);
    this.applied.delete(k);
    return this.system.remove(p);
  }

  /** Undo everything still applied (the engine is gone). */
  async removeAll(): Promise<void> {
    await Promise.allSettled([...this.running]);
    for (const p of [...this.applied.values()]) {
      const r = await this.remove(p).catch((e: unknown) => ({ info: [], warnings: [e instanceof Error ? e.message : String(e)] }));
      for (const l of r.warnings) this.log.warn(`client configuration: ${l}`);
    }
  }
}

/** The engine's side: the commands go to the parent. */
export function parentConfigSystem(parent: FrameChannel): ClientConfigSystem {
  return {
    apply: (p) => parent.request(M.cfgApply, p, configReportCheck),
    remove: (p) => parent.request(M.cfgRemove, p, configReportCheck),
  };
}
