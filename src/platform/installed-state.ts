/**
 * What a kernel adapter installed: SAs (larval after an SPI allocation, then
 * installed), and flows, shared by Child SAs with identical selectors (flow-shares.ts).
 * flush() removes exactly these, so a foreign SA or policy in the same kernel
 * survives. Shared by the XFRM and PF_KEY adapters.
 *
 * With a KernelRecord (kernel-record.ts) every SA and policy is written down before
 * the kernel gets it and struck off once the kernel no longer has it, so what a
 * killed iked left behind is known at the next start; adopt() takes such a list
 * over for a flush().
 */
import { saKey } from './decoupled';
import { flowSharesByDir, flowKey, type FlowOp } from './flow-shares';
import type { KernelRecord, RecordEntry } from './kernel-record';
import type { IpsecProtocol, KernelFlowSpec } from './types';

/** Policies are flushed inbound first (in, fwd), then outbound. */
const FLUSH_ORDER = ['in', 'fwd', 'out'] as const;

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
  private readonly flows = flowSharesByDir<KernelFlowSpec>();

  constructor(private readonly record?: KernelRecord) {}

  /** Take over SAs and policies a previous iked installed (its record), so flush() removes them. */
  adopt(entries: Iterable<RecordEntry>): void {
    for (const e of entries) {
      if ('sa' in e) this.sas.set(saKey(e.sa.protocol, e.sa.dst, e.sa.spi), { ...e.sa });
      else this.flows[e.flow.dir].add({ ...e.flow });
    }
  }

  allocated(sa: OwnedSa): void {
    const k = saKey(sa.protocol, sa.dst, sa.spi);
    this.larval.add(k);
    this.sas.set(k, sa);
    this.record?.put(k, { sa });
  }

  /** Install an SA with `call`: recorded first; a new SA the kernel refused is struck off again. */
  async install(sa: OwnedSa, call: () => Promise<void>): Promise<void> {
    const k = saKey(sa.protocol, sa.dst, sa.spi);
    const known = this.sas.has(k);
    this.record?.put(k, { sa });
    try {
      await call();
    } catch (e) {
      if (!known) this.record?.drop(k);
      throw e;
    }
    this.installed(sa);
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
    this.record?.drop(k);
  }

  /** One policy change through `apply`, recorded before it is added and struck off once deleted. */
  private async applyRecorded(k: string, op: FlowOp, f: KernelFlowSpec, apply: ApplyFlow): Promise<void> {
    if (op === 'delete') {
      await apply(op, f);
      this.record?.drop(k);
      return;
    }
    this.record?.put(k, { flow: f });
    try {
      await apply(op, f);
    } catch (e) {
      if (op === 'add') this.record?.drop(k);
      throw e;
    }
  }

  /**
   * A Child SA (or a policy) holds flow `f`: the kernel gets the policy for the first
   * holder, the newest holder's template for later ones (nothing if it is the same).
   * If the kernel refuses, the holder is not recorded.
   */
  async addFlow(f: KernelFlowSpec, apply: ApplyFlow): Promise<void> {
    const k = flowKey(f);
    const held = { ...f };
    const change = this.flows[f.dir].add(held);
    if (!change) return;
    try {
      await this.applyRecorded(k, change.op, change.flow, apply);
    } catch (e) {
      this.flows[f.dir].remove(held);
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
    const change = this.flows[f.dir].remove(f);
    if (change === 'missing') {
      if (this.flows[f.dir].holders(f)) {
        throw Object.assign(new Error(`flow ${k} reqid ${f.reqid} is not held (another SA's template is installed)`), { code: 'ENOENT' });
      }
      return this.applyRecorded(k, 'delete', f, apply);
    }
    if (change) await this.applyRecorded(k, change.op, change.flow, apply);
  }

  /** Holders of the flow with `f`'s selector (for tests and ikectl). */
  flowHolders(f: KernelFlowSpec): number {
    return this.flows[f.dir].holders(f);
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
    const gone = (codes: string[], e: Error): boolean => codes.includes(String((e as NodeJS.ErrnoException).code));
    const policies = FLUSH_ORDER.flatMap((d) => [...this.flows[d].current()]);
    for (const d of FLUSH_ORDER) this.flows[d].clear();
    for (const f of policies) {
      try {
        await deletePolicy(f);
      } catch (e) {
        if (!gone(goneCodes.flow, e as Error)) {
          errors.push((e as Error).message);
          continue; // still recorded: the next start tries again
        }
      }
      this.record?.drop(flowKey(f));
    }
    for (const s of [...this.sas.values()]) {
      await deleteSa(s).catch((e: Error) => {
        if (!gone(goneCodes.sa, e)) errors.push(e.message);
      });
    }
    if (errors.length) throw new Error(`${label} flush: ${errors.join('; ')}`);
  }
}
