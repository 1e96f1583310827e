/**
 * The engine's KernelAdapter under privilege separation: it holds no kernel
 * socket and forwards every call to the parent. Calls made in the same tick
 * (installChild issues a Child SA's two SAs, then its flows, concurrently) go
 * as one kernel.batch frame with one reply; a lone call is one plain request.
 * Keys cross as bytes in the frame, which the channel zeroes once written.
 */
import { supportsFor } from '../../platform/algorithms';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from '../../platform/types';
import type { FrameChannel } from './frame-channel';
import type { Check } from './check';
import { BatchableType, M, MAX_BATCH, batchReplyCheck, countersCheck, empty, kernelEventCheck, spiReply } from './messages';

interface Queued {
  t: BatchableType;
  b: unknown;
  check: Check<unknown>;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class KernelProxy implements KernelAdapter {
  /** What the adapter can install (platform/algorithms.ts supportsFor, by the adapter's name). */
  supports(encrId: number, integId: number, esn: boolean): boolean {
    return supportsFor(this.name)(encrId, integId, esn);
  }

  /** The parent's adapter (xfrm, pfkey-*, decoupled): the engine filters proposals by it. */
  name = 'privsep';
  private readonly listeners: Array<(e: KernelEvent) => void> = [];
  private queue: Queued[] = [];

  constructor(private readonly parent: FrameChannel) {
    parent.handle(M.kEvent, kernelEventCheck, (ev) => {
      for (const l of this.listeners) l(ev);
    });
  }

  allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    return this.send(M.kAllocSpi, { protocol, src, dst }, spiReply);
  }

  async addSa(sa: KernelSaSpec): Promise<void> {
    await this.send(M.kSa, { sa, update: false }, empty);
  }

  async updateSa(sa: KernelSaSpec): Promise<void> {
    await this.send(M.kSa, { sa, update: true }, empty);
  }

  async deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void> {
    await this.send(M.kDeleteSa, { protocol, dst, spi }, empty);
  }

  async addFlow(f: KernelFlowSpec): Promise<void> {
    await this.send(M.kFlow, { f, add: true }, empty);
  }

  async deleteFlow(f: KernelFlowSpec): Promise<void> {
    await this.send(M.kFlow, { f, add: false }, empty);
  }

  getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    return this.send(M.kCounters, { protocol, dst, spi }, countersCheck);
  }

  async flush(): Promise<void> {
    this.sendQueued(); // in order: what was asked before the flush goes first
    await this.parent.request(M.kFlush, null, empty);
  }

  /**
   * Queue a request; the queue goes out once the event loop has run what is ready
   * (setImmediate: after every datagram and reply of this poll phase was handled), so
   * the kernel work of many SAs under load travels in one frame, one round trip.
   */
  private send<R>(t: BatchableType, b: unknown, check: Check<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.sendQueued());
      this.queue.push({ t, b, check, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length >= MAX_BATCH) this.sendQueued();
    });
  }

  private sendQueued(): void {
    const q = this.queue;
    if (q.length === 0) return;
    this.queue = [];
    if (q.length === 1) {
      const one = q[0];
      this.parent.request(one.t, one.b, one.check).then(one.resolve, one.reject);
      return;
    }
    this.parent.request(M.kBatch, { ops: q.map((x) => ({ t: x.t, b: x.b })) }, batchReplyCheck).then(
      (results) => {
        if (results.length !== q.length) {
          const err = new Error(`${M.kBatch}: ${results.length} results for ${q.length} requests`);
          for (const x of q) x.reject(err);
          return;
        }
        q.forEach((x, i) => {
          const r = results[i];
          if ('e' in r) return x.reject(new Error(r.e));
          try {
            x.resolve(x.check(r.v, `${x.t} reply`));
          } catch (e) {
            x.reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      },
      (err: Error) => {
        for (const x of q) x.reject(err);
      },
    );
  }

  onEvent(cb: (e: KernelEvent) => void): void {
    this.listeners.push(cb);
  }

  /** The parent owns the kernel socket; nothing to close here. */
  async close(): Promise<void> {
    this.listeners.length = 0;
  }
}
