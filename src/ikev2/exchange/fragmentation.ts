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
import { encodeMessage } from '../payloads/message';
import { HEADER_LEN } from '../payloads/header';
import { sealMessage, type OpenedMessage } from '../payloads/message-protect';
import { skBodyLength, skSeal, SkSuite } from '../../crypto/sk-seal';
import type { IkeSa } from '../sa/ike-sa';
import { FragmentReassembler, type Reassembly } from '../payloads/fragment-reassembler';
export { FragmentReassembler, defaultFragmentLimits, type FragmentLimits } from '../payloads/fragment-reassembler';
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

function reassemblersOf(sa: IkeSa): Reassembly {
  return (sa.reassembly ??= { requests: new FragmentReassembler(), responses: new FragmentReassembler() });
}

/**
 * A received SKF message of `sa`. Returns the whole message, opened,
 * once its last fragment arrived, else null (kept, duplicate, dropped, or a
 * retransmitted request answered from the response cache on its fragment 1).
 */
export function receiveFragment(e: EngineContext, sa: IkeSa, m: IkeMessage, raw: Buffer, remote: Endpoint, response: boolean): OpenedMessage | null {
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
  return { inner: res.inner, first: res.first, plain: res.plain };
}
