/**
 * Lifetimes: IKE SAs and Child SAs are rekeyed before they expire (the original
 * initiator a little earlier than the responder, with jitter, to avoid collisions),
 * and deleted when they do.
 */
import { IkeSa } from './ike-sa';
import { ChildSa, spiHex } from './child-sa';
import { rekeyChild, rekeyIke } from './exchange-child';
import { deleteChild } from './exchange-info';
import type { Engine } from './engine';

function jitter(ms: number): number {
  return Math.floor(ms * (0.9 + Math.random() * 0.05));
}

/** Rekey time for our role: the initiator at ~90 %, the responder at ~95 % (jitter). */
function rekeyDelay(lifetimeMs: number, initiator: boolean): number {
  return initiator ? jitter(lifetimeMs) : Math.floor(lifetimeMs * (0.95 + Math.random() * 0.03));
}

export function scheduleIkeLifetime(e: Engine, sa: IkeSa): void {
  const life = sa.policy.conf.ikeLifetime * 1000;
  if (!life) return;
  const at = rekeyDelay(life, sa.initiator);
  sa.rekeyAt = Date.now() + at;
  sa.setTimer('ike-rekey', at, () => {
    if (sa.state === 'ESTABLISHED') rekeyIke(e, sa);
  });
  sa.setTimer('ike-expire', life + 30_000, () => {
    if (sa.state !== 'DEAD') e.deleteIkeSa(sa, 'IKE SA lifetime expired', true);
  });
}

export function scheduleChildLifetime(e: Engine, sa: IkeSa, c: ChildSa): void {
  const life = sa.policy.conf.lifetime.seconds * 1000;
  if (!life) return;
  const at = rekeyDelay(life, sa.initiator);
  c.rekeyAt = Date.now() + at;
  c.expireAt = Date.now() + life;
  const key = `child-${c.spiIn}`;
  sa.setTimer(`${key}-rekey`, at, () => {
    if (c.state === 'INSTALLED' && sa.state === 'ESTABLISHED') rekeyChild(e, sa, c);
  });
  sa.setTimer(`${key}-expire`, life, () => {
    if (c.state !== 'DELETING' && sa.children.includes(c)) deleteChild(e, sa, c, `lifetime of 0x${spiHex(c.spiIn)} expired`);
  });
}

export function clearChildTimers(sa: IkeSa, c: ChildSa): void {
  sa.clearTimer(`child-${c.spiIn}-rekey`);
  sa.clearTimer(`child-${c.spiIn}-expire`);
}
