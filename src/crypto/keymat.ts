/** IKE SA and Child SA key derivation (RFC 7296 sections 2.14, 2.17, 2.18). */
import { PRF } from '../wire/iana';
import type { EncrAlg } from './encr';
import type { IntegAlg } from './integ';
import { nativePrfPlus, nativeSkeyseedPlus } from './native-prf';
import type { PrfAlg } from './prf';
import { prfPlus } from './prf-plus';
import { hkdfSync } from 'node:crypto';

/** prf+ in one addon call for an HMAC PRF when the native path is in use, else prf-plus.ts. */
function prfPlusOf(prf: PrfAlg, key: Buffer, seed: Buffer, length: number): Buffer {
  return nativePrfPlus(prf, key, seed, length) ?? prfPlus(prf, key, seed, length);
}

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

/** Key lengths of {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}: SK_a are empty for AEAD. */
function ikeKeyLengths(prf: PrfAlg, encr: EncrAlg, integ: IntegAlg | null): number[] {
  if (!encr.aead && !integ) throw new Error(`${encr.name} is not AEAD and needs an integrity algorithm`);
  const aLen = encr.aead || !integ ? 0 : integ.keyLen;
  return [prf.keyLen, aLen, aLen, encr.keyLen, encr.keyLen, prf.keyLen, prf.keyLen];
}

/**
 * Key material as an allocation of its own, so that views of it hold no other bytes (and keep
 * no pool slab alive): as it is when it already is one (the addon's, HKDF's), else a copy and
 * the original zeroed.
 */
function ownAllocation(km: Buffer): Buffer {
  if (km.byteOffset === 0 && km.buffer.byteLength === km.length) return km;
  const own = Buffer.allocUnsafeSlow(km.length);
  km.copy(own);
  km.fill(0);
  return own;
}

/** The seven keys as views of the key material: no copies; zeroing every key zeroes all of it. */
function splitIkeKeys(material: Buffer, lens: number[]): IkeSaKeys {
  const km = ownAllocation(material);
  const parts: Buffer[] = [];
  let off = 0;
  for (const l of lens) {
    parts.push(km.subarray(off, off + l));
    off += l;
  }
  const [skD, skAi, skAr, skEi, skEr, skPi, skPr] = parts;
  return { skD, skAi, skAr, skEi, skEr, skPi, skPr };
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
  const lens = ikeKeyLengths(prf, encr, integ);
  const total = lens.reduce((a, b) => a + b, 0);
  const seed = Buffer.concat([ni, nr, spiI, spiR]);
  return splitIkeKeys(prfPlusOf(prf, skeyseed, seed, total), lens);
}

/** node:crypto's HKDF takes at most 1024 bytes of info (RFC 7296 nonces: at most 256 bytes each). */
const HKDF_MAX_INFO = 1024;

/**
 * With an HMAC PRF, SKEYSEED = prf(salt, ikm) and prf+(SKEYSEED, S) are exactly HKDF-Extract
 * and HKDF-Expand (RFC 5869: T(n) = HMAC(PRK, T(n-1) | info | n)) with that salt and IKM and
 * info S: all seven keys in one call (the crypto addon's, else node:crypto's HKDF), SKEYSEED
 * never leaves it. null when the PRF is not HMAC (AES-XCBC/CMAC) or, on node:crypto, the
 * seed is too long for its HKDF.
 */
function hkdfIkeKeys(prf: PrfAlg, encr: EncrAlg, integ: IntegAlg | null, salt: Buffer, ikm: Buffer, seed: Buffer): IkeSaKeys | null {
  if (!prf.hmacHash) return null;
  const lens = ikeKeyLengths(prf, encr, integ);
  const total = lens.reduce((a, b) => a + b, 0);
  const native = nativeSkeyseedPlus(prf, salt, ikm, seed, total);
  if (native) return splitIkeKeys(native, lens);
  if (seed.length > HKDF_MAX_INFO) return null;
  return splitIkeKeys(Buffer.from(hkdfSync(prf.hmacHash, ikm, salt, seed, total)), lens);
}

/** What the seven keys of an IKE SA are derived for: its algorithms, nonces and SPIs. */
export interface IkeKeyInputs {
  prf: PrfAlg;
  encr: EncrAlg;
  integ: IntegAlg | null;
  ni: Buffer;
  nr: Buffer;
  spiI: Buffer;
  spiR: Buffer;
}

function seedOf(k: IkeKeyInputs): Buffer {
  return Buffer.concat([k.ni, k.nr, k.spiI, k.spiR]);
}

