/**
 * What ikectl can ask of the running daemon: views, reload (stateful: unchanged
 * policies keep their SAs, removed ones are deleted with a DELETE to the peer, new
 * active ones start), reset, couple/decouple, active/passive, log level, monitor.
 */
import type { DaemonControl, MonitorEvent, ResetTarget, CertstoreEntry } from './control-api';
import type { IkedOptions } from './daemon-options';
import type { Logger } from '../log/logger';
import type { Engine } from '../ikev2/engine';
import type { Policy } from '../ikev2/policy/policy';
import type { PolicyConf } from '../conf/types';
import type { LoadedConfig } from './daemon-setup';
import { CaService } from './ca-service';
import { PolicyKeeper } from './policy-keeper';
import { showSa, showFlows, showStats } from './sa-views';
import { openKernel, type OpenKernelOptions } from '../platform/select';
import type { KernelAdapter } from '../platform/types';
import { formatIdentity } from '../crypto/identity';
import { reloadDaemonEap } from '../eap/daemon-eap';

/** How a reload reads a configuration. */
export type ConfigLoader = (file: string, macros: Record<string, string>, log: Logger) => { ok: true; value: LoadedConfig } | { ok: false; errors: string[] };

/** A policy's meaning, without where it was written (file, line, position among the policies). */
function policyKey(p: PolicyConf): string {
  const { file: _f, line: _l, seq: _s, ...rest } = p;
  return JSON.stringify(rest);
}

export class DaemonControlImpl implements DaemonControl {
  constructor(
    private readonly e: Engine,
    /** the CaService, or under privsep the engine's handle on the ca process */
    private readonly ca: Pick<CaService, 'store' | 'load'>,
    private readonly keeper: PolicyKeeper,
    private readonly log: Logger,
    private readonly monitors: Set<(ev: MonitorEvent) => void>,
    private readonly opts: IkedOptions,
    private readonly loader: ConfigLoader,
    /** how `ikectl couple` opens the kernel (the daemon's: recorded, daemon-kernel-record.ts) */
    private readonly open: (o: OpenKernelOptions) => Promise<KernelAdapter> = openKernel,
  ) {}

  async showSa() {
    return showSa(this.e);
  }
  async showFlows() {
    return showFlows(this.e);
  }
  async showStats() {
    return showStats(this.e);
  }
  async showCertstore(): Promise<CertstoreEntry[]> {
    return this.certstore();
  }
  private certstore(): CertstoreEntry[] {
    const anchors = new Set(this.ca.store.anchors());
    return [...this.ca.store.anchors(), ...this.ca.store.certificates().filter((c) => !anchors.has(c))].map((c) => ({
      subject: c.subject.replace(/\n/g, ', '),
      issuer: c.issuer.replace(/\n/g, ', '),
      notAfter: c.validTo,
      kind: anchors.has(c) ? 'ca' : 'cert',
    }));
  }
  async showCa(name: string): Promise<string[]> {
    return this.certstore()
      .filter((c) => c.issuer.includes(name) || c.subject.includes(name))
      .map((c) => `${c.kind} ${c.subject} (issuer ${c.issuer}, until ${c.notAfter})`);
  }

  async reload(file?: string): Promise<{ ok: boolean; errors: string[] }> {
    const path = file ?? this.opts.configFile;
    const r = this.loader(path, this.opts.macros, this.log);
    if (!r.ok) {
      this.log.warn(`reload of ${path} failed, keeping the running configuration`);
      return { ok: false, errors: r.errors };
    }
    this.apply(r.value.policies, r.value);
    this.log.info(`reloaded ${path}: ${r.value.policies.length} policies`);
    return { ok: true, errors: [] };
  }

  /** Apply an already-loaded configuration with reload semantics (privsep: the parent loads it). */
  applyConfig(loaded: LoadedConfig): void {
    this.apply(loaded.policies, loaded);
  }

  private apply(policies: Policy[], loaded: LoadedConfig): void {
    const fresh = new Map(policies.map((p) => [p.name, p]));
    for (const sa of this.e.sas.all()) {
      const now = fresh.get(sa.policy.name);
      if (now && policyKey(now.conf) === policyKey(sa.policy.conf)) {
        sa.policy = now; // unchanged: the SA stays
      } else {
        this.e.deleteIkeSa(sa, now ? `policy '${sa.policy.name}' changed` : `policy '${sa.policy.name}' removed`, true);
      }
    }
    this.e.policies = policies;
    this.e.options = loaded.config.options;
    reloadDaemonEap(this.e, loaded.config);
    this.ca.load(loaded.config.policies, { ocsp: loaded.config.options.ocsp });
    this.keeper.start();
  }

  async reset(what: ResetTarget, arg?: string): Promise<string> {
    switch (what) {
      case 'sa':
        for (const sa of this.e.sas.all()) this.e.deleteIkeSa(sa, 'reset by ikectl', true);
        return 'all SAs deleted';
      case 'policy':
        for (const sa of this.e.sas.all()) this.e.deleteIkeSa(sa, 'policies reset by ikectl', true);
        this.e.policies = [];
        return 'all policies flushed';
      case 'ca':
        this.ca.load(this.e.policies.map((p) => p.conf));
        return 'certificates reloaded';
      case 'user':
        return 'users flushed';
      case 'id': {
        let n = 0;
        for (const sa of this.e.sas.all()) {
          if (sa.remoteId && formatIdentity(sa.remoteId) === arg) {
            this.e.deleteIkeSa(sa, `reset id ${arg}`, true);
            n++;
          }
        }
        return `${n} SAs of ${arg} deleted`;
      }
      case 'all':
      default:
        for (const sa of this.e.sas.all()) this.e.deleteIkeSa(sa, 'reset all by ikectl', true);
        this.e.policies = [];
        this.ca.load([]);
        return 'all policies, SAs and certificates flushed';
    }
  }

  async setCoupled(coupled: boolean): Promise<void> {
    const next = await this.open({ decoupled: !coupled, log: (m: string) => this.log.debug(m), logging: () => this.log.getVerbose() >= 2 });
    const prev = this.e.kernel;
    this.e.kernel = next;
    await prev.flush().catch(() => undefined);
    this.log.info(`kernel: now ${coupled ? 'coupled' : 'decoupled'} (${next.name}); established Child SAs are installed at their next rekey`);
  }

  setMode(mode: 'active' | 'passive'): void {
    this.e.passive = mode === 'passive';
    this.log.info(`mode: ${mode}`);
    if (mode === 'active') this.keeper.start();
  }

  setLogVerbose(verbose: boolean): void {
    this.log.setVerbose(verbose ? Math.max(1, this.opts.verbose) : 0);
  }

  subscribe(cb: (ev: MonitorEvent) => void): () => void {
    this.monitors.add(cb);
    return () => this.monitors.delete(cb);
  }
}
