/**
 * What one fault case measured (fault-pair.ts collects it), and its one-line summary.
 */
import { FaultCounters, FaultKind } from './faults';
import { CharonFigures, IkedFigures } from './fault-figures';
import { OrderReport } from './ike-order';
import { InitAnsweredTwice } from './ike-init-answers';
import { Leftover } from './sa-agreement';

export type Role = 'initiator' | 'responder';

export interface CaseFigures {
  fault: FaultKind;
  /** Our role in the first IKE SA. */
  role: Role;
  /** Wall time of each step that passed. */
  stepsMs: Record<string, number>;
  /** nft counters on host a (our iked) and b (charon). */
  a: FaultCounters;
  b: FaultCounters;
  ours: IkedFigures;
  theirs: CharonFigures;
  /** What each host received, in arrival order. */
  atA: OrderReport;
  atB: OrderReport;
  /** Packets sent by the slow class (reorder): held-back datagrams and their sink copies. */
  slow?: { a: number; b: number };
  /** Our Child SAs that hit their hard lifetime before their rekey finished. */
  childExpiredBeforeRekey: number;
  /** IKE SAs still waiting for the answer to their delete (it was lost) once neither side held a live one. */
  leftover: Leftover;
  /** IKE_SA_INIT requests a side answered twice with different SPIr (a second SA for a retransmission). */
  initTwice: { iked: InitAnsweredTwice[]; charon: InitAnsweredTwice[] };
}

export function summary(f: CaseFigures): string {
  const est = (xs: number[]): string => xs.join('/') || '-';
  const estBy = f.role === 'initiator' ? `iked ${est(f.ours.establishMs)}` : `charon ${est(f.theirs.establishMs)}`;
  const steps = Object.values(f.stepsMs).map((ms) => (ms / 1000).toFixed(1)).join(' ');
  return (
    `${f.fault.padEnd(9)} ours ${f.role.padEnd(9)} | a->b sent ${f.a.sent} hit ${f.a.hit} | b->a sent ${f.b.sent} hit ${f.b.hit}` +
    ` | retransmits iked ${f.ours.txRetransmits} charon ${f.theirs.retransmits} | repeats answered iked ${f.ours.rxRetransmits} charon ${f.theirs.answeredRepeats}` +
    ` | late datagrams at a ${f.atA.lateDatagrams} at b ${f.atB.lateDatagrams} | reordered messages at a ${f.atA.reorderedMessages} at b ${f.atB.reorderedMessages}` +
    ` | establish ms (${estBy}) | steps s ${steps}` +
    ` | child expired before rekey ${f.childExpiredBeforeRekey} | still deleting iked ${f.leftover.ours} charon ${f.leftover.theirs}` +
    ` | IKE_SA_INIT answered twice iked ${f.initTwice.iked.length} (SA alive ${f.initTwice.iked.filter((x) => x.whileAlive).length})` +
    ` charon ${f.initTwice.charon.length} (alive ${f.initTwice.charon.filter((x) => x.whileAlive).length})`
  );
}
