/**
 * IKE fragmentation (RFC 7383), receiving side: the fragments of one message are
 * authenticated and decrypted one by one, collected, and decoded once complete.
 * One reassembler per direction per IKE SA (IkeSa.reassembly).
 */
import { PAYLOAD } from '../../wire/iana';
import type { IkeMessage, Payload, SkfPayload } from './payload-types';
import { decodeInner } from './message';
import { skOpen, type SkSuite } from '../../crypto/sk-seal';
import { IntegrityError } from '../../crypto/errors';

export interface FragmentLimits {
  /** Most fragments one message may have. */
  maxFragments: number;
  /** Most decrypted bytes one reassembled message may have. */
  maxTotalBytes: number;
  /** A message whose fragments do not all arrive in this time is dropped. */
  timeoutMs: number;
}

export const defaultFragmentLimits: FragmentLimits = {
  maxFragments: 64,
  maxTotalBytes: 0xffff,
  timeoutMs: 30_000,
};

interface Collecting {
  messageId: number;
  total: number;
  innerFirst: number;
  parts: Array<Buffer | undefined>;
  received: number;
  bytes: number;
  startedAt: number;
}

export type FragmentResult =
  | { kind: 'complete'; inner: Payload[]; first: number; plain: Buffer }
  | { kind: 'incomplete' }
  | { kind: 'dropped'; reason: string };

/**
 * Collects the fragments of one direction (requests or responses) of one IKE SA.
 * Every fragment is authenticated and decrypted before it is kept; duplicates are
 * ignored; a larger Total Fragments restarts the collection (the sender
 * re-fragmented with a smaller size, RFC 7383 2.6.1), a smaller one is dropped.
 */
export class FragmentReassembler {
  private cur: Collecting | null = null;

  constructor(private readonly limits: FragmentLimits = defaultFragmentLimits) {}

  /** Fragments collected so far for the message being reassembled (for tests and logs). */
  get pending(): { messageId: number; received: number; total: number } | null {
    return this.cur ? { messageId: this.cur.messageId, received: this.cur.received, total: this.cur.total } : null;
  }

  clear(): void {
    if (this.cur) for (const p of this.cur.parts) p?.fill(0);
    this.cur = null;
  }

  /**
   * Add the fragment `m` (decoded from `raw`) of message `m.header.messageId`,
   * opened with `suite` and the peer's keys.
   */
  add(suite: SkSuite, keys: { enc: Buffer; integ: Buffer | null }, m: IkeMessage, raw: Buffer, now = Date.now()): FragmentResult {
    const skf = m.payloads[m.payloads.length - 1] as SkfPayload;
    const id = m.header.messageId;
    const { fragmentNumber: n, totalFragments: total } = skf;
    if (n < 1 || n > total) return { kind: 'dropped', reason: `fragment ${n} of ${total}` };
    if (total > this.limits.maxFragments) {
      return { kind: 'dropped', reason: `${total} fragments exceed the limit of ${this.limits.maxFragments}` };
    }
    // a collection for another message ID or a timed-out one is replaced, but only by an authentic fragment
    const stale = !!this.cur && (this.cur.messageId !== id || now - this.cur.startedAt > this.limits.timeoutMs);
    let c = stale ? null : this.cur;
    if (c && c.parts[n - 1] && total === c.total) return { kind: 'dropped', reason: `duplicate fragment ${n} of ${total}` };
    if (c && total < c.total) return { kind: 'dropped', reason: `fragment ${n} says ${total} fragments, earlier ones said ${c.total}` };
    // authenticate before the fragment may change any state (RFC 7383 2.6.1)
    let plain: Buffer;
    try {
      plain = skOpen(suite, keys.enc, keys.integ, raw.subarray(0, raw.length - skf.data.length), skf.data);
    } catch (e) {
      return { kind: 'dropped', reason: e instanceof IntegrityError ? `fragment ${n} of ${total}: integrity check failed` : `fragment ${n} of ${total}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (stale || (c && total > c.total)) {
      this.clear();
      c = null;
    }
    if (!c) {
      c = { messageId: id, total, innerFirst: PAYLOAD.NONE, parts: new Array<Buffer | undefined>(total), received: 0, bytes: 0, startedAt: now };
      this.cur = c;
    }
    if (c.bytes + plain.length > this.limits.maxTotalBytes) {
      plain.fill(0);
      this.clear();
      return { kind: 'dropped', reason: `reassembled message would exceed ${this.limits.maxTotalBytes} bytes` };
    }
    c.parts[n - 1] = Buffer.from(plain);
    plain.fill(0);
    if (n === 1) c.innerFirst = skf.innerFirst;
    c.received++;
    c.bytes += c.parts[n - 1]!.length;
    if (c.received < c.total) return { kind: 'incomplete' };
    const whole = Buffer.concat(c.parts as Buffer[]);
    const first = c.innerFirst;
    this.clear();
    try {
      return { kind: 'complete', inner: decodeInner(first, whole), first, plain: whole };
    } catch (e) {
      whole.fill(0);
      return { kind: 'dropped', reason: `reassembled message does not decode: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

/** The peer's fragmented requests, and the responses to our requests. */
export interface Reassembly {
  requests: FragmentReassembler;
  responses: FragmentReassembler;
}
