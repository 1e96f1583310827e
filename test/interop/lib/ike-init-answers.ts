/**
 * IKE_SA_INIT requests answered more than once with DIFFERENT responder SPIs: the
 * responder took a retransmission of a request it had already answered for a new IKE
 * SA. Read from both captures: the requests the responder's host received (byte-
 * identical ones are one request sent again) and what the initiator's host received
 * from the responder. Answers with a zero SPIr (cookies, INVALID_KE) create no SA and
 * are left out.
 *
 * `whileAlive`: the responder sent messages under the first IKE SA (SPIi, first SPIr)
 * after the second answer (by its send sequence numbers, which reordering does not
 * change), so it still had that SA when the retransmission came (RFC 7296 2.1: a
 * retransmitted request gets the same response). A retransmission held back until after
 * that SA was deleted cannot be told from a new request by anyone.
 */
import { EXCHANGE } from '../../../src/wire/iana';
import { ArrivedIke, ikeOf } from './ike-order';
import { UdpDatagram } from './pcap-udp';

export interface InitAnsweredTwice {
  spiI: string;
  /** Distinct IKE_SA_INIT requests with this SPIi that reached the responder (1: all were the same bytes). */
  requests: number;
  /** Responder SPIs in the answers, in the order the responder sent them. */
  spiRs: string[];
  whileAlive: boolean;
}

function messages(datagrams: UdpDatagram[]): ArrivedIke[] {
  return datagrams.map(ikeOf).filter((m): m is ArrivedIke => m !== null);
}

export function initAnsweredTwice(atResponder: UdpDatagram[], atInitiator: UdpDatagram[]): InitAnsweredTwice[] {
  const zero = '0'.repeat(16);
  const fromResponder = messages(atInitiator);
  const toResponder = messages(atResponder);
  const answers = new Map<string, ArrivedIke[]>();
  for (const m of fromResponder) {
    if (m.exchange !== EXCHANGE.IKE_SA_INIT || !m.response || m.spiR === zero) continue;
    answers.set(m.spiI, [...(answers.get(m.spiI) ?? []), m]);
  }
  const out: InitAnsweredTwice[] = [];
  for (const [spiI, arrived] of answers) {
    const list = [...arrived].sort((x, y) => x.seq - y.seq); // in the order the responder sent them
    const first = list[0].spiR;
    const other = list.find((m) => m.spiR !== first);
    if (!other) continue;
    const requests = new Set(toResponder.filter((m) => m.spiI === spiI && m.exchange === EXCHANGE.IKE_SA_INIT && !m.response).map((m) => m.digest)).size;
    const whileAlive = fromResponder.some((m) => m.spiI === spiI && m.spiR === first && m.seq > other.seq);
    out.push({ spiI, requests, spiRs: [...new Set(list.map((m) => m.spiR))], whileAlive });
  }
  return out;
}
