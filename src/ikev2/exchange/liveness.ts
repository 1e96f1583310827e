/**
 * Keeping an IKE SA alive: dead peer detection (an empty INFORMATIONAL when nothing
 * came from the peer for a while) and, behind a NAT, NAT keepalives (RFC 3948 2.3).
 */
import { IkeSa } from '../sa/ike-sa';
import { sendLivenessCheck } from './informational';
import type { EngineContext } from '../engine-context';

/**
 * The DPD timer fired (EngineContext.timerFns.dpd: one function per engine, the SA is its argument).
 * A check goes out when nothing came from the peer for a whole interval; otherwise the next
 * look is an interval after the last message from the peer (as charon's dpd_delay), not a
 * fixed tick: a peer is then declared dead within one interval plus the retransmissions, and
 * two sides with the same interval take turns instead of one of them never checking.
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
  if (intervalMs > 0 && !sa.pending && sa.queue.length === 0) sendLivenessCheck(e, sa);
  scheduleLiveness(e, sa);
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
