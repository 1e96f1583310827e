/**
 * Kernel state of one IKE SA's Child SAs changes in order: installs, removals and
 * MOBIKE moves of the same IKE SA run one after another, never interleaved. A
 * peer that rekeys or deletes a Child SA while it is being moved to new outer
 * addresses (strongSwan does) would otherwise have us delete it at an address
 * where it no longer is, and the move re-add it after its removal.
 *
 * Each Child SA remembers the endpoints its kernel SAs were installed with
 * (`ChildSa.placed`); removals and moves start from there, not from the IKE SA's
 * current endpoints, which NAT-T following or MOBIKE may have changed already.
 */
import type { IkeSa } from '../sa/ike-sa';

/** Run `work` after every kernel change queued earlier for `sa`. */
export function inKernelOrder<T>(sa: IkeSa, work: () => Promise<T>): Promise<T> {
  const prev = sa.kernelQueue;
  const run = prev ? prev.then(work) : work();
  // the tail settles once `run` has, whatever its outcome; the last in the queue clears it as it settles
  const settled = (): void => {
    if (sa.kernelQueue === tail) sa.kernelQueue = null;
  };
  const tail: Promise<void> = run.then(settled, settled);
  sa.kernelQueue = tail;
  return run;
}
