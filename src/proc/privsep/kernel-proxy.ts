/**
 * The engine's KernelAdapter under privilege separation: it holds no kernel
 * socket and forwards every call to the parent, one round trip each. Keys
 * cross as bytes in the frame, which the channel zeroes once written.
 */
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from '../../platform/types';
import type { FrameChannel } from './frame-channel';
import { M, countersCheck, empty, kernelEventCheck, spiReply } from './messages';

export class KernelProxy implements KernelAdapter {
  readonly name = 'privsep';
  private readonly listeners: Array<(e: KernelEvent) => void> = [];

  constructor(private readonly parent: FrameChannel) {
    parent.handle(M.kEvent, kernelEventCheck, (ev) => {
      for (const l of this.listeners) l(ev);
    });
  }

  allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    return this.parent.request(M.kAllocSpi, { protocol, src, dst }, spiReply);
  }

  async addSa(sa: KernelSaSpec): Promise<void> {
    await this.parent.request(M.kSa, { sa, update: false }, empty);
  }

  async updateSa(sa: KernelSaSpec): Promise<void> {
    await this.parent.request(M.kSa, { sa, update: true }, empty);
  }

  async deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void> {
    await this.parent.request(M.kDeleteSa, { protocol, dst, spi }, empty);
  }

  async addFlow(f: KernelFlowSpec): Promise<void> {
    await this.parent.request(M.kFlow, { f, add: true }, empty);
  }

  async deleteFlow(f: KernelFlowSpec): Promise<void> {
    await this.parent.request(M.kFlow, { f, add: false }, empty);
  }

  getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    return this.parent.request(M.kCounters, { protocol, dst, spi }, countersCheck);
  }

  async flush(): Promise<void> {
    await this.parent.request(M.kFlush, null, empty);
  }

  onEvent(cb: (e: KernelEvent) => void): void {
    this.listeners.push(cb);
  }

  /** The parent owns the kernel socket; nothing to close here. */
  async close(): Promise<void> {
    this.listeners.length = 0;
  }
}
