/** Dead peer detection: an empty INFORMATIONAL when nothing came from the peer for a while. */
import { IkeSa } from './ike-sa';
import { sendLivenessCheck } from './exchange-info';
import type { Engine } from './engine';

export function scheduleLiveness(e: Engine, sa: IkeSa): void {
  const intervalMs = (e.options.dpdCheckInterval || 0) * 1000;
  if (intervalMs <= 0) return;
  sa.setTimer('dpd', intervalMs, () => {
    if (sa.state !== 'ESTABLISHED') return;
    const idle = Date.now() - sa.lastInbound;
    if (idle >= intervalMs && !sa.pending && sa.queue.length === 0) sendLivenessCheck(e, sa);
    scheduleLiveness(e, sa);
  });
}
