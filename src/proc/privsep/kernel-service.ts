/**
 * The parent's side of the kernel proxy: serves the engine's kernel requests
 * (binary kernel.batch frames, kernel-codec.ts) against the real adapter (which
 * may be swapped by couple/decouple) and forwards kernel events to the engine.
 * Keys received are zeroed after use.
 */
import type { KernelAdapter, KernelSaSpec } from '../../platform/types';
import type { FrameChannel } from './frame-channel';
import { ByteWriter } from './byte-writer';
import { KernelOp, OpValue, decodeBatch, writeResult } from './kernel-codec';
import { KERNEL_BATCH, M, empty } from './messages';

function zeroKeys(sa: KernelSaSpec): void {
  sa.encr?.key.fill(0);
  sa.integ?.key.fill(0);
}

export class KernelService {
  private readonly subscribed = new WeakSet<KernelAdapter>();

  /** `activity`: called once per request from the engine (a batch is one), e.g. IdleCollector.activity. */
  constructor(
    private kernel: KernelAdapter,
    private readonly engine: FrameChannel,
    activity: () => void = () => undefined,
  ) {
    this.subscribe(kernel);
    engine.handle(M.kFlush, empty, async () => {
      await this.kernel.flush();
      return null;
    });
    // a batch runs its operations in order, each on its own: one failing does not stop the next
    engine.handleBinary(KERNEL_BATCH, decodeBatch, async (ops) => {
      activity();
      const out = new ByteWriter(16 + ops.length * 8);
      out.u8(ops.length);
      for (const o of ops) {
        try {
          writeResult(out, o.op, await this.run(o));
        } catch (e) {
          writeResult(out, o.op, undefined, e);
        } finally {
          if (o.op === 'addSa' || o.op === 'updateSa') zeroKeys(o.sa);
        }
      }
      return out.done();
    });
  }

  /** The adapter's call (its promise as it is: no async step of our own per operation). */
  private run(o: KernelOp): Promise<OpValue> {
    const k = this.kernel;
    switch (o.op) {
      case 'allocSpi':
        return k.allocSpi(o.protocol, o.src, o.dst);
      case 'addSa':
        return k.addSa(o.sa);
      case 'updateSa':
        return k.updateSa(o.sa);
      case 'deleteSa':
        return k.deleteSa(o.protocol, o.dst, o.spi);
      case 'getCounters':
        return k.getCounters(o.protocol, o.dst, o.spi);
      case 'addFlow':
        return k.addFlow(o.f);
      case 'deleteFlow':
        return k.deleteFlow(o.f);
    }
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
