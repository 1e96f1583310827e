/**
 * Kernel policies (flows) shared by Child SAs with identical selectors.
 *
 * Several Child SAs may protect the same selectors (RFC 7296 allows duplicate SAs: a
 * peer that re-establishes before its old SA is gone, both ends initiating at once,
 * two clients behind one NAT asking for the same networks). The kernel holds one
 * policy per selector and direction, so every adapter keeps, per selector, the list
 * of its holders, oldest first:
 *   - the policy points at the NEWEST holder's template (reqid, tunnel endpoints),
 *     as OpenIKED (a new flow replaces the loaded one) and strongSwan (kernel-netlink
 *     installs the most recent SA's template) do: the SA the peer set up last carries
 *     the traffic;
 *   - removing a holder that is not the newest changes nothing in the kernel;
 *     removing the newest points the policy at the newest remaining holder; removing
 *     the last removes the policy.
 * The plan is returned as a change for the adapter to apply: nothing (same template),
 * add, update (replace the template) or delete.
 */
import type { KernelFlowSpec } from './types';

export type FlowOp = 'add' | 'update' | 'delete';
export interface FlowChange<T> {
  op: FlowOp;
  /** the holder whose template the kernel gets (for delete: the one removed) */
  flow: T;
}

/** Selector key: direction, networks, protocol and ports (not the template). */
export function flowKey(f: KernelFlowSpec): string {
  // flattened (normalize() of an ASCII string returns it flat): a Map keeps a concatenation tree as such
  return `${f.dir} ${f.src}->${f.dst} proto ${f.proto} ${f.sport ?? 0}->${f.dport ?? 0}`.normalize();
}

/** The part of a flow the kernel's policy carries besides the selector. */
export interface FlowTemplate {
  reqid: number;
  tunnelSrc: string;
  tunnelDst: string;
  protocol: string;
  mode: string;
}

export function sameTemplate(a: FlowTemplate, b: FlowTemplate): boolean {
  return a.reqid === b.reqid && a.tunnelSrc === b.tunnelSrc && a.tunnelDst === b.tunnelDst && a.protocol === b.protocol && a.mode === b.mode;
}

export class FlowShares<T extends FlowTemplate> {
  /** one holder as itself (the common case costs no array), several as an array, oldest first */
  private readonly byKey = new Map<string, T | T[]>();

  get size(): number {
    return this.byKey.size;
  }

  /** Number of holders of a selector. */
  holders(key: string): number {
    const h = this.byKey.get(key);
    return h === undefined ? 0 : Array.isArray(h) ? h.length : 1;
  }

  /** The holder whose template is in the kernel (the newest). */
  installed(key: string): T | undefined {
    const h = this.byKey.get(key);
    return Array.isArray(h) ? h[h.length - 1] : h;
  }

  /** Every selector's installed holder. */
  *current(): IterableIterator<T> {
    for (const h of this.byKey.values()) yield Array.isArray(h) ? h[h.length - 1] : h;
  }

  /** Record a new holder; what the kernel must do (undefined: nothing). */
  add(key: string, f: T): FlowChange<T> | undefined {
    const h = this.byKey.get(key);
    if (h === undefined) {
      this.byKey.set(key, f);
      return { op: 'add', flow: f };
    }
    const top = Array.isArray(h) ? h[h.length - 1] : h;
    if (Array.isArray(h)) h.push(f);
    else this.byKey.set(key, [h, f]);
    return sameTemplate(top, f) ? undefined : { op: 'update', flow: f };
  }

  /**
   * Drop the newest holder with `f`'s template. 'missing' when no holder has it;
   * otherwise what the kernel must do (undefined: nothing).
   */
  remove(key: string, f: FlowTemplate): FlowChange<T> | undefined | 'missing' {
    const h = this.byKey.get(key);
    if (h === undefined) return 'missing';
    if (!Array.isArray(h)) {
      if (!sameTemplate(h, f)) return 'missing';
      this.byKey.delete(key);
      return { op: 'delete', flow: h };
    }
    let i = h.length - 1;
    while (i >= 0 && !sameTemplate(h[i], f)) i--;
    if (i < 0) return 'missing';
    const wasTop = i === h.length - 1;
    const [gone] = h.splice(i, 1);
    const top = h[h.length - 1];
    if (h.length === 1) this.byKey.set(key, top);
    return wasTop && !sameTemplate(gone, top) ? { op: 'update', flow: top } : undefined;
  }

  clear(): void {
    this.byKey.clear();
  }
}
