/**
 * Keeps policies up as iked does: loads the kernel flows of every policy when the
 * configuration is loaded (so matching traffic makes the kernel ask for an SA with
 * ACQUIRE), starts active policies, restarts them with backoff when their IKE SA
 * goes away, and reacts to kernel events (ACQUIRE starts a negotiation or a Child
 * SA, a soft EXPIRE rekeys, a hard EXPIRE deletes).
 */
import { Engine } from '../ikev2/engine';
import { Policy, addressInNetwork } from '../ikev2/policy/policy';
import { IkeSa } from '../ikev2/sa/ike-sa';
import { createChild, rekeyChild } from '../ikev2/exchange/create-child-sa';
import { deleteChild } from '../ikev2/exchange/informational';
import { spiHex } from '../ikev2/sa/child-sa';
import { EXCHANGE, PROTOCOL } from '../wire/iana';
import { flowSpecsFor } from '../ikev2/exchange/child-install';
import { addressText } from '../wire/endpoint';
import { flowKey } from '../platform/flow-shares';
import type { KernelEvent, KernelFlowSpec } from '../platform/types';
import type { Logger } from '../log/logger';

const MIN_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

interface LoadedFlow {
  flow: KernelFlowSpec;
  policy: string;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Same selector, direction, template and reqid: nothing to change in the kernel. */
function sameFlow(a: KernelFlowSpec, b: KernelFlowSpec): boolean {
  return (
    flowKey(a) === flowKey(b) &&
    a.reqid === b.reqid &&
    a.tunnelSrc === b.tunnelSrc &&
    a.tunnelDst === b.tunnelDst &&
    a.mode === b.mode &&
    a.protocol === b.protocol
  );
}

export class PolicyKeeper {
  private retry = new Map<string, { delay: number; timer: NodeJS.Timeout | null }>();
  private running = false;
  /** reqid per policy name, stable across reloads */
  private readonly reqids = new Map<string, number>();
  /** flows in the kernel, by flowKey() */
  private readonly loaded = new Map<string, LoadedFlow>();
  /** flow loading is serialised: a reload waits for the previous load */
  private flowWork: Promise<void> = Promise.resolve();

  constructor(
    private readonly e: Engine,
    private readonly log: Logger,
  ) {
    e.removalListeners.push((sa) => this.removed(sa));
  }

  /** On start and after every reload: (re)load the policies' flows, then bring active policies up. */
  start(): void {
    this.running = true;
    this.forgetRemovedPolicies();
    const run = this.flowWork.then(() => this.syncFlows());
    this.flowWork = run.catch((err) => this.log.warn(`kernel flows: ${errText(err)}`));
    void this.flowWork.then(() => {
      if (!this.running || this.e.passive) return;
      for (const p of this.e.policies) if (p.active) this.ensureUp(p);
    });
  }

  /** Resolves when the flows of the current configuration are in the kernel. */
  flowsLoaded(): Promise<void> {
    return this.flowWork;
  }

  stop(): void {
    this.running = false;
    for (const r of this.retry.values()) if (r.timer) clearTimeout(r.timer);
    this.retry.clear();
  }

  /** Remove every flow this keeper loaded (daemon shutdown). */
  async unloadFlows(): Promise<void> {
    await this.flowWork;
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const { flow } of all) await this.deleteFlow(flow);
    if (all.length) this.log.debug(`kernel: unloaded ${all.length} policy flows`);
  }

  /** The reqid of a policy's flows: reserved once per policy name, kept across reloads. */
  private reqidFor(name: string): number {
    let r = this.reqids.get(name);
    if (r === undefined) {
      r = this.e.nextReqid();
      this.reqids.set(name, r);
    }
    return r;
  }

  private forgetRemovedPolicies(): void {
    const names = new Set(this.e.policies.map((p) => p.name));
    for (const n of [...this.reqids.keys()]) if (!names.has(n)) this.reqids.delete(n);
  }

