/**
 * Keeping an IKE SA alive: dead peer detection (an empty INFORMATIONAL when nothing
 * came from the peer for a while) and, behind a NAT, NAT keepalives (RFC 3948 2.3).
 */
import { IkeSa } from '../sa/ike-sa';
import type { ChildSa } from '../sa/child-sa';
import { sendLivenessCheck } from './informational';
import type { EngineContext } from '../engine-context';

/**
 * The DPD timer fired (EngineContext.timerFns.dpd: one function per engine, the SA is its argument).
 * A message from the peer within the interval proves it alive (RFC 7296 2.4): the next look is
 * then an interval after that message (as charon's dpd_delay), not a fixed tick. Otherwise, as
 * OpenIKED 7.2's ikev2_ike_sa_alive: a check goes out when ESP traffic left on a Child SA since
 * the last look but none came in (the kernel's packet counters), or when nothing came from the
 * peer for timing.dpdIdleMs (300 s). An idle SA is so checked every 300 s, not every interval:
 * a daemon holding 100,000 idle SAs sends 333 checks a second, not 1,667.
 */
export function dpdDue(e: EngineContext, sa: IkeSa): void {
  if (sa.state !== 'ESTABLISHED') return;
  const intervalMs = (e.options.dpdCheckInterval || 0) * 1000;
  const idle = Date.now() - sa.lastInbound;
  if (intervalMs > 0 && idle < intervalMs) {
    scheduleKeepalive(e, sa);
    sa.setTimer('dpd', intervalMs - idle, e.timerFns.dpd, sa);
    return;
  }
  if (intervalMs > 0) {
    if (idle >= e.timing.dpdIdleMs) checkNow(e, sa);
    else void espTraffic(e, sa).then((t) => t.out && !t.in && checkNow(e, sa));
  }
  scheduleLiveness(e, sa);
}

function checkNow(e: EngineContext, sa: IkeSa): void {
  if (sa.state === 'ESTABLISHED' && !sa.pending && sa.queue.length === 0) sendLivenessCheck(e, sa);
}

/** 2^30: the packet counters are kept modulo this (small integers in ChildSa). */
const SEEN_MOD = 0x40000000;

/**
 * Whether ESP (or AH) went in and out on the SA's loaded Child SAs since the last look: their
 * kernel packet counters moved. A Child SA the kernel does not know (decoupled, gone) counts
 * as no traffic.
 */
export async function espTraffic(e: EngineContext, sa: IkeSa): Promise<{ in: boolean; out: boolean }> {
  const ins: Promise<boolean>[] = [];
  const outs: Promise<boolean>[] = [];
  for (const c of sa.children) {
    if (c.state === 'LARVAL' || c.state === 'DELETING') continue;
    const at = c.placed ?? { local: sa.local, remote: sa.remote };
    ins.push(countersMoved(e, c, true, at.local.address, c.spiIn));
    outs.push(countersMoved(e, c, false, at.remote.address, c.spiOut));
  }
  const [i, o] = await Promise.all([Promise.all(ins), Promise.all(outs)]);
  return { in: i.includes(true), out: o.includes(true) };
}

/** Whether the kernel SA's packet counter moved since the last look (and remember it); false when the kernel does not know it. */
function countersMoved(e: EngineContext, c: ChildSa, inbound: boolean, dst: string, spi: number): Promise<boolean> {
  return e.kernel.getCounters(c.protocol, dst, spi).then(
    (r) => {
      const seen = r.packets % SEEN_MOD;
      const was = inbound ? c.seenPacketsIn : c.seenPacketsOut;
      if (inbound) c.seenPacketsIn = seen;
      else c.seenPacketsOut = seen;
      return seen !== was;
    },
    () => false,
  );
}

export function scheduleLiveness(e: EngineContext, sa: IkeSa): void {
  scheduleKeepalive(e, sa);
  const intervalMs = (e.options.dpdCheckInterval || 0) * 1000;
  if (intervalMs <= 0) return;
  sa.setTimer('dpd', intervalMs, e.timerFns.dpd, sa);
}

/** The side behind a NAT keeps the mapping open with one-byte 0xFF datagrams. */
export function scheduleKeepalive(e: EngineContext, sa: IkeSa): void {
  if (!sa.natLocal || !e.transport.sendKeepalive || sa.timers.has('nat-keepalive')) return;
  const tick = (): void => {
    sa.timers.delete('nat-keepalive');
    if (sa.state !== 'ESTABLISHED') return;
    e.transport.sendKeepalive!(sa.local, sa.remote);
    sa.setTimer('nat-keepalive', e.timing.natKeepaliveMs, tick);
  };
  sa.setTimer('nat-keepalive', e.timing.natKeepaliveMs, tick);
}
