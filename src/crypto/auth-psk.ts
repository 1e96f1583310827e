/** Shared-key AUTH payload (RFC 7296 section 2.15); also used with an EAP MSK. */
import { timingSafeEqual } from 'node:crypto';
import type { PrfAlg } from './prf';

const KEY_PAD = Buffer.from('Key Pad for IKEv2', 'ascii');

/**
 * The octets to be signed/MACed: RealMessage | peer's Nonce | prf(SK_p, RestOfIDPayload),
 * where idBody is the ID payload body (ID type, 3 reserved bytes, identification data).
 */
export function signedOctets(prf: PrfAlg, realMessage: Buffer, peerNonce: Buffer, skP: Buffer, idBody: Buffer): Buffer {
  const macedId = prf.compute(skP, idBody);
  return Buffer.concat([realMessage, peerNonce, macedId]);
}

/** AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), octets). */
export function pskAuth(prf: PrfAlg, psk: Buffer, octets: Buffer): Buffer {
  const k = prf.compute(psk, KEY_PAD);
  const out = prf.compute(k, octets);
  k.fill(0);
  return out;
}

/** Constant-time check of a received shared-key AUTH value. */
export function checkPskAuth(prf: PrfAlg, psk: Buffer, octets: Buffer, received: Buffer): boolean {
  const expect = pskAuth(prf, psk, octets);
  const ok = expect.length === received.length && timingSafeEqual(expect, received);
  expect.fill(0);
  return ok;
}
