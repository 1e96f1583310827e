/**
 * IKEv2 message fragmentation (RFC 7383): splitting an SK message into
 * Encrypted Fragment (SKF) payloads, each sealed on its own with the IKE header
 * and the SKF header as associated data, and reassembling received fragments
 * (each authenticated on arrival) into the inner payloads of the whole message.
 */
import { isIPv6 } from 'node:net';
import { EXCHANGE, PAYLOAD, ExchangeType } from '../../wire/iana';
import type { IkeHeader, IkeMessage, Payload, SkfPayload } from '../payloads/payload-types';
import { encodePayloads, payloadsLength, GENERIC_HEADER_LEN } from '../payloads/payload-chain';
import { encodeMessage, decodeInner } from '../payloads/message';
import { HEADER_LEN } from '../payloads/header';
import { sealMessage } from '../payloads/message-protect';
import { skBodyLength, skSeal, skOpen, SkSuite } from '../../crypto/sk-seal';
import { IntegrityError } from '../../crypto/errors';
import type { IkeSa } from '../sa/ike-sa';
import type { EngineContext } from '../engine-context';
import { endpointText, Endpoint } from '../../wire/endpoint';

/** Fragment Number and Total Fragments after the generic header. */
const SKF_FIELDS_LEN = 4;
/** IPv4 (20) or IPv6 (40) header, UDP header (8), non-ESP marker (4). */
const IPV4_OVERHEAD = 20 + 8 + 4;
const IPV6_OVERHEAD = 40 + 8 + 4;

/**
 * Largest IKE message we send unfragmented, and the size of each fragment
 * (RFC 7383 2.5.1: IP datagrams of at most 576 bytes for IPv4, 1280 for IPv6,
 * minus the IP and UDP headers and the non-ESP marker).
 */
export function fragmentThreshold(remoteAddress: string): number {
  return isIPv6(remoteAddress) ? 1280 - IPV6_OVERHEAD : 576 - IPV4_OVERHEAD;
}

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

/** Largest inner-payload chunk whose sealed SKF payload fits a message of `maxMessage` bytes. */
export function fragmentChunkSize(suite: SkSuite, maxMessage: number): number {
  const room = maxMessage - HEADER_LEN - GENERIC_HEADER_LEN - SKF_FIELDS_LEN;
  const icv = suite.encr.aead ? suite.encr.icvLen : (suite.integ?.icvLen ?? 0);
  const avail = room - suite.encr.ivLen - icv;
  const block = Math.max(suite.encr.blockSize, 1);
  const chunk = Math.floor(avail / block) * block - 1; // the pad-length byte always goes in
  if (chunk < 1 || skBodyLength(suite, chunk) > room) {
    throw new RangeError(`fragment size ${maxMessage} is too small for ${suite.encr.name}`);
  }
  return chunk;
}

/**
 * Seal `inner` into SKF fragments of at most `maxMessage` bytes each (always at
 * least one fragment). Fragment 1 carries the type of the first inner payload.
 */
export function sealFragments(sa: IkeSa, header: IkeHeader, inner: Payload[], maxMessage: number): Buffer[] {
  const suite = sa.alg!.suite;
  const { first, bytes: plain } = encodePayloads(inner);
  const chunk = fragmentChunkSize(suite, maxMessage);
  const total = Math.max(1, Math.ceil(plain.length / chunk));
  if (total > 0xffff) throw new RangeError(`message of ${plain.length} bytes needs ${total} fragments`);
  const k = sa.outKeys();
  const out: Buffer[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const part = plain.subarray(i * chunk, Math.min(plain.length, (i + 1) * chunk));
      const bodyLen = skBodyLength(suite, part.length);
      const skf: SkfPayload = {
        type: PAYLOAD.SKF,
        innerFirst: i === 0 ? first : PAYLOAD.NONE,
        fragmentNumber: i + 1,
        totalFragments: total,
        data: Buffer.alloc(bodyLen),
      };
      const msg = encodeMessage(header, [skf]);
      skSeal(suite, k.enc, k.integ, msg.subarray(0, msg.length - bodyLen), part, msg.subarray(msg.length - bodyLen));
      out.push(msg);
    }
  } finally {
    plain.fill(0);
  }
  return out;
}

/** Whether messages of this SA may be fragmented: we and the peer sent IKEV2_FRAGMENTATION_SUPPORTED. */
export function fragmentationActive(e: EngineContext, sa: IkeSa): boolean {
  return !!e.options.fragmentation && sa.peerFragmentation;
}

