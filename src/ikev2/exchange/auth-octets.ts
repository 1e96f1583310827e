/**
 * The octets each side signs or MACs in IKE_AUTH (RFC 7296 2.15), in one place for
 * signatures, PSK and EAP (MSK): RealMessage | peer's nonce | prf(SK_p, ID body), then,
 * when IKE_INTERMEDIATE exchanges took place, IntAuth = IntAuth_i | IntAuth_r |
 * IKE_AUTH message ID (RFC 9242 3.3.2). SK_p is SK_p' once a PPK is mixed in (RFC 8784 3),
 * or on request the SK_p kept without it (the initiator's NO_PPK_AUTH).
 */
import type { IkeSa } from '../sa/ike-sa';
import { signedOctetParts } from '../../crypto/auth-psk';
import { u32 } from '../payloads/payload-find';

/** The SK_p key that MACs the ID of one side (SK_pi for the original initiator). */
function skPOf(sa: IkeSa, ofInitiator: boolean, withoutPpk: boolean): Buffer {
  const k = withoutPpk ? sa.ppk?.withoutPpk : sa.keys;
  if (!k) throw new Error(withoutPpk ? 'no keys without the PPK are kept' : 'the IKE SA has no keys');
  return ofInitiator ? k.skPi : k.skPr;
}

/** IntAuth, or nothing when the IKE SA had no IKE_INTERMEDIATE exchange. */
export function intAuthTail(sa: IkeSa): Buffer | null {
  const ia = sa.intermediate;
  if (!ia || !ia.intAuthI || !ia.intAuthR) return null;
  return Buffer.concat([ia.intAuthI, ia.intAuthR, u32(ia.authMessageId)]);
}

/**
 * The octets of the side `ofInitiator` (the original initiator's when true), over the
 * ID payload body `idBody` (ID type, 3 reserved bytes, identification data); with
 * `withoutPpk`, MACed with the SK_p from before the PPK (RFC 8784 NO_PPK_AUTH).
 */
export function authOctets(sa: IkeSa, ofInitiator: boolean, idBody: Buffer, withoutPpk = false): Buffer {
  return Buffer.concat(authOctetParts(sa, ofInitiator, idBody, withoutPpk));
}

/** authOctets in its parts, in order (a shared-key MAC takes them without concatenating). */
export function authOctetParts(sa: IkeSa, ofInitiator: boolean, idBody: Buffer, withoutPpk = false): Buffer[] {
  const realMessage = ofInitiator ? sa.initRequest! : sa.initResponse!;
  const peerNonce = ofInitiator ? sa.nr : sa.ni;
  const parts = signedOctetParts(sa.alg!.prf, realMessage, peerNonce, skPOf(sa, ofInitiator, withoutPpk), idBody);
  const tail = intAuthTail(sa);
  if (tail) parts.push(tail);
  return parts;
}
