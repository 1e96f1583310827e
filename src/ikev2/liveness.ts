/**
 * Keeping an IKE SA alive: dead peer detection (an empty INFORMATIONAL when nothing
 * came from the peer for a while) and, behind a NAT, NAT keepalives (RFC 3948 2.3).
 */
import { IkeSa } from './ike-sa';
import { sendLivenessCheck } from './exchange-info';
import type { Engine } from './engine';

/** iked and strongSwan send a keepalive every 20 s. */
export const NAT_KEEPALIVE_MS = 20_000;

export function scheduleLiveness(e: Engine, sa: IkeSa): void {
  scheduleKeepalive(e, sa);
  const intervalMs = (e.options.dpdCheckInterval || 0) * 1000;
  if (intervalMs <= 0) return;
  sa.setTimer('dpd', intervalMs, () => {
    if (sa.state !== 'ESTABLISHED') return;
    const idle = Date.now() - sa.lastInbound;
    if (idle >= intervalMs && !sa.pending && sa.queue.length === 0) sendLivenessCheck(e, sa);
    scheduleLiveness(e, sa);
  });
}

/** The side behind a NAT keeps the mapping open with one-byte 0xFF datagrams. */
export function scheduleKeepalive(e: Engine, sa: IkeSa): void {
  if (!sa.natLocal || !e.transport.sendKeepalive || sa.timers.has('nat-keepalive')) return;
  const tick = (): void => {
    sa.timers.delete('nat-keepalive');
    if (sa.state !== 'ESTABLISHED') return;
    e.transport.sendKeepalive!(sa.local, sa.remote);
    sa.setTimer('nat-keepalive', e.timing.natKeepaliveMs, tick);
  };
  sa.setTimer('nat-keepalive', e.timing.natKeepaliveMs, tick);
}