/**
 * Seal a request or response of an established (or authenticating) IKE SA: one
 * SK message, or SKF fragments when it would exceed the fragment threshold and
 * both sides support fragmentation. IKE_SA_INIT is never fragmented.
 */
export function sealForPeer(e: EngineContext, sa: IkeSa, header: IkeHeader, inner: Payload[]): Buffer[] {
  if (header.exchange !== EXCHANGE.IKE_SA_INIT && fragmentationActive(e, sa)) {
    const max = fragmentThreshold(sa.remote.address);
    const whole = HEADER_LEN + GENERIC_HEADER_LEN + skBodyLength(sa.alg!.suite, payloadsLength(inner));
    if (whole > max) {
      const frags = sealFragments(sa, header, inner, max);
      e.log.debug(`${e.spiTag(sa)}: ${ExchangeType.name(header.exchange)} ${header.messageId} of ${whole} bytes sent as ${frags.length} fragments of at most ${max}`);
      return frags;
    }
  }
  return [sealMessage(sa, header, inner)];
}

/** The message's last payload is an SKF payload. */
export function isFragment(m: IkeMessage): boolean {
  const last = m.payloads[m.payloads.length - 1];
  return !!last && last.type === PAYLOAD.SKF;
}

// ----------------------------------------------------------------- reassembly

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
  | { kind: 'complete'; inner: Payload[] }
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
      return { kind: 'complete', inner: decodeInner(first, whole) };
    } catch (e) {
      whole.fill(0);
      return { kind: 'dropped', reason: `reassembled message does not decode: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}

/** Per IKE SA: requests of the peer and responses to our requests. */
const reassemblers = new WeakMap<IkeSa, { requests: FragmentReassembler; responses: FragmentReassembler }>();

function reassemblersOf(sa: IkeSa): { requests: FragmentReassembler; responses: FragmentReassembler } {
  let r = reassemblers.get(sa);
  if (!r) {
    r = { requests: new FragmentReassembler(), responses: new FragmentReassembler() };
    reassemblers.set(sa, r);
  }
  return r;
}

/**
 * A received SKF message of `sa`. Returns the inner payloads of the whole message
 * once its last fragment arrived, else null (kept, duplicate, dropped, or a
 * retransmitted request answered from the response cache on its fragment 1).
 */
export function receiveFragment(e: EngineContext, sa: IkeSa, m: IkeMessage, raw: Buffer, remote: Endpoint, response: boolean): Payload[] | null {
  const skf = m.payloads[m.payloads.length - 1] as SkfPayload;
  const id = m.header.messageId;
  const what = `${ExchangeType.name(m.header.exchange)} ${response ? 'response' : 'request'} ${id} fragment ${skf.fragmentNumber}/${skf.totalFragments}`;
  const drop = (reason: string): null => {
    e.stats.rxDropped++;
    e.log.debug(`${e.spiTag(sa)}: ${what} from ${endpointText(remote)} dropped: ${reason}`);
    return null;
  };
  if (m.header.exchange === EXCHANGE.IKE_SA_INIT || !sa.keys || !sa.alg) return drop('no keys to open it');
  if (!e.options.fragmentation) return drop('fragmentation is not enabled (set fragmentation)');
  if (response) {
    if (!sa.pending || sa.pending.messageId !== id) return drop('no request of ours has this message ID');
  } else if (sa.lastResponse && sa.lastResponse.id === id) {
    // a retransmitted request: answer once per retransmission, on its first fragment (RFC 7383 2.6.1)
    if (skf.fragmentNumber === 1 && sa.lastResponse.packets.length) {
      e.stats.rxRetransmits++;
      for (const pkt of sa.lastResponse.packets) e.transport.send(pkt, sa.local, sa.remote);
    }
    return null;
  } else if (id !== sa.peerNextId) {
    return drop(`outside the window (expected ${sa.peerNextId})`);
  }
  const r = reassemblersOf(sa);
  const res = (response ? r.responses : r.requests).add(sa.alg.suite, sa.inKeys(), m, raw);
  if (res.kind === 'dropped') {
    if (res.reason.includes('integrity')) e.stats.rxIntegrityFailures++;
    return drop(res.reason);
  }
  if (res.kind === 'incomplete') return null;
  e.log.debug(`${e.spiTag(sa)}: ${ExchangeType.name(m.header.exchange)} ${response ? 'response' : 'request'} ${id} reassembled from ${skf.totalFragments} fragments`);
  return res.inner;
}
