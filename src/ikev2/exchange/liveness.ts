/**
 * Keeping an IKE SA alive: dead peer detection (an empty INFORMATIONAL when nothing
 * came from the peer for a while) and, behind a NAT, NAT keepalives (RFC 3948 2.3).
 */
import { performance } from 'node:perf_hooks';
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
    sa.setTimer('dpd', onSecond(intervalMs - idle), e.timerFns.dpd, sa);
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
 * Whether ESP (or AH) went out, and then whether it came in, on the SA's loaded Child SAs since
 * their last look: their kernel packet counters moved. A Child SA the kernel does not know
 * (decoupled, gone) counts as no traffic.
 */
export async function espTraffic(e: EngineContext, sa: IkeSa): Promise<{ in: boolean; out: boolean }> {
  // where each loaded Child SA's kernel SAs are (moved by MOBIKE: placed), read once
  const live = sa.children.filter((c) => c.state !== 'LARVAL' && c.state !== 'DELETING').map((c) => ({ c, at: c.placed ?? sa }));
  // outbound first: without outbound traffic no check goes out, and the inbound counters are
  // not asked for (an idle SA costs the kernel one query per Child SA and interval, not two)
  const out = (await Promise.all(live.map(({ c, at }) => countersMoved(e, c, false, at.remote.address, c.spiOut)))).includes(true);
  if (!out) return { in: false, out };
  const inn = (await Promise.all(live.map(({ c, at }) => countersMoved(e, c, true, at.local.address, c.spiIn)))).includes(true);
  return { in: inn, out };
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
  sa.setTimer('dpd', onSecond(intervalMs), e.timerFns.dpd, sa);
}

/**
 * A look `ms` from now, moved on to the next whole second of the monotonic clock: the SAs
 * whose looks fall in one second look in one turn, so their kernel queries cross to the
 * parent in one kernel.batch frame (privsep), not one frame each. Not below ALIGN_FROM_MS,
 * where a second is a large part of the interval (tests, short intervals): exact there.
 */
function onSecond(ms: number): number {
  if (ms < ALIGN_FROM_MS) return ms;
  const now = performance.now();
  return Math.ceil((now + ms) / 1000) * 1000 - now;
}

const ALIGN_FROM_MS = 10_000;

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
