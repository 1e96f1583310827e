/**
 * Proof of reordering (and counts of repeats) from the IKE datagrams a host RECEIVED,
 * in arrival order (a capture with tcpdump -Q in), two ways:
 *
 * Datagrams: the sender stamps each IKE datagram's IP ID with its send sequence number
 * (faults.ts, modulo SEQ_MODULUS). A datagram whose number is lower than one that
 * already arrived was overtaken on the way: RFC 4737's "reordered" packet. A copy made
 * on the way (nft dup) carries the same number and is not counted.
 *
 * IKE messages: with a window of one (RFC 7296 2.3) a sender sends request n+1 only
 * after the response to n, and stops retransmitting n then; it answers request n+1 only
 * after request n. So, per IKE SA (SPIi), per original role (I flag) and per kind
 * (request or response), message IDs leave a host in non-decreasing order, and one that
 * arrives after a higher one of its class was overtaken: the reordering IKE itself sees.
 *
 * Byte-identical repeats of an earlier message (retransmissions, duplicates) are counted.
 */
import { createHash } from 'node:crypto';
import { Reader } from '../../../src/wire/reader';
import { decodeHeader, HEADER_LEN } from '../../../src/ikev2/payloads/header';
import { ExchangeType, FLAG } from '../../../src/wire/iana';
import { UdpDatagram } from './pcap-udp';

export interface ArrivedIke {
  tsUs: number;
  /** The sender's send sequence number (the IP ID faults.ts stamps). */
  seq: number;
  spiI: string;
  spiR: string;
  exchange: number;
  messageId: number;
  initiator: boolean;
  response: boolean;
  digest: string;
}

export interface OrderReport {
  /** IKE datagrams received. */
  datagrams: number;
  /** Datagrams that arrived after one sent later (by the IP ID sequence numbers). */
  lateDatagrams: number;
  /** IKE messages that arrived after a higher message ID of their class. */
  reorderedMessages: number;
  /** Byte-identical repeats of an earlier message (retransmissions and duplicates). */
  repeats: number;
  /** A few reordered messages, as "IKE_AUTH request 1 after 2 (+312 ms)". */
  examples: string[];
}

/** The IKE message in a UDP datagram to 500 or 4500 (after the non-ESP marker), or null (ESP, keepalive, junk). */
export function ikeOf(d: UdpDatagram): ArrivedIke | null {
  let p = d.payload;
  if (d.dport === 4500 || d.sport === 4500) {
    if (p.length < 4 || p.readUInt32BE(0) !== 0) return null;
    p = p.subarray(4);
  } else if (d.dport !== 500 && d.sport !== 500) {
    return null;
  }
  if (p.length < HEADER_LEN) return null;
  const h = decodeHeader(new Reader(p, 0, HEADER_LEN, 'IKE header'));
  if (h.majorVersion !== 2) return null;
  return {
    tsUs: d.tsUs,
    seq: d.ipId,
    spiI: h.spiI.toString('hex'),
    spiR: h.spiR.toString('hex'),
    exchange: h.exchange,
    messageId: h.messageId,
    initiator: (h.flags & FLAG.INITIATOR) !== 0,
    response: (h.flags & FLAG.RESPONSE) !== 0,
    digest: createHash('sha256').update(p).digest('hex'),
  };
}

/** `datagrams` in arrival order, all from one sender; `seqModulus` is the IP ID stamp's modulus (the sender sent fewer). */
export function orderReport(datagrams: UdpDatagram[], seqModulus: number): OrderReport {
  const highest = new Map<string, { id: number; tsUs: number }>();
  const seen = new Set<string>();
  const rep: OrderReport = { datagrams: 0, lateDatagrams: 0, reorderedMessages: 0, repeats: 0, examples: [] };
  let topSeq = -1;
  for (const d of datagrams) {
    const m = ikeOf(d);
    if (!m) continue;
    rep.datagrams++;
    const seq = d.ipId % seqModulus;
    if (seq < topSeq) rep.lateDatagrams++;
    topSeq = Math.max(topSeq, seq);
    if (seen.has(m.digest)) rep.repeats++;
    seen.add(m.digest);
    const cls = `${m.spiI}/${m.initiator ? 'I' : 'R'}/${m.response ? 'response' : 'request'}`;
    const top = highest.get(cls);
    if (top && m.messageId < top.id) {
      rep.reorderedMessages++;
      if (rep.examples.length < 3) {
        const what = `${ExchangeType.name(m.exchange)} ${m.response ? 'response' : 'request'}`;
        rep.examples.push(`${what} ${m.messageId} after ${top.id} (+${Math.round((m.tsUs - top.tsUs) / 1000)} ms)`);
      }
    }
    if (!top || m.messageId > top.id) highest.set(cls, { id: m.messageId, tsUs: m.tsUs });
  }
  return rep;
}
