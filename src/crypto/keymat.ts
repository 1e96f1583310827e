/** IKE SA and Child SA key derivation (RFC 7296 sections 2.14, 2.17, 2.18). */
import { PRF } from '../ikev2/iana';
import type { EncrAlg } from './encr';
import type { IntegAlg } from './integ';
import type { PrfAlg } from './prf';
import { prfPlus } from './prf-plus';

export interface IkeSaKeys {
  skD: Buffer;
  skAi: Buffer;
  skAr: Buffer;
  skEi: Buffer;
  skEr: Buffer;
  skPi: Buffer;
  skPr: Buffer;
}

export interface ChildKeys {
  encI: Buffer;
  integI: Buffer;
  encR: Buffer;
  integR: Buffer;
}

/** Zero every given buffer (null/undefined are skipped). */
export function wipe(...bufs: (Buffer | null | undefined)[]): void {
  for (const b of bufs) if (b) b.fill(0);
}

/** PRFs with a fixed key size use only the first 64 bits of each nonce as the SKEYSEED key (RFC 7296 2.14). */
function isFixedKeyPrf(prf: PrfAlg): boolean {
  return prf.id === PRF.AES128_XCBC || prf.id === PRF.AES128_CMAC;
}

/** SKEYSEED = prf(Ni | Nr, g^ir). */
export function computeSkeyseed(prf: PrfAlg, ni: Buffer, nr: Buffer, gir: Buffer): Buffer {
  if (isFixedKeyPrf(prf)) {
    if (ni.length < 8 || nr.length < 8) throw new RangeError('nonces must be at least 8 bytes');
    const key = Buffer.concat([ni.subarray(0, 8), nr.subarray(0, 8)]);
    const out = prf.compute(key, gir);
    key.fill(0);
    return out;
  }
  const key = Buffer.concat([ni, nr]);
  const out = prf.compute(key, gir);
  key.fill(0);
  return out;
}

/** Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 2.18). */
export function computeRekeySkeyseed(oldPrf: PrfAlg, oldSkD: Buffer, gir: Buffer, ni: Buffer, nr: Buffer): Buffer {
  return oldPrf.compute(oldSkD, gir, ni, nr);
}

/**
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * SK_d and SK_p are the PRF's preferred key length; SK_a are empty for AEAD (integ null).
 */
export function deriveIkeSaKeys(
  prf: PrfAlg,
  encr: EncrAlg,
  integ: IntegAlg | null,
  skeyseed: Buffer,
  ni: Buffer,
  nr: Buffer,
  spiI: Buffer,
  spiR: Buffer,
): IkeSaKeys {
  if (!encr.aead && !integ) throw new Error(`${encr.name} is not AEAD and needs an integrity algorithm`);
  const aLen = encr.aead || !integ ? 0 : integ.keyLen;
  const lens = [prf.keyLen, aLen, aLen, encr.keyLen, encr.keyLen, prf.keyLen, prf.keyLen];
  const total = lens.reduce((a, b) => a + b, 0);
  const seed = Buffer.concat([ni, nr, spiI, spiR]);
  const km = prfPlus(prf, skeyseed, seed, total);
  const parts: Buffer[] = [];
  let off = 0;
  for (const l of lens) {
    parts.push(Buffer.from(km.subarray(off, off + l)));
    off += l;
  }
  km.fill(0);
  const [skD, skAi, skAr, skEi, skEr, skPi, skPr] = parts;
  return { skD, skAi, skAr, skEi, skEr, skPi, skPr };
}

/**
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 2.17): initiator-to-responder
 * encryption then integrity key, then responder-to-initiator encryption then integrity key.
 */
export function deriveChildKeys(
  prf: PrfAlg,
  skD: Buffer,
  ni: Buffer,
  nr: Buffer,
  gir: Buffer | null,
  encKeyLen: number,
  integKeyLen: number,
): ChildKeys {
  const seed = gir ? Buffer.concat([gir, ni, nr]) : Buffer.concat([ni, nr]);
  const km = prfPlus(prf, skD, seed, 2 * (encKeyLen + integKeyLen));
  seed.fill(0);
  const take = (off: number, len: number): Buffer => Buffer.from(km.subarray(off, off + len));
  const encI = take(0, encKeyLen);
  const integI = take(encKeyLen, integKeyLen);
  const encR = take(encKeyLen + integKeyLen, encKeyLen);
  const integR = take(2 * encKeyLen + integKeyLen, integKeyLen);
  km.fill(0);
  return { encI, integI, encR, integR };
}
