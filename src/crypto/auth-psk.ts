/** Shared-key AUTH payload (RFC 7296 section 2.15); also used with an EAP MSK. */
import { timingSafeEqual } from 'node:crypto';
import type { PrfAlg } from './prf';

const KEY_PAD = Buffer.from('Key Pad for IKEv2', 'ascii');

/**
 * The octets to be signed/MACed: RealMessage | peer's Nonce | prf(SK_p, RestOfIDPayload),
 * where idBody is the ID payload body (ID type, 3 reserved bytes, identification data).
 */
export function signedOctets(prf: PrfAlg, realMessage: Buffer, peerNonce: Buffer, skP: Buffer, idBody: Buffer): Buffer {
  return Buffer.concat(signedOctetParts(prf, realMessage, peerNonce, skP, idBody));
}

/** The same octets in their three parts, for a MAC that takes them without a copy (pskAuth). */
export function signedOctetParts(prf: PrfAlg, realMessage: Buffer, peerNonce: Buffer, skP: Buffer, idBody: Buffer): Buffer[] {
  return [realMessage, peerNonce, prf.compute(skP, idBody)];
}

/** Octets to MAC: one Buffer, or its parts in order (MACed as if concatenated). */
export type Octets = Buffer | readonly Buffer[];

/**
 * prf(Shared Secret, "Key Pad for IKEv2") depends only on the PSK and the PRF: computed
 * once per configured secret (held as long as the secret itself, keyed by its Buffer).
 */
const padCache = new WeakMap<Buffer, Map<number, Buffer>>();

function paddedKey(prf: PrfAlg, psk: Buffer): Buffer {
  let m = padCache.get(psk);
  if (!m) padCache.set(psk, (m = new Map()));
  let k = m.get(prf.id);
  if (!k) m.set(prf.id, (k = prf.compute(psk, KEY_PAD)));
  return k;
}

/** Forget the cached padded key of a secret that is being dropped (and zero it). */
export function forgetPskPad(psk: Buffer): void {
  const m = padCache.get(psk);
  if (!m) return;
  for (const k of m.values()) k.fill(0);
  padCache.delete(psk);
}

/** AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), octets). */
export function pskAuth(prf: PrfAlg, psk: Buffer, octets: Octets): Buffer {
  const key = paddedKey(prf, psk);
  return Buffer.isBuffer(octets) ? prf.compute(key, octets) : prf.compute(key, ...octets);
}

/** Constant-time check of a received shared-key AUTH value. */
export function checkPskAuth(prf: PrfAlg, psk: Buffer, octets: Octets, received: Buffer): boolean {
  const expect = pskAuth(prf, psk, octets);
  const ok = expect.length === received.length && timingSafeEqual(expect, received);
  expect.fill(0);
  return ok;
}
