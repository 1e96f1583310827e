/**
 * The parent's side of the kernel proxy: serves the engine's kernel requests
 * against the real adapter (which may be swapped by couple/decouple) and
 * forwards kernel events to the engine. Keys received are zeroed after use.
 */
import type { KernelAdapter, KernelSaSpec } from '../../platform/types';
import type { FrameChannel } from './frame-channel';
import { M, empty, flowRequestCheck, saIdCheck, saRequestCheck, spiRequestCheck } from './messages';

function zeroKeys(sa: KernelSaSpec): void {
  sa.encr?.key.fill(0);
  sa.integ?.key.fill(0);
}

export class KernelService {
  private readonly subscribed = new WeakSet<KernelAdapter>();

  constructor(
    private kernel: KernelAdapter,
    private readonly engine: FrameChannel,
  ) {
    this.subscribe(kernel);
    engine.handle(M.kAllocSpi, spiRequestCheck, (r) => this.kernel.allocSpi(r.protocol, r.src, r.dst));
    engine.handle(M.kSa, saRequestCheck, async (r) => {
      try {
        await (r.update ? this.kernel.updateSa(r.sa) : this.kernel.addSa(r.sa));
      } finally {
        zeroKeys(r.sa);
      }
      return null;
    });
    engine.handle(M.kDeleteSa, saIdCheck, async (r) => {
      await this.kernel.deleteSa(r.protocol, r.dst, r.spi);
      return null;
    });
    engine.handle(M.kFlow, flowRequestCheck, async (r) => {
      await (r.add ? this.kernel.addFlow(r.f) : this.kernel.deleteFlow(r.f));
      return null;
    });
    engine.handle(M.kCounters, saIdCheck, (r) => this.kernel.getCounters(r.protocol, r.dst, r.spi));
    engine.handle(M.kFlush, empty, async () => {
      await this.kernel.flush();
      return null;
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
