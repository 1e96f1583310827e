/**
 * The parent's side of the kernel proxy: serves the engine's kernel requests
 * against the real adapter (which may be swapped by couple/decouple) and
 * forwards kernel events to the engine. Keys received are zeroed after use.
 */
import type { KernelAdapter, KernelSaSpec } from '../../platform/types';
import type { FrameChannel } from './frame-channel';
import type { Check } from './check';
import { BatchResult, BatchableType, M, batchCheck, empty, flowRequestCheck, saIdCheck, saRequestCheck, spiRequestCheck } from './messages';

/** A kernel request's work, also run from batches (bodies checked by then). */
type Op = (body: unknown) => Promise<unknown>;

function zeroKeys(sa: KernelSaSpec): void {
  sa.encr?.key.fill(0);
  sa.integ?.key.fill(0);
}

export class KernelService {
  private readonly subscribed = new WeakSet<KernelAdapter>();
  private readonly ops = new Map<BatchableType, Op>();

  /** `activity`: called once per request from the engine (a batch is one), e.g. IdleCollector.activity. */
  constructor(
    private kernel: KernelAdapter,
    private readonly engine: FrameChannel,
    activity: () => void = () => undefined,
  ) {
    this.subscribe(kernel);
    const op = <T>(type: BatchableType, check: Check<T>, fn: (body: T) => Promise<unknown>): void => {
      this.ops.set(type, fn as Op);
      engine.handle(type, check, (body: T) => {
        activity();
        return fn(body);
      });
    };
    op(M.kAllocSpi, spiRequestCheck, (r) => this.kernel.allocSpi(r.protocol, r.src, r.dst));
    op(M.kSa, saRequestCheck, async (r) => {
      try {
        await (r.update ? this.kernel.updateSa(r.sa) : this.kernel.addSa(r.sa));
      } finally {
        zeroKeys(r.sa);
      }
      return null;
    });
    op(M.kDeleteSa, saIdCheck, async (r) => {
      await this.kernel.deleteSa(r.protocol, r.dst, r.spi);
      return null;
    });
    op(M.kFlow, flowRequestCheck, async (r) => {
      await (r.add ? this.kernel.addFlow(r.f) : this.kernel.deleteFlow(r.f));
      return null;
    });
    op(M.kCounters, saIdCheck, (r) => this.kernel.getCounters(r.protocol, r.dst, r.spi));
    engine.handle(M.kFlush, empty, async () => {
      await this.kernel.flush();
      return null;
    });
    // a batch runs its operations in order, each on its own: one failing does not stop the next
    engine.handle(M.kBatch, batchCheck, async ({ ops }) => {
      activity();
      const out: BatchResult[] = [];
      for (const o of ops) {
        try {
          const v = await this.ops.get(o.t)!(o.b);
          out.push({ v: v === undefined ? null : v });
        } catch (e) {
          out.push({ e: (e instanceof Error ? e.message : String(e)).slice(0, 4096) });
        }
      }
      return out;
    });
  }

  get adapter(): KernelAdapter {
    return this.kernel;
  }

  /** couple/decouple: later requests go to `next`. */
  swap(next: KernelAdapter): KernelAdapter {
    const prev = this.kernel;
    this.kernel = next;
    this.subscribe(next);
    return prev;
  }

  private subscribe(k: KernelAdapter): void {
    if (this.subscribed.has(k)) return;
    this.subscribed.add(k);
    k.onEvent((ev) => {
      if (k === this.kernel) this.engine.notify(M.kEvent, ev);
    });
  }
}
