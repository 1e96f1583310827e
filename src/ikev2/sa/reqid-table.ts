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
import { HashSlots } from '../../wire/hash-slots';
import { hashInt32, hashString } from '../../wire/hash32';

export interface SelectorSet {
  protocol: string;
  mode: string;
  tsLocal: readonly TrafficSelector[];
  tsRemote: readonly TrafficSelector[];
}

export function selectorKey(s: SelectorSet): string {
  return `${s.protocol} ${s.mode} ${s.tsLocal.map(tsText).join(',')} | ${s.tsRemote.map(tsText).join(',')}`.normalize();
}

/** Reqid digits at the start of an entry. */
const DIGITS = 8;

/** An entry: the reqid as 8 hex digits, then its selector key, as one flat (ASCII) string. */
function entryOf(reqid: number, key: string): string {
  return `${(reqid >>> 0).toString(16).padStart(DIGITS, '0')}${key}`.normalize();
}

function reqidOf(entry: string): number {
  let r = 0;
  for (let i = 0; i < DIGITS; i++) {
    const c = entry.charCodeAt(i);
    r = r * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return r;
}

const hasKey = (entry: string, key: string): boolean => entry.length === key.length + DIGITS && entry.endsWith(key);
const hasReqid = (entry: string, reqid: number): boolean => reqidOf(entry) === reqid;

export class ReqidTable {
  /**
   * One string per reqid (entryOf) in two open-addressing tables, by its selector key and by its
   * reqid: no Map entries, no second string. One reference each.
   */
  private readonly byKey = new HashSlots<string>();
  private readonly byReqid = new HashSlots<string>();
  /** references beyond the first (a rekey's successor, shared selectors): most reqids have none, and no entry */
  private readonly moreRefs = new Map<number, number>();

  /** `next` hands out fresh reqids (the engine's counter); ones still in use here are skipped. */
  constructor(private readonly next: () => number) {}

  get size(): number {
    return this.byReqid.size;
  }

  private entry(reqid: number): string | undefined {
    return this.byReqid.find(hashInt32(reqid), hasReqid, reqid >>> 0);
  }

  /** The reqid for these selectors, with one more reference. */
  acquire(s: SelectorSet): number {
    const key = selectorKey(s);
    const have = this.byKey.find(hashString(key), hasKey, key);
    if (have !== undefined) {
      const r = reqidOf(have);
      this.retain(r);
      return r;
    }
    let r = this.next() >>> 0;
    while (this.entry(r) !== undefined) r = this.next() >>> 0;
    const e = entryOf(r, key);
    this.byKey.add(hashString(key), e);
    this.byReqid.add(hashInt32(r), e);
    return r;
  }

  /** One more reference to a reqid already held (a rekey's successor). Unknown reqids (a policy's own) are ignored. */
  retain(reqid: number): void {
    if (this.entry(reqid) !== undefined) this.moreRefs.set(reqid, (this.moreRefs.get(reqid) ?? 0) + 1);
  }

  /** Drop one reference; the entry goes with the last. Unknown reqids are ignored. */
  release(reqid: number): void {
    const e = this.entry(reqid);
    if (e === undefined) return;
    const more = this.moreRefs.get(reqid);
    if (more !== undefined) {
      if (more > 1) this.moreRefs.set(reqid, more - 1);
      else this.moreRefs.delete(reqid);
      return;
    }
    this.byReqid.delete(hashInt32(reqid >>> 0), e);
    this.byKey.delete(hashString(e.slice(DIGITS)), e);
  }

  references(reqid: number): number {
    return this.entry(reqid) !== undefined ? 1 + (this.moreRefs.get(reqid) ?? 0) : 0;
  }
}