  /** The flows a policy needs in the kernel; null when it has none (no single peer, dynamic addresses, decoupled). */
  private async wantedFlows(p: Policy): Promise<KernelFlowSpec[] | null> {
    const conf = p.conf;
    const peer = conf.peer;
    if (!peer || peer.kind !== 'net' || peer.prefixLen !== (peer.family === 4 ? 32 : 128)) return null;
    if (!conf.flows.length || conf.flows.some((f) => f.src.kind === 'dynamic' || f.dst.kind === 'dynamic' || f.src.kind === 'iface' || f.dst.kind === 'iface')) {
      return null;
    }
    const remote = addressText(peer.addr);
    const local = conf.local?.kind === 'net' ? addressText(conf.local.addr) : await this.e.transport.sourceFor(remote);
    const protocol = p.saProtocol === PROTOCOL.AH ? 'ah' : 'esp';
    return flowSpecsFor(local, remote, { tsLocal: p.localTs, tsRemote: p.remoteTs, protocol, mode: conf.encap, reqid: this.reqidFor(p.name) });
  }

  private async syncFlows(): Promise<void> {
    const wanted = new Map<string, LoadedFlow>();
    /** flows a policy shares with the one that loaded them (identical selectors and tunnel) */
    const shared = new Map<string, Set<string>>();
    if (this.e.kernel.name !== 'decoupled') {
      for (const p of this.e.policies) {
        let flows: KernelFlowSpec[] | null;
        try {
          flows = await this.wantedFlows(p);
        } catch (err) {
          this.log.warn(`policy '${p.name}': cannot load its flows: ${errText(err)}`);
          continue;
        }
        let sharesWith: string | undefined;
        const own: KernelFlowSpec[] = [];
        for (const f of flows ?? []) {
          const k = flowKey(f);
          const other = wanted.get(k);
          if (!other) {
            wanted.set(k, { flow: f, policy: p.name });
            own.push(f);
          } else if (other.flow.tunnelSrc === f.tunnelSrc && other.flow.tunnelDst === f.tunnelDst && other.flow.protocol === f.protocol && other.flow.mode === f.mode) {
            // identical selectors and tunnel: one flow for both policies, and one reqid for their Child SAs
            sharesWith ??= other.policy;
            (shared.get(p.name) ?? shared.set(p.name, new Set()).get(p.name)!).add(k);
          } else {
            this.log.info(`policy '${p.name}': flow ${f.dir} ${f.src} -> ${f.dst} already loaded for policy '${other.policy}' (another tunnel)`);
          }
        }
        if (sharesWith) {
          const r = this.reqidFor(sharesWith);
          this.reqids.set(p.name, r);
          for (const f of own) f.reqid = r;
          this.log.info(`policy '${p.name}': shares the flows of policy '${sharesWith}' (reqid ${r})`);
        }
      }
    }
    // remove what is gone or changed, then add what is new
    for (const [k, cur] of [...this.loaded]) {
      const w = wanted.get(k);
      if (w && sameFlow(w.flow, cur.flow)) {
        this.loaded.set(k, w); // the same flow, perhaps now loaded for a policy that shared it
        continue;
      }
      this.loaded.delete(k);
      await this.deleteFlow(cur.flow);
    }
    const counts = new Map<string, number>();
    for (const [k, w] of wanted) {
      if (!this.loaded.has(k)) {
        try {
          await this.e.kernel.addFlow(w.flow);
        } catch (err) {
          this.log.warn(`policy '${w.policy}': kernel refused flow ${w.flow.dir} ${w.flow.src} -> ${w.flow.dst}: ${errText(err)}`);
          continue;
        }
        this.loaded.set(k, w);
      }
      counts.set(w.policy, (counts.get(w.policy) ?? 0) + 1);
    }
    for (const p of this.e.policies) {
      const keys = new Set([...this.loaded].filter(([, v]) => v.policy === p.name).map(([k]) => k));
      for (const k of shared.get(p.name) ?? []) if (this.loaded.has(k)) keys.add(k);
      // Child SAs of a policy with flows share the flows' reqid; others get their own (engine)
      p.loadedFlows = keys.size ? keys : undefined;
      p.reqid = keys.size ? this.reqidFor(p.name) : undefined;
      const n = counts.get(p.name);
      if (n) this.log.info(`kernel: policy '${p.name}': ${n} flows loaded (reqid ${p.reqid})`);
    }
  }

  private async deleteFlow(f: KernelFlowSpec): Promise<void> {
    try {
      await this.e.kernel.deleteFlow(f);
    } catch (err) {
      this.log.debug(`kernel: removing flow ${f.dir} ${f.src} -> ${f.dst}: ${errText(err)}`);
    }
  }

