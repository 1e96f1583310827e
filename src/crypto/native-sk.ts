/**
 * The crypto addon's form of an SK suite: its OpenSSL cipher and HMAC digest indices. AES-XCBC
 * and AES-CMAC integrity have no addon form (OpenSSL has no XCBC): those suites stay on
 * node:crypto, as does every suite when the addon is not in use.
 */
import { ENCR, INTEG } from '../wire/iana';
import type { EncrAlg } from './encr';
import type { IntegAlg } from './integ';
import type { CryptoAddon } from './native-crypto';

/** Indices for addon.skSeal / skOpen. */
export interface NativeSkSuite {
  ci: number;
  /** -1 for AEAD */
  di: number;
  icvLen: number;
}

function cipherName(e: EncrAlg): string | null {
  switch (e.id) {
    case ENCR.AES_CBC:
      return `aes-${e.keyBits}-cbc`;
    case ENCR.AES_CTR:
      return `aes-${e.keyBits}-ctr`;
    case ENCR.AES_GCM_8:
    case ENCR.AES_GCM_12:
    case ENCR.AES_GCM_16:
      return `aes-${e.keyBits}-gcm`;
    case ENCR.CHACHA20_POLY1305:
      return 'chacha20-poly1305';
    case ENCR['3DES']:
      return 'des-ede3-cbc';
  }
  return null;
}

const HMAC_DIGEST: ReadonlyMap<number, string> = new Map([
  [INTEG.HMAC_MD5_96, 'md5'],
  [INTEG.HMAC_SHA1_96, 'sha1'],
  [INTEG.HMAC_SHA2_256_128, 'sha256'],
  [INTEG.HMAC_SHA2_384_192, 'sha384'],
  [INTEG.HMAC_SHA2_512_256, 'sha512'],
]);

let cachedFor: CryptoAddon | null = null;
const cache = new Map<number, NativeSkSuite | null>();

function resolve(addon: CryptoAddon, encr: EncrAlg, integ: IntegAlg | null): NativeSkSuite | null {
  const name = cipherName(encr);
  const ci = name ? addon.skCipher(name) : -1;
  if (ci < 0) return null;
  if (encr.aead) return { ci, di: -1, icvLen: encr.icvLen };
  const digest = integ ? HMAC_DIGEST.get(integ.id) : undefined;
  const di = digest ? addon.hmacDigest(digest) : -1;
  return di < 0 || !integ ? null : { ci, di, icvLen: integ.icvLen };
}

/** The suite's indices on the addon, null when the addon lacks its cipher or MAC. */
export function nativeSkSuite(addon: CryptoAddon, encr: EncrAlg, integ: IntegAlg | null): NativeSkSuite | null {
  if (cachedFor !== addon) {
    cache.clear();
    cachedFor = addon;
  }
  const key = (encr.id << 20) | (encr.keyBits << 8) | (integ ? integ.id : 0);
  let s = cache.get(key);
  if (s === undefined) {
    s = resolve(addon, encr, integ);
    cache.set(key, s);
  }
  return s;
}
