/**
 * What a kernel adapter installed: SAs (larval after an SPI allocation, then
 * installed), and flows. flush() removes exactly these, so a foreign SA or policy
 * in the same kernel survives. Shared by the XFRM and PF_KEY adapters.
 */
import { flowKey, saKey } from './decoupled';
import type { IpsecProtocol, KernelFlowSpec } from './types';

export interface OwnedSa {
  protocol: IpsecProtocol;
  src?: string;
  dst: string;
  spi: number;
}

export class InstalledState {
  private readonly sas = new Map<string, OwnedSa>();
  /** SPIs allocated by the kernel (a larval SA exists): the SA is installed as an update. */
  private readonly larval = new Set<string>();
  private readonly flows = new Map<string, KernelFlowSpec>();

  allocated(sa: OwnedSa): void {
    const k = saKey(sa.protocol, sa.dst, sa.spi);
    this.larval.add(k);
    this.sas.set(k, sa);
  }

  isLarval(protocol: IpsecProtocol, dst: string, spi: number): boolean {
    return this.larval.has(saKey(protocol, dst, spi));
  }

  installed(sa: OwnedSa): void {
    const k = saKey(sa.protocol, sa.dst, sa.spi);
    this.larval.delete(k);
    this.sas.set(k, sa);
  }

  sa(protocol: IpsecProtocol, dst: string, spi: number): OwnedSa | undefined {
    return this.sas.get(saKey(protocol, dst, spi));
  }

  /** Deleted by us, or by the kernel (hard expiry). */
  removed(protocol: IpsecProtocol, dst: string, spi: number): void {
    const k = saKey(protocol, dst, spi);
    this.sas.delete(k);
    this.larval.delete(k);
  }

  flowAdded(f: KernelFlowSpec): void {
    this.flows.set(flowKey(f), { ...f });
  }

  flowRemoved(f: KernelFlowSpec): void {
    this.flows.delete(flowKey(f));
  }

  /**
   * Delete every flow, then every SA we installed. Errors saying "already gone"
   * (`goneCodes`, e.g. ENOENT/ESRCH) are ignored; the others are collected.
   */
  async flush(
    label: string,
    deleteFlow: (f: KernelFlowSpec) => Promise<void>,
    deleteSa: (s: OwnedSa) => Promise<void>,
    goneCodes: { flow: string[]; sa: string[] },
  ): Promise<void> {
    const errors: string[] = [];
    const keep = (codes: string[]) => (e: Error): void => {
      if (!codes.includes(String((e as NodeJS.ErrnoException).code))) errors.push(e.message);
    };
    for (const f of [...this.flows.values()]) await deleteFlow(f).catch(keep(goneCodes.flow));
    for (const s of [...this.sas.values()]) await deleteSa(s).catch(keep(goneCodes.sa));
    if (errors.length) throw new Error(`${label} flush: ${errors.join('; ')}`);
  }
}
