/**
 * Keeps active policies up as iked does: starts them, restarts them with backoff
 * when their IKE SA goes away, and reacts to kernel events (ACQUIRE starts a
 * negotiation, a soft EXPIRE rekeys, a hard EXPIRE deletes).
 */
import { Engine } from '../ikev2/engine';
import { Policy, addressInNetwork } from '../ikev2/policy';
import { IkeSa } from '../ikev2/ike-sa';
import { rekeyChild } from '../ikev2/exchange-child';
import { deleteChild } from '../ikev2/exchange-info';
import { spiHex } from '../ikev2/child-sa';
import type { KernelEvent } from '../platform/types';
import type { Logger } from '../log/logger';

const MIN_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

export class PolicyKeeper {
  private retry = new Map<string, { delay: number; timer: NodeJS.Timeout | null }>();
  private running = false;

  constructor(
    private readonly e: Engine,
    private readonly log: Logger,
  ) {
    const prev = e.onRemoved;
    e.onRemoved = (sa, reason) => {
      prev(sa, reason);
      this.removed(sa);
    };
  }

  start(): void {
    this.running = true;
    if (this.e.passive) return;
    for (const p of this.e.policies) if (p.active) this.ensureUp(p);
  }

  stop(): void {
    this.running = false;
    for (const r of this.retry.values()) if (r.timer) clearTimeout(r.timer);
    this.retry.clear();
  }

  private hasSa(p: Policy): boolean {
    return this.e.sas.all().some((sa) => sa.policy.name === p.name && sa.state !== 'DEAD' && sa.state !== 'DELETING' && sa.state !== 'REKEYED');
  }

  ensureUp(p: Policy): void {
    if (!this.running || this.e.passive || this.hasSa(p)) return;
    void this.e.initiate(p).catch((err) => {
      this.log.info(`policy '${p.name}': cannot initiate: ${err instanceof Error ? err.message : String(err)}`);
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
    if (!cur || !cur.active || !sa.initiator || sa.replacedBy) return;
    this.scheduleRetry(cur);
  }

  kernelEvent(ev: KernelEvent): void {
    if (ev.type === 'acquire') {
      const p = this.e.policies.find(
        (x) => x.active && x.conf.flows.some((f) => f.dst.kind === 'net' && addressInNetwork(ev.selector.dst.replace(/\/\d+$/, ''), { family: f.dst.family, addr: f.dst.addr, prefixLen: f.dst.prefixLen })),
      );
      this.log.info(`kernel: acquire for ${ev.selector.src} -> ${ev.selector.dst}${p ? `: policy '${p.name}'` : ': no policy'}`);
      if (p) this.ensureUp(p);
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
