/**
 * Lifetimes: IKE SAs and Child SAs are rekeyed before they expire (the original
 * initiator a little earlier than the responder, with jitter, to avoid collisions),
 * and deleted when they do.
 */
import { IkeSa } from '../sa/ike-sa';
import { ChildSa, spiHex } from '../sa/child-sa';
import { deleteChild } from './informational';
import type { EngineContext } from '../engine-context';

function jitter(ms: number): number {
  return Math.floor(ms * (0.9 + Math.random() * 0.05));
}

/** Rekey time for our role: the initiator at ~90 %, the responder at ~95 % (jitter). */
function rekeyDelay(lifetimeMs: number, initiator: boolean): number {
  return initiator ? jitter(lifetimeMs) : Math.floor(lifetimeMs * (0.95 + Math.random() * 0.03));
}

/*
 * Each lifetime is one timer at a time: the rekey timer, which arms the expiry (the
 * hard backstop) when it fires. Half the timer entries per SA of arming both at once.
 */

/** The IKE SA rekey timer fired (EngineContext.timerFns.ikeRekey: one function per engine, the SA is its argument). */
export function ikeRekeyDue(e: EngineContext, sa: IkeSa): void {
  keepIkeExpiry(e, sa);
  if (sa.state === 'ESTABLISHED') e.rekeyIkeSa(sa);
}

export function scheduleIkeLifetime(e: EngineContext, sa: IkeSa): void {
  const life = sa.policy.conf.ikeLifetime * 1000;
  if (!life) return;
  const at = rekeyDelay(life, sa.initiator);
  sa.rekeyAt = Date.now() + at;
  sa.setTimer('ike-rekey', at, e.timerFns.ikeRekey, sa);
}

/** Arm the IKE SA's expiry (lifetime + 30 s after it was established) unless it is armed. */
export function keepIkeExpiry(e: EngineContext, sa: IkeSa): void {
  const life = sa.policy.conf.ikeLifetime * 1000;
  if (!life || sa.timers.has('ike-expire')) return;
  const left = (sa.establishedAt || sa.createdAt) + life + 30_000 - Date.now();
  sa.setTimer('ike-expire', Math.max(0, left), () => {
    if (sa.state !== 'DEAD') e.deleteIkeSa(sa, 'IKE SA lifetime expired', true);
  });
}

/*
 * A Child SA's timers are 'child-rekey' and 'child-expire' with its SPI (spiIn) as the
 * id, run by the engine's shared functions (EngineContext.timerFns): no closure, no
 * name string per Child SA.
 */
const CHILD_REKEY = 'child-rekey';
const CHILD_EXPIRE = 'child-expire';

function childOf(sa: IkeSa, spiIn: number): ChildSa | undefined {
  return sa.children.find((c) => c.spiIn === spiIn);
}

/** The rekey timer of the Child SA with `spiIn` fired: arm its expiry, then rekey. */
export function childRekeyDue(e: EngineContext, sa: IkeSa, spiIn: number): void {
  const c = childOf(sa, spiIn);
  if (!c || c.state === 'DELETING') return;
  sa.setTimer(CHILD_EXPIRE, Math.max(0, c.expireAt - Date.now()), e.timerFns.childExpire, sa, spiIn);
  if (c.state === 'INSTALLED' && sa.state === 'ESTABLISHED') e.rekeyChildSa(sa, c);
}

/** The hard lifetime of the Child SA with `spiIn` is over. */
export function childExpireDue(e: EngineContext, sa: IkeSa, spiIn: number): void {
  const c = childOf(sa, spiIn);
  if (c && c.state !== 'DELETING') deleteChild(e, sa, c, `lifetime of 0x${spiHex(c.spiIn)} expired`);
}

export function scheduleChildLifetime(e: EngineContext, sa: IkeSa, c: ChildSa): void {
  const life = sa.policy.conf.lifetime.seconds * 1000;
  if (!life) return;
  const at = rekeyDelay(life, sa.initiator);
  c.expireAt = Date.now() + life;
  armChildRekey(e, sa, c, Date.now() + at);
}

/**
 * A Child SA that moved to a new IKE SA (IKE SA rekey) keeps its rekey and expiry times:
 * the kernel's hard lifetime was set when it was installed.
 */
export function moveChildLifetime(e: EngineContext, sa: IkeSa, c: ChildSa): void {
  if (!c.rekeyAt || !c.expireAt) return scheduleChildLifetime(e, sa, c);
  armChildRekey(e, sa, c, c.rekeyAt);
}

/** The rekey timer of `c` at the absolute time `rekeyAt` (then its expiry timer). */
function armChildRekey(e: EngineContext, sa: IkeSa, c: ChildSa, rekeyAt: number): void {
  c.rekeyAt = rekeyAt;
  sa.setTimer(CHILD_REKEY, Math.max(0, rekeyAt - Date.now()), e.timerFns.childRekey, sa, c.spiIn);
}

export function clearChildTimers(sa: IkeSa, c: ChildSa): void {
  sa.clearTimer(CHILD_REKEY, c.spiIn);
  sa.clearTimer(CHILD_EXPIRE, c.spiIn);
}