/** The two-step way (any PRF): prf+ from SKEYSEED, which is zeroed afterwards. */
function fromSkeyseed(k: IkeKeyInputs, skeyseed: Buffer): IkeSaKeys {
  const keys = deriveIkeSaKeys(k.prf, k.encr, k.integ, skeyseed, k.ni, k.nr, k.spiI, k.spiR);
  skeyseed.fill(0);
  return keys;
}

/** The keys of a new IKE SA from g^ir: SKEYSEED = prf(Ni | Nr, g^ir), then prf+ (RFC 7296 2.14). */
export function deriveIkeSaKeysFromSecret(k: IkeKeyInputs, gir: Buffer): IkeSaKeys {
  if (k.prf.hmacHash) {
    const seed = seedOf(k);
    const keys = hkdfIkeKeys(k.prf, k.encr, k.integ, seed.subarray(0, k.ni.length + k.nr.length), gir, seed);
    if (keys) return keys;
  }
  return fromSkeyseed(k, computeSkeyseed(k.prf, k.ni, k.nr, gir));
}

/**
 * The keys of a rekeyed IKE SA: SKEYSEED = prf (old)(SK_d (old), g^ir (new) | Ni | Nr [| SK(1) |
 * ... | SK(n)]), then prf+ with the new SA's PRF (RFC 7296 2.18; RFC 9370 2.2.4: the secrets of
 * the additional key exchanges, concatenated in `add`, follow the nonces). Also RFC 9370 2.2.2's
 * update after an IKE_INTERMEDIATE key exchange (gir = SK(n), no `add`). One HKDF call when both
 * PRFs are the same HMAC.
 */
export function deriveRekeyedIkeSaKeys(oldPrf: PrfAlg, oldSkD: Buffer, k: IkeKeyInputs, gir: Buffer, add: Buffer | null = null): IkeSaKeys {
  if (oldPrf.id === k.prf.id && k.prf.hmacHash) {
    const ikm = Buffer.concat(add ? [gir, k.ni, k.nr, add] : [gir, k.ni, k.nr]);
    const keys = hkdfIkeKeys(k.prf, k.encr, k.integ, oldSkD, ikm, seedOf(k));
    ikm.fill(0);
    if (keys) return keys;
  }
  const skeyseed = add ? oldPrf.compute(oldSkD, gir, k.ni, k.nr, add) : computeRekeySkeyseed(oldPrf, oldSkD, gir, k.ni, k.nr);
  return fromSkeyseed(k, skeyseed);
}

/**
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr [| SK(1) | ... | SK(n)]) (RFC 7296 2.17; RFC 9370
 * 2.2.4 appends the additional key exchanges' secrets, `add`): initiator-to-responder
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
  add: Buffer | null = null,
): ChildKeys {
  const parts = gir ? [gir, ni, nr] : [ni, nr];
  if (add) parts.push(add);
  const seed = Buffer.concat(parts);
  const km = ownAllocation(prfPlusOf(prf, skD, seed, 2 * (encKeyLen + integKeyLen)));
  seed.fill(0);
  // views of KEYMAT (no copies): zeroing the four keys zeroes all of it
  const encI = km.subarray(0, encKeyLen);
  const integI = km.subarray(encKeyLen, encKeyLen + integKeyLen);
  const encR = km.subarray(encKeyLen + integKeyLen, 2 * encKeyLen + integKeyLen);
  const integR = km.subarray(2 * encKeyLen + integKeyLen, 2 * (encKeyLen + integKeyLen));
  return { encI, integI, encR, integR };
}

/** The keys a post-quantum preshared key changes (RFC 8784 3): SK_d and both SK_p. */
export interface PpkKeys {
  skD: Buffer;
  skPi: Buffer;
  skPr: Buffer;
}

/**
 * RFC 8784 3: SK_d' = prf+(PPK, SK_d), SK_pi' = prf+(PPK, SK_pi), SK_pr' = prf+(PPK, SK_pr),
 * each as long as the key it replaces (the PRF's preferred key length). The inputs are
 * left as they are; the caller zeroes what it drops.
 */
export function derivePpkKeys(prf: PrfAlg, ppk: Buffer, k: PpkKeys): PpkKeys {
  if (!ppk.length) throw new RangeError('an empty PPK');
  return {
    skD: prfPlusOf(prf, ppk, k.skD, k.skD.length),
    skPi: prfPlusOf(prf, ppk, k.skPi, k.skPi.length),
    skPr: prfPlusOf(prf, ppk, k.skPr, k.skPr.length),
  };
}
