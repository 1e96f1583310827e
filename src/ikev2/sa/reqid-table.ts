/**
 * Reqids shared by Child SAs with identical selectors, as strongSwan allocates them.
 *
 * The kernel's policy for a selector carries one template with one reqid, and its
 * inbound check accepts only SAs with that reqid (XFRM's xfrm_state_ok; KAME's
 * "unique" level). Child SAs with identical selectors share the policy
 * (platform/flow-shares.ts), so they share the reqid too: traffic that arrives on
 * any of them passes the inbound check, and outbound the kernel picks the newest
 * SA of that reqid. Child SAs with other selectors keep other reqids, so one
 * Child SA cannot carry another's traffic.
 *
 * Every Child SA holds one reference (a rekey's successor too); the entry goes
 * with the last.
 */
import type { TrafficSelector } from '../payloads/payload-types';
import { tsText } from '../policy/traffic-selectors';

export interface SelectorSet {
  protocol: string;
  mode: string;
  tsLocal: readonly TrafficSelector[];
  tsRemote: readonly TrafficSelector[];
}

export function selectorKey(s: SelectorSet): string {
  return `${s.protocol} ${s.mode} ${s.tsLocal.map(tsText).join(',')} | ${s.tsRemote.map(tsText).join(',')}`.normalize();
}

export class ReqidTable {
  private readonly byKey = new Map<string, number>();
  /** reqid -> its selector key; one reference each */
  private readonly byReqid = new Map<number, string>();
  /** references beyond the first (a rekey's successor, shared selectors): most reqids have none, and no entry */
  private readonly moreRefs = new Map<number, number>();

  /** `next` hands out fresh reqids (the engine's counter); ones still in use here are skipped. */
  constructor(private readonly next: () => number) {}

  get size(): number {
    return this.byReqid.size;
  }

  /** The reqid for these selectors, with one more reference. */
  acquire(s: SelectorSet): number {
    const key = selectorKey(s);
    const have = this.byKey.get(key);
    if (have !== undefined) {
      this.retain(have);
      return have;
    }
    let r = this.next();
    while (this.byReqid.has(r)) r = this.next();
    this.byKey.set(key, r);
    this.byReqid.set(r, key);
    return r;
  }

  /** One more reference to a reqid already held (a rekey's successor). Unknown reqids (a policy's own) are ignored. */
  retain(reqid: number): void {
    if (this.byReqid.has(reqid)) this.moreRefs.set(reqid, (this.moreRefs.get(reqid) ?? 0) + 1);
  }

  /** Drop one reference; the entry goes with the last. Unknown reqids are ignored. */
  release(reqid: number): void {
    const key = this.byReqid.get(reqid);
    if (key === undefined) return;
    const more = this.moreRefs.get(reqid);
    if (more !== undefined) {
      if (more > 1) this.moreRefs.set(reqid, more - 1);
      else this.moreRefs.delete(reqid);
      return;
    }
    this.byReqid.delete(reqid);
    this.byKey.delete(key);
  }

  references(reqid: number): number {
    return this.byReqid.has(reqid) ? 1 + (this.moreRefs.get(reqid) ?? 0) : 0;
  }
}
