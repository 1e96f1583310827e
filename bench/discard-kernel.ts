/**
 * The load client's kernel: it installs nothing and keeps nothing. The client is the bench's
 * instrument, not the daemon measured: the decoupled adapter's records (two SA records, a flow
 * record and its selectors, ~600 B per Child SA in a heap snapshot) only made the client's
 * heap, and its collector's work, grow with the SAs it holds. SPIs come from a counter
 * (unique per client process, above the reserved 0..255 of RFC 4303 2.1).
 */
import { supportsFor } from '../src/platform/algorithms';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from '../src/platform/types';

let nextSpi = 0x1000;

export class DiscardKernel implements KernelAdapter {
  readonly name = 'decoupled';

  supports(encrId: number, integId: number, esn: boolean): boolean {
    return supportsFor(this.name)(encrId, integId, esn);
  }

  async allocSpi(_protocol: IpsecProtocol, _src: string, _dst: string): Promise<number> {
    nextSpi = nextSpi >= 0xfffffff0 ? 0x1000 : nextSpi + 1;
    return nextSpi;
  }

  async addSa(_sa: KernelSaSpec): Promise<void> {}
  async updateSa(_sa: KernelSaSpec): Promise<void> {}
  async deleteSa(_protocol: IpsecProtocol, _dst: string, _spi: number): Promise<void> {}
  async addFlow(_f: KernelFlowSpec): Promise<void> {}
  async deleteFlow(_f: KernelFlowSpec): Promise<void> {}

  async getCounters(_protocol: IpsecProtocol, _dst: string, _spi: number): Promise<SaCounters> {
    return { bytes: 0, packets: 0, lastUse: 0 };
  }

  async flush(): Promise<void> {}
  onEvent(_cb: (e: KernelEvent) => void): void {}
  async close(): Promise<void> {}
}
