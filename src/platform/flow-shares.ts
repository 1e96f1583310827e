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
 *
 * One FlowShares holds one direction's policies. Its table (wire/hash-slots.ts) is hashed by the
 * selector and finds a selector's holders by comparing the holders' own fields: no key string
 * and no Map entry per flow.
 */
import type { KernelFlowSpec } from './types';
import { HashSlots } from '../wire/hash-slots';
import { combine32, hashString } from '../wire/hash32';

export type FlowOp = 'add' | 'update' | 'delete';
export interface FlowChange<T> {
  op: FlowOp;
  /** the holder whose template the kernel gets (for delete: the one removed) */
  flow: T;
}

/** Selector key: direction, networks, protocol and ports (not the template); for the kernel record and messages. */
export function flowKey(f: KernelFlowSpec): string {
  // flattened (normalize() of an ASCII string returns it flat): a Map keeps a concatenation tree as such
  return `${f.dir} ${f.src}->${f.dst} proto ${f.proto} ${f.sport ?? 0}->${f.dport ?? 0}`.normalize();
}

/** What a policy of one direction is selected by: networks, protocol and ports (no port: 0). */
export interface FlowSelector {
  readonly src: string;
  readonly dst: string;
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
}

export function sameSelector(a: FlowSelector, b: FlowSelector): boolean {
  return a.src === b.src && a.dst === b.dst && a.proto === b.proto && (a.sport ?? 0) === (b.sport ?? 0) && (a.dport ?? 0) === (b.dport ?? 0);
}

export function selectorHash(f: FlowSelector): number {
  return combine32(combine32(hashString(f.src), hashString(f.dst)), (f.proto << 24) ^ ((f.sport ?? 0) << 12) ^ (f.dport ?? 0));
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

type Held<T> = T | T[];
const newest = <T>(h: Held<T>): T => (Array.isArray(h) ? h[h.length - 1] : h);
const oldest = <T>(h: Held<T>): T => (Array.isArray(h) ? h[0] : h);
/** A slot's holders are those of `sel` (one function for every lookup: no closure per call). */
const holdsSelector = <T extends FlowSelector>(h: Held<T>, sel: FlowSelector): boolean => sameSelector(oldest(h), sel);

/** The holders of one direction's policies, by selector. */
export class FlowShares<T extends FlowTemplate & FlowSelector> {
  /** one holder as itself (the common case costs no array), several as an array, oldest first */
  private readonly bySelector = new HashSlots<Held<T>>();

  get size(): number {
    return this.bySelector.size;
  }

  /** `hash`: selectorHash(sel), when the caller has it already. */
  private held(sel: FlowSelector, hash = selectorHash(sel)): Held<T> | undefined {
    return this.bySelector.find(hash, holdsSelector, sel);
  }

  /** Number of holders of a selector. */
  holders(sel: FlowSelector): number {
    const h = this.held(sel);
    return h === undefined ? 0 : Array.isArray(h) ? h.length : 1;
  }

  /** The holder whose template is in the kernel (the newest). */
  installed(sel: FlowSelector): T | undefined {
    const h = this.held(sel);
    return h === undefined ? undefined : newest(h);
  }

  /** A holder of `sel` for which `is` holds (to share an identical record). */
  findHolder(sel: FlowSelector, is: (t: T) => boolean): T | undefined {
    const h = this.held(sel);
    if (h === undefined) return undefined;
    return Array.isArray(h) ? h.find(is) : is(h) ? h : undefined;
  }

  /** Every selector's installed holder. */
  *current(): IterableIterator<T> {
    for (const h of this.bySelector.values()) yield newest(h);
  }

  /** Record a new holder (its selector is its own); what the kernel must do (undefined: nothing). */
  add(f: T): FlowChange<T> | undefined {
    const hash = selectorHash(f);
    const h = this.held(f, hash);
    if (h === undefined) {
      this.bySelector.add(hash, f);
      return { op: 'add', flow: f };
    }
    const top = newest(h);
    if (Array.isArray(h)) h.push(f);
    else this.bySelector.replace(hash, h, [h, f]);
    return sameTemplate(top, f) ? undefined : { op: 'update', flow: f };
  }

  /**
   * Drop the newest holder of `f`'s selector with `f`'s template. 'missing' when no holder has it;
   * otherwise what the kernel must do (undefined: nothing).
   */
  remove(f: FlowTemplate & FlowSelector): FlowChange<T> | undefined | 'missing' {
    const hash = selectorHash(f);
    const h = this.held(f, hash);
    if (h === undefined) return 'missing';
    if (!Array.isArray(h)) {
      if (!sameTemplate(h, f)) return 'missing';
      this.bySelector.delete(hash, h);
      return { op: 'delete', flow: h };
    }
    let i = h.length - 1;
    while (i >= 0 && !sameTemplate(h[i], f)) i--;
    if (i < 0) return 'missing';
    const wasTop = i === h.length - 1;
    const [gone] = h.splice(i, 1);
    const top = h[h.length - 1];
    if (h.length === 1) this.bySelector.replace(hash, h, top);
    return wasTop && !sameTemplate(gone, top) ? { op: 'update', flow: top } : undefined;
  }

  clear(): void {
    this.bySelector.clear();
  }
}

/** One FlowShares per direction, as the kernel keeps its policies. */
export type FlowSharesByDir<T extends FlowTemplate & FlowSelector> = Record<KernelFlowSpec['dir'], FlowShares<T>>;

export function flowSharesByDir<T extends FlowTemplate & FlowSelector>(): FlowSharesByDir<T> {
  return { out: new FlowShares<T>(), in: new FlowShares<T>(), fwd: new FlowShares<T>() };
}
