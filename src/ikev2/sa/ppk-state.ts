/** RFC 8784 post-quantum preshared keys: what an IKE SA records about its PPK. */
import type { PpkKeys } from '../../crypto/keymat';

/** Made when both sides sent USE_PPK in IKE_SA_INIT; an IKE SA without it uses no PPK. */
export interface PpkState {
  /**
   * SK_d, SK_pi and SK_pr without the PPK, kept from the moment the PPK is mixed into the
   * keys until IKE_AUTH settles whether the peer used it (the initiator's NO_PPK_AUTH and
   * its fallback); zeroed and null otherwise.
   */
  withoutPpk: PpkKeys | null;
  /** SK_d and SK_p have the PPK in them: so do the Child SAs and a rekeyed IKE SA. */
  used: boolean;
}

/** Zero the keys kept without the PPK. */
export function dropWithoutPpk(s: PpkState | null): void {
  const k = s?.withoutPpk;
  if (!k) return;
  k.skD.fill(0);
  k.skPi.fill(0);
  k.skPr.fill(0);
  s.withoutPpk = null;
}
