/**
 * What the two daemons say about a fault case: our iked's counters (show stats, over
 * the control socket) and establishment times (its log), charon's datagrams,
 * retransmissions and establishment times (its file log, net=1 ike=1 or more).
 */
import { IkedProcess } from './iked-process';
import { showStats } from './iked-control';

export interface IkedFigures {
  txPackets: number;
  txRetransmits: number;
  rxPackets: number;
  /** Repeated requests answered from the response cache. */
  rxRetransmits: number;
  /** ms from the first IKE_SA_INIT to the IKE_AUTH answer, per IKE SA established (initiator or responder). */
  establishMs: number[];
}

export interface CharonFigures {
  sent: number;
  received: number;
  retransmits: number;
  /** Repeated requests answered with the cached response. */
  answeredRepeats: number;
  /** Requests ignored: out of the window or already being processed. */
  ignored: number;
  /** ms from "initiating IKE_SA" to "IKE_SA ... established", per IKE SA charon initiated. */
  establishMs: number[];
}

export async function ikedFigures(iked: IkedProcess): Promise<IkedFigures> {
  const s = await showStats(iked);
  const establishMs = [...iked.log().matchAll(/established peer .* as (?:initiator|responder) in (\d+)ms/g)].map((m) => Number(m[1]));
  return { txPackets: s.txPackets, txRetransmits: s.txRetransmits, rxPackets: s.rxPackets, rxRetransmits: s.rxRetransmits, establishMs };
}

/** "08:41:48.123" (charon's time_format %T with time_add_ms) in ms since midnight. */
function clockMs(t: string): number {
  const m = /^(\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(t);
  if (!m) throw new Error(`unexpected charon log time '${t}'`);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
}

export function charonFigures(log: string): CharonFigures {
  const count = (re: RegExp): number => (log.match(re) ?? []).length;
  const started = new Map<string, number>();
  const establishMs: number[] = [];
  for (const line of log.split('\n')) {
    const init = /^(\S+) .*initiating IKE_SA \S+\[(\d+)\]/.exec(line);
    if (init) started.set(init[2], clockMs(init[1]));
    const done = /^(\S+) .*IKE_SA \S+\[(\d+)\] established between/.exec(line);
    const t0 = done ? started.get(done[2]) : undefined;
    if (done && t0 !== undefined) establishMs.push(clockMs(done[1]) - t0);
  }
  return {
    sent: count(/sending packet: from/g),
    received: count(/received packet: from/g),
    retransmits: count(/retransmit \d+ of request with message ID/g),
    answeredRepeats: count(/received retransmit of request with ID \d+, retransmitting response/g),
    ignored: count(/received message ID \d+, expected \d+, ignored|ignoring request with ID \d+, already processing/g),
    establishMs,
  };
}
