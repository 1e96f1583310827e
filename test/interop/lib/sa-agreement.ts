/**
 * Waiting, under faults, until our iked and a charon hold THE SAME SAs: exactly one
 * live IKE SA on each side, ESTABLISHED, with exactly one Child SA (installed, at
 * charon), and compareSa() finding no difference. Both views are polled together until
 * they agree or the deadline passes; the timeout error shows both views and the diff.
 *
 * Left out as already leaving: IKE SAs replaced by a rekey or being deleted (ours
 * REKEYED/DELETING, charon's REKEYED/DELETING/DESTROYING). When the answer to an IKE SA
 * delete is lost, the peer has already forgotten the SA and never answers the
 * retransmissions, so the deleting side keeps it until its retransmissions give up.
 * Also left out: the Child SAs charon keeps as DELETED after a rekey for
 * delete_rekeyed_delay (5 s), for ESP still on its way; and half-open responder SAs
 * (below).
 */
import { Charon } from './charon';
import { IkedProcess } from './iked-process';
import { compareSa, ComparePerspective, OurSa } from './compare-sa';
import { SwanSa } from './swanctl-parse';
import { delay } from './run-command';
import { showSa } from './iked-control';

export interface Agreement {
  mine: OurSa;
  theirs: SwanSa;
}

export interface AgreementWait {
  /** What is awaited, for the error message. */
  what: string;
  ms: number;
  /** Extra condition on our view (e.g. a new Child SPI). */
  pred?: (mine: OurSa) => boolean;
  initiator?: ComparePerspective['initiator'];
}

export async function waitAgreed(iked: IkedProcess, charon: Charon, w: AgreementWait): Promise<Agreement> {
  const end = Date.now() + w.ms;
  let last = 'nothing read yet';
  for (;;) {
    try {
      const [ours, theirs] = await Promise.all([liveOurSas(iked), liveSwanSas(charon)]);
      const one = ours.length === 1 && ours[0].state === 'ESTABLISHED' && ours[0].children.length === 1;
      const peer = theirs.length === 1 && theirs[0].state === 'ESTABLISHED' && theirs[0].children.length === 1 && theirs[0].children[0].state === 'INSTALLED';
      const diff = one && peer ? compareSa(ours[0], theirs[0], { initiator: w.initiator, nat: 'ignore' }) : ['not one established IKE SA with one Child SA on each side'];
      if (diff.length === 0 && (!w.pred || w.pred(ours[0]))) return { mine: ours[0], theirs: theirs[0] };
      last = `${diff.join('; ') || 'condition not met'}\nours: ${brief(ours)}\ntheirs: ${briefSwan(theirs)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= end) throw new Error(`timed out after ${w.ms} ms waiting for ${w.what}: ${last}`);
    await delay(150);
  }
}

const OUR_LEAVING = ['REKEYED', 'DELETING'];
const SWAN_LEAVING = ['REKEYED', 'DELETING', 'DESTROYING'];
/**
 * Responder SAs that got no IKE_AUTH (yet) are left out too: under reordering an
 * IKE_SA_INIT retransmission held back until its IKE SA is established (a bug, see
 * ike-init-answers.ts, which finds these on the wire) or deleted makes one.
 */
function ourHalfOpen(s: OurSa): boolean {
  return s.state === 'INIT_DONE';
}

function swanHalfOpen(s: SwanSa): boolean {
  return s.state === 'CONNECTING' && !s.initiator;
}

function ourLive(s: OurSa): boolean {
  return !OUR_LEAVING.includes(s.state) && !ourHalfOpen(s);
}

function swanLive(s: SwanSa): boolean {
  return !SWAN_LEAVING.includes(s.state) && !swanHalfOpen(s);
}

/** Our IKE SAs that are neither leaving nor half-open responder SAs. */
export async function liveOurSas(iked: IkedProcess): Promise<OurSa[]> {
  return (await showSa(iked)).filter(ourLive);
}

/** charon's IKE SAs that are not leaving, without the Child SAs it keeps as DELETED after a rekey. */
export async function liveSwanSas(charon: Charon): Promise<SwanSa[]> {
  return (await charon.listSas()).filter(swanLive).map((s) => ({ ...s, children: s.children.filter((c) => c.state !== 'DELETED') }));
}

export interface Leftover {
  /** Our IKE SAs still waiting for the answer to our delete. */
  ours: number;
  /** charon's, likewise. */
  theirs: number;
  /** Half-open responder SAs, both sides. */
  halfOpen: number;
}

/**
 * After a delete: wait until neither side holds a live IKE SA (only SAs waiting for
 * the answer to their delete, or half-open ones, see above), then check that it stays
 * so for `holdMs`.
 */
export async function waitNoSa(iked: IkedProcess, charon: Charon, ms: number, holdMs: number): Promise<Leftover> {
  const look = async (): Promise<{ live: number; left: Leftover; text: string }> => {
    const [ours, theirs] = await Promise.all([showSa(iked), charon.listSas()]);
    const oursLive = ours.filter(ourLive).length;
    const theirsLive = theirs.filter(swanLive).length;
    const [oursHalf, theirsHalf] = [ours.filter(ourHalfOpen).length, theirs.filter(swanHalfOpen).length];
    const left = { ours: ours.length - oursLive - oursHalf, theirs: theirs.length - theirsLive - theirsHalf, halfOpen: oursHalf + theirsHalf };
    return { live: oursLive + theirsLive, left, text: `ours: ${brief(ours)}\ntheirs: ${briefSwan(theirs)}` };
  };
  const end = Date.now() + ms;
  for (;;) {
    const l = await look();
    if (l.live === 0) break;
    if (Date.now() >= end) throw new Error(`timed out after ${ms} ms waiting for both sides to hold no live SA:\n${l.text}`);
    await delay(150);
  }
  await delay(holdMs);
  const l = await look();
  if (l.live) throw new Error(`an SA came back within ${holdMs} ms of the delete:\n${l.text}`);
  return l.left;
}

export function brief(sas: OurSa[]): string {
  return JSON.stringify(sas.map((s) => ({ state: s.state, spiI: s.ikeSpiI, spiR: s.ikeSpiR, initiator: s.initiator, children: s.children.map((c) => `${c.spiIn}/${c.spiOut}`) })));
}

export function briefSwan(sas: SwanSa[]): string {
  return JSON.stringify(sas.map((s) => ({ state: s.state, spiI: s.spiI, spiR: s.spiR, initiator: s.initiator, children: s.children.map((c) => `${c.state} ${c.spiIn}/${c.spiOut}`) })));
}