  private liveSas(p: Policy): IkeSa[] {
    return this.e.sas.all().filter((sa) => sa.policy.name === p.name && sa.state !== 'DEAD' && sa.state !== 'DELETING' && sa.state !== 'REKEYED');
  }

  private hasSa(p: Policy): boolean {
    return this.liveSas(p).length > 0;
  }

  ensureUp(p: Policy): void {
    if (!this.running || this.e.passive || this.hasSa(p)) return;
    void this.e.initiate(p).catch((err) => {
      this.log.info(`policy '${p.name}': cannot initiate: ${errText(err)}`);
      this.scheduleRetry(p);
    });
  }

  private scheduleRetry(p: Policy): void {
    const r = this.retry.get(p.name) ?? { delay: MIN_RETRY_MS / 2, timer: null };
    if (r.timer) return;
    r.delay = Math.min(MAX_RETRY_MS, r.delay * 2);
    r.timer = setTimeout(() => {
      r.timer = null;
      const cur = this.e.policies.find((x) => x.name === p.name);
      if (cur && cur.active) this.ensureUp(cur);
    }, r.delay);
    r.timer.unref?.();
    this.retry.set(p.name, r);
  }

  private removed(sa: IkeSa): void {
    if (!this.running) return;
    if (sa.establishedAt) this.retry.delete(sa.policy.name);
    const cur = this.e.policies.find((x) => x.name === sa.policy.name);
    // also when our side of the SA was the responder (the peer rekeyed the IKE SA, or it
    // initiated first): an active policy stays up; ensureUp does nothing while another SA is up
    if (!cur || !cur.active || sa.replacedBy) return;
    this.scheduleRetry(cur);
  }

  /** The active policy an ACQUIRE is for: by the reqid of our flows, else by the destination. */
  private acquirePolicy(ev: Extract<KernelEvent, { type: 'acquire' }>): Policy | undefined {
    const byReqid = ev.reqid !== undefined ? this.e.policies.find((x) => x.reqid === ev.reqid) : undefined;
    if (byReqid) return byReqid.active ? byReqid : undefined;
    const dst = ev.selector.dst.replace(/\/\d+$/, '');
    return this.e.policies.find((x) => x.active && x.conf.flows.some((f) => f.dst.kind === 'net' && addressInNetwork(dst, { family: f.dst.family, addr: f.dst.addr, prefixLen: f.dst.prefixLen })));
  }

  kernelEvent(ev: KernelEvent): void {
    if (ev.type === 'acquire') {
      const p = this.acquirePolicy(ev);
      this.log.info(`kernel: acquire for ${ev.selector.src} -> ${ev.selector.dst}${ev.reqid !== undefined ? ` reqid ${ev.reqid}` : ''}${p ? `: policy '${p.name}'` : ': no active policy'}`);
      if (!p || !this.running) return;
      const sa = this.liveSas(p).find((x) => x.state === 'ESTABLISHED');
      if (sa && !sa.children.some((c) => c.state !== 'DELETING')) {
        const busy = sa.pending?.exchange === EXCHANGE.CREATE_CHILD_SA || sa.queue.some((q) => q.exchange === EXCHANGE.CREATE_CHILD_SA);
        if (busy) return;
        // the IKE SA is up but its Child SA is gone (deleted by the peer, expired): a new one
        void createChild(this.e, sa).catch((err) => this.log.info(`policy '${p.name}': cannot create a Child SA: ${errText(err)}`));
        return;
      }
      this.ensureUp(p);
      return;
    }
    if (ev.type === 'expire') {
      for (const sa of this.e.sas.all()) {
        const c = sa.children.find((x) => x.spiIn === ev.spi || x.spiOut === ev.spi);
        if (!c) continue;
        if (!ev.hard) {
          this.log.info(`kernel: soft expire of 0x${spiHex(ev.spi)}: rekeying`);
          if (c.state === 'INSTALLED') rekeyChild(this.e, sa, c);
        } else {
          this.log.info(`kernel: hard expire of 0x${spiHex(ev.spi)}: deleting`);
          deleteChild(this.e, sa, c, 'hard lifetime expired');
        }
        return;
      }
    }
  }
}
