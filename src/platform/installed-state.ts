/**
 * What a kernel adapter installed: SAs (larval after an SPI allocation, then
 * installed), and flows, shared by Child SAs with identical selectors (flow-shares.ts).
 * flush() removes exactly these, so a foreign SA or policy in the same kernel
 * survives. Shared by the XFRM and PF_KEY adapters.
 */
import { saKey } from './decoupled';
import { FlowShares, flowKey, type FlowOp } from './flow-shares';
import type { IpsecProtocol, KernelFlowSpec } from './types';

/** Applies one policy change to the kernel. */
export type ApplyFlow = (op: FlowOp, f: KernelFlowSpec) => Promise<void>;

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
  private readonly flows = new FlowShares<KernelFlowSpec>();

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

  /**
   * A Child SA (or a policy) holds flow `f`: the kernel gets the policy for the first
   * holder, the newest holder's template for later ones (nothing if it is the same).
   * If the kernel refuses, the holder is not recorded.
   */
  async addFlow(f: KernelFlowSpec, apply: ApplyFlow): Promise<void> {
    const k = flowKey(f);
    const held = { ...f };
    const change = this.flows.add(k, held);
    if (!change) return;
    try {
      await apply(change.op, change.flow);
    } catch (e) {
      this.flows.remove(k, held);
      throw e;
    }
  }

  /**
   * A holder lets go of flow `f`: the policy goes with the last holder, points at the
   * newest remaining one when the newest goes, and stays otherwise. A flow nobody of
   * ours holds is asked of the kernel as before; one held only with other templates
   * (another SA's) is refused with ENOENT and left alone.
   */
  async deleteFlow(f: KernelFlowSpec, apply: ApplyFlow): Promise<void> {
    const k = flowKey(f);
    const change = this.flows.remove(k, f);
    if (change === 'missing') {
      if (this.flows.holders(k)) {
        throw Object.assign(new Error(`flow ${k} reqid ${f.reqid} is not held (another SA's template is installed)`), { code: 'ENOENT' });
      }
      return apply('delete', f);
    }
    if (change) await apply(change.op, change.flow);
  }

  /** Holders of the flow with `f`'s selector (for tests and ikectl). */
  flowHolders(f: KernelFlowSpec): number {
    return this.flows.holders(flowKey(f));
  }

  /**
   * Delete every flow, then every SA we installed. Errors saying "already gone"
   * (`goneCodes`, e.g. ENOENT/ESRCH) are ignored; the others are collected.
   */
  async flush(
    label: string,
    deletePolicy: (f: KernelFlowSpec) => Promise<void>,
    deleteSa: (s: OwnedSa) => Promise<void>,
    goneCodes: { flow: string[]; sa: string[] },
  ): Promise<void> {
    const errors: string[] = [];
    const keep = (codes: string[]) => (e: Error): void => {
      if (!codes.includes(String((e as NodeJS.ErrnoException).code))) errors.push(e.message);
    };
    const policies = [...this.flows.current()];
    this.flows.clear();
    for (const f of policies) await deletePolicy(f).catch(keep(goneCodes.flow));
    for (const s of [...this.sas.values()]) await deleteSa(s).catch(keep(goneCodes.sa));
    if (errors.length) throw new Error(`${label} flush: ${errors.join('; ')}`);
  }
}
