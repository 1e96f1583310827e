/**
 * The engine's KernelAdapter under privilege separation: it holds no kernel
 * socket and forwards every call to the parent. The calls made in one tick
 * (installChild issues a Child SA's two SAs, then its flows, concurrently) are
 * encoded as they are made into one binary kernel.batch body (kernel-codec.ts)
 * that goes as one frame with one reply. Keys cross as bytes in that body,
 * which the channel zeroes once copied into the frame (and the frame once written).
 */
import { supportsFor } from '../../platform/algorithms';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from '../../platform/types';
import type { FrameChannel } from './frame-channel';
import { ByteWriter } from './byte-writer';
import { KernelOp, KernelOpName, OpValue, decodeBatchReply, writeOp } from './kernel-codec';
import { KERNEL_BATCH, M, MAX_BATCH, empty, kernelEventCheck } from './messages';

interface Waiting {
  op: KernelOpName;
  resolve(v: OpValue): void;
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
  /** this tick's batch: its body so far (a count byte, then the operations) and who waits for each result */
  private body: ByteWriter | null = null;
  private waiting: Waiting[] = [];
  private readonly sendQueued = (): void => this.sendBatch();

  constructor(private readonly parent: FrameChannel) {
    parent.handle(M.kEvent, kernelEventCheck, (ev) => {
      for (const l of this.listeners) l(ev);
    });
  }

  allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    return this.send({ op: 'allocSpi', protocol, src, dst }) as Promise<number>;
  }

  addSa(sa: KernelSaSpec): Promise<void> {
    return this.send({ op: 'addSa', sa }) as Promise<void>;
  }

  updateSa(sa: KernelSaSpec): Promise<void> {
    return this.send({ op: 'updateSa', sa }) as Promise<void>;
  }

  deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void> {
    return this.send({ op: 'deleteSa', protocol, dst, spi }) as Promise<void>;
  }

  addFlow(f: KernelFlowSpec): Promise<void> {
    return this.send({ op: 'addFlow', f }) as Promise<void>;
  }

  deleteFlow(f: KernelFlowSpec): Promise<void> {
    return this.send({ op: 'deleteFlow', f }) as Promise<void>;
  }

  getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    return this.send({ op: 'getCounters', protocol, dst, spi }) as Promise<SaCounters>;
  }

  async flush(): Promise<void> {
    this.sendBatch(); // in order: what was asked before the flush goes first
    await this.parent.request(M.kFlush, null, empty);
  }

  /**
   * Encode a request into this tick's batch; the batch goes out once the event loop has
   * run what is ready (setImmediate: after every datagram and reply of this poll phase was
   * handled), so the kernel work of many SAs under load travels in one frame, one round trip.
   * A request that cannot be encoded fails alone.
   */
  private send(o: KernelOp): Promise<OpValue> {
    return new Promise<OpValue>((resolve, reject) => {
      if (!this.body) {
        this.body = new ByteWriter();
        this.body.u8(0); // the count, set when sent
        setImmediate(this.sendQueued);
      }
      writeOp(this.body, o);
      this.waiting.push({ op: o.op, resolve, reject });
      if (this.waiting.length >= MAX_BATCH) this.sendBatch();
    });
  }

  private sendBatch(): void {
    const w = this.body;
    const q = this.waiting;
    if (!w) return;
    this.body = null;
    this.waiting = [];
    if (q.length === 0) return w.zero();
    w.setU8(0, q.length);
    this.parent.requestBinary(KERNEL_BATCH, w.done(), (b, where) => decodeBatchReply(b, q, where)).then(
      (results) => {
        for (let i = 0; i < q.length; i++) {
          const r = results[i];
          if (r instanceof Error) q[i].reject(r);
          else q[i].resolve(r);
        }
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
