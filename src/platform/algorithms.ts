/**
 * IKEv2 transform ids (src/wire/iana.ts) -> kernel algorithms:
 *  - XFRM crypto names (with ICV / truncation bits; SHA-2 truncated per RFC 4868)
 *  - PF_KEY SADB_* ids per dialect (Linux af_key, OpenBSD, KAME/FreeBSD)
 * Linux af_key cannot do AEAD and truncates HMAC-SHA-256 to 96 bits, so such
 * SAs are refused there and must go through XFRM.
 */
import { ENCR, EncrId, INTEG, IntegId } from '../wire/iana';
import type { NativeAlg } from './native-binding';
import type { KernelSaSpec } from './types';

type PfkeyAdapterName = 'pfkey-linux' | 'pfkey-openbsd' | 'pfkey-kame';

interface XfrmCipher {
  name: string;
  aead: boolean;
  /** salt/nonce bytes appended to the key (RFC 4106/4309/3686/7634) */
  salt: number;
  /** ICV bits for AEAD */
  icvBits?: number;
  keyBits: readonly number[];
}
interface XfrmInteg {
  name: string;
  truncBits: number;
  keyBits: number;
}

const AES = [128, 192, 256] as const;

export const XFRM_CIPHERS: ReadonlyMap<number, XfrmCipher> = new Map<number, XfrmCipher>([
  [ENCR.AES_CBC, { name: 'cbc(aes)', aead: false, salt: 0, keyBits: AES }],
  [ENCR.AES_CTR, { name: 'rfc3686(ctr(aes))', aead: false, salt: 4, keyBits: AES }],
  [ENCR.AES_GCM_8, { name: 'rfc4106(gcm(aes))', aead: true, salt: 4, icvBits: 64, keyBits: AES }],
  [ENCR.AES_GCM_12, { name: 'rfc4106(gcm(aes))', aead: true, salt: 4, icvBits: 96, keyBits: AES }],
  [ENCR.AES_GCM_16, { name: 'rfc4106(gcm(aes))', aead: true, salt: 4, icvBits: 128, keyBits: AES }],
  [ENCR.AES_CCM_8, { name: 'rfc4309(ccm(aes))', aead: true, salt: 3, icvBits: 64, keyBits: AES }],
  [ENCR.AES_CCM_12, { name: 'rfc4309(ccm(aes))', aead: true, salt: 3, icvBits: 96, keyBits: AES }],
  [ENCR.AES_CCM_16, { name: 'rfc4309(ccm(aes))', aead: true, salt: 3, icvBits: 128, keyBits: AES }],
  [ENCR.NULL_AUTH_AES_GMAC, { name: 'rfc4543(gcm(aes))', aead: true, salt: 4, icvBits: 128, keyBits: AES }],
  [ENCR.CHACHA20_POLY1305, { name: 'rfc7539esp(chacha20,poly1305)', aead: true, salt: 4, icvBits: 128, keyBits: [256] }],
  [ENCR['3DES'], { name: 'cbc(des3_ede)', aead: false, salt: 0, keyBits: [192] }],
  [ENCR.CAMELLIA_CBC, { name: 'cbc(camellia)', aead: false, salt: 0, keyBits: AES }],
  [ENCR.NULL, { name: 'ecb(cipher_null)', aead: false, salt: 0, keyBits: [0] }],
]);

export const XFRM_INTEGS: ReadonlyMap<number, XfrmInteg> = new Map<number, XfrmInteg>([
  [INTEG.HMAC_MD5_96, { name: 'hmac(md5)', truncBits: 96, keyBits: 128 }],
  [INTEG.HMAC_SHA1_96, { name: 'hmac(sha1)', truncBits: 96, keyBits: 160 }],
  [INTEG.AES_XCBC_96, { name: 'xcbc(aes)', truncBits: 96, keyBits: 128 }],
  [INTEG.AES_CMAC_96, { name: 'cmac(aes)', truncBits: 96, keyBits: 128 }],
  [INTEG.HMAC_SHA2_256_128, { name: 'hmac(sha256)', truncBits: 128, keyBits: 256 }],
  [INTEG.HMAC_SHA2_384_192, { name: 'hmac(sha384)', truncBits: 192, keyBits: 384 }],
  [INTEG.HMAC_SHA2_512_256, { name: 'hmac(sha512)', truncBits: 256, keyBits: 512 }],
]);

interface PfkeyCipher {
  id: number;
  /** OpenBSD AEAD: the matching "auth" id (GMAC by key size, or Poly1305) */
  authId?: (keyBits: number) => number;
}

/** SADB_* ids of <linux/pfkeyv2.h>: no AEAD; SHA-2 left out (af_key truncates SHA-256 to 96 bits) */
const LINUX_CIPHERS = new Map<number, PfkeyCipher>([
  [ENCR.AES_CBC, { id: 12 }], // SADB_X_EALG_AESCBC
  [ENCR.AES_CTR, { id: 13 }], // SADB_X_EALG_AESCTR
  [ENCR['3DES'], { id: 3 }], // SADB_EALG_3DESCBC
  [ENCR.CAMELLIA_CBC, { id: 22 }], // SADB_X_EALG_CAMELLIACBC
  [ENCR.NULL, { id: 11 }], // SADB_EALG_NULL
]);
const LINUX_INTEGS = new Map<number, number>([
  [INTEG.HMAC_MD5_96, 2], // SADB_AALG_MD5HMAC
  [INTEG.HMAC_SHA1_96, 3], // SADB_AALG_SHA1HMAC
  [INTEG.AES_XCBC_96, 9], // SADB_X_AALG_AES_XCBC_MAC
]);

const obsdGmac = (keyBits: number): number => (keyBits === 128 ? 9 : keyBits === 192 ? 10 : 11); // SADB_X_AALG_AES{128,192,256}GMAC
/** SADB_* ids of OpenBSD <net/pfkeyv2.h> */
const OPENBSD_CIPHERS = new Map<number, PfkeyCipher>([
  [ENCR.AES_CBC, { id: 12 }], // SADB_X_EALG_AES
  [ENCR.AES_CTR, { id: 13 }], // SADB_X_EALG_AESCTR
  [ENCR.AES_GCM_8, { id: 18, authId: obsdGmac }], // SADB_X_EALG_AESGCM8
  [ENCR.AES_GCM_12, { id: 19, authId: obsdGmac }], // SADB_X_EALG_AESGCM12
  [ENCR.AES_GCM_16, { id: 20, authId: obsdGmac }], // SADB_X_EALG_AESGCM16
  [ENCR.NULL_AUTH_AES_GMAC, { id: 21, authId: obsdGmac }], // SADB_X_EALG_AESGMAC
  [ENCR.CHACHA20_POLY1305, { id: 22, authId: () => 12 }], // SADB_X_EALG/AALG_CHACHA20POLY1305
  [ENCR['3DES'], { id: 3 }],
  [ENCR.NULL, { id: 11 }],
]);
const OPENBSD_INTEGS = new Map<number, number>([
  [INTEG.HMAC_MD5_96, 2],
  [INTEG.HMAC_SHA1_96, 3],
  [INTEG.HMAC_SHA2_256_128, 5], // SADB_X_AALG_SHA2_256 (128-bit ICV)
  [INTEG.HMAC_SHA2_384_192, 6],
  [INTEG.HMAC_SHA2_512_256, 7],
]);

/** SADB_* ids of FreeBSD <net/pfkeyv2.h> (KAME); macOS uses the same numbers for these */
const KAME_CIPHERS = new Map<number, PfkeyCipher>([
  [ENCR.AES_CBC, { id: 12 }], // SADB_X_EALG_AES
  [ENCR.AES_CTR, { id: 13 }], // SADB_X_EALG_AESCTR
  [ENCR.AES_GCM_16, { id: 20 }], // SADB_X_EALG_AESGCM16 (the kernel picks the GMAC by key size)
  [ENCR['3DES'], { id: 3 }],
  [ENCR.NULL, { id: 11 }],
]);
const KAME_INTEGS = new Map<number, number>([
  [INTEG.HMAC_MD5_96, 2],
  [INTEG.HMAC_SHA1_96, 3],
  [INTEG.HMAC_SHA2_256_128, 5], // SADB_X_AALG_SHA2_256
  [INTEG.HMAC_SHA2_384_192, 6],
  [INTEG.HMAC_SHA2_512_256, 7],
  [INTEG.AES_XCBC_96, 9],
]);

const PFKEY_TABLES: Record<PfkeyAdapterName, { ciphers: Map<number, PfkeyCipher>; integs: Map<number, number> }> = {
  'pfkey-linux': { ciphers: LINUX_CIPHERS, integs: LINUX_INTEGS },
  'pfkey-openbsd': { ciphers: OPENBSD_CIPHERS, integs: OPENBSD_INTEGS },
  'pfkey-kame': { ciphers: KAME_CIPHERS, integs: KAME_INTEGS },
};

function isAead(encrId: number): boolean {
  return XFRM_CIPHERS.get(encrId)?.aead ?? false;
}

/**
 * Can this adapter install an SA with this cipher and integrity algorithm?
 * integId 0 (INTEG.NONE) means none (required with AEAD ciphers).
 */
export function adapterSupports(adapterName: string, encrId: number, integId: number): boolean {
  const integNone = integId === INTEG.NONE;
  const cipher = XFRM_CIPHERS.get(encrId);
  if (!cipher) return false;
  if (cipher.aead !== integNone) return false; // AEAD: no integ; non-AEAD: integ required (no NULL+NULL)
  if (adapterName === 'xfrm' || adapterName === 'decoupled') return integNone || XFRM_INTEGS.has(integId);
  const t = PFKEY_TABLES[adapterName as PfkeyAdapterName];
  if (!t) return false;
  if (!t.ciphers.has(encrId)) return false;
  return integNone || t.integs.has(integId);
}

/** Adapters whose limits are known; any other name (decoupled, a test double) installs anything. */
const KNOWN_ADAPTERS: ReadonlySet<string> = new Set(['xfrm', 'pfkey-linux', 'pfkey-openbsd', 'pfkey-kame']);
/** PF_KEY dialects without extended sequence numbers (their adapters refuse esn SAs). */
const NO_ESN: ReadonlySet<string> = new Set(['pfkey-linux', 'pfkey-kame']);

/**
 * What the adapter called `adapterName` can install: a cipher with an integrity
 * algorithm (INTEG.NONE with AEAD), with or without extended sequence numbers.
 * Every KernelAdapter answers supports() with this (the privsep proxy with its parent's name).
 */
export function supportsFor(adapterName: string): (encrId: number, integId: number, esn: boolean) => boolean {
  if (!KNOWN_ADAPTERS.has(adapterName)) return () => true;
  return (encrId, integId, esn) => adapterSupports(adapterName, encrId, integId) && !(esn && NO_ESN.has(adapterName));
}

function cipherName(id: number): string {
  return EncrId.name(id);
}

/** checks key = keyBits/8 (+ salt) and returns the cipher entry */
function checkCipher(sa: KernelSaSpec): XfrmCipher | undefined {
  const e = sa.encr;
  if (!e) return undefined;
  const c = XFRM_CIPHERS.get(e.ianaId);
  if (!c) throw new Error(`encryption transform ${cipherName(e.ianaId)} is not supported by the kernel adapters`);
  if (!c.keyBits.includes(e.keyBits)) {
    throw new Error(`${cipherName(e.ianaId)}: key length ${e.keyBits} bits is not one of ${c.keyBits.join(', ')}`);
  }
  const want = e.keyBits / 8 + c.salt;
  if (e.key.length !== want) {
    throw new Error(
      `${cipherName(e.ianaId)}-${e.keyBits}: key must be ${want} bytes` +
        (c.salt ? ` (${e.keyBits / 8} + ${c.salt} salt)` : '') +
        `, got ${e.key.length}`,
    );
  }
  if (c.aead && sa.integ && sa.integ.ianaId !== INTEG.NONE) {
    throw new Error(`${cipherName(e.ianaId)} is an AEAD cipher: no integrity algorithm may be given`);
  }
  if (!c.aead && sa.protocol === 'esp' && !sa.integ && e.ianaId !== ENCR.NULL) {
    throw new Error(`${cipherName(e.ianaId)} needs an integrity algorithm`);
  }
  return c;
}

function checkInteg(sa: KernelSaSpec): XfrmInteg | undefined {
  const i = sa.integ;
  if (!i || i.ianaId === INTEG.NONE) return undefined;
  const m = XFRM_INTEGS.get(i.ianaId);
  if (!m) throw new Error(`integrity transform ${IntegId.name(i.ianaId)} is not supported by the kernel adapters`);
  if (i.key.length * 8 !== m.keyBits) {
    throw new Error(`${IntegId.name(i.ianaId)}: key must be ${m.keyBits / 8} bytes, got ${i.key.length}`);
  }
  return m;
}

/** algorithms of an SA for XFRM (rfc4106(gcm(aes)) with ICV bits, hmac(sha256) truncated to 128, ...) */
export function xfrmAlgorithms(sa: KernelSaSpec): { aead?: NativeAlg; enc?: NativeAlg; auth?: NativeAlg } {
  const c = checkCipher(sa);
  const m = checkInteg(sa);
  const out: { aead?: NativeAlg; enc?: NativeAlg; auth?: NativeAlg } = {};
  if (c && sa.encr) {
    if (c.aead) {
      const icv = sa.encr.icvLen ? sa.encr.icvLen * 8 : (c.icvBits as number);
      out.aead = { name: c.name, key: sa.encr.key, keyBits: sa.encr.key.length * 8, bits: icv };
    } else {
      out.enc = { name: c.name, key: sa.encr.key, keyBits: sa.encr.key.length * 8 };
    }
  }
  if (m && sa.integ) out.auth = { name: m.name, key: sa.integ.key, keyBits: m.keyBits, bits: m.truncBits };
  return out;
}

/** algorithms of an SA as SADB_* ids of one PF_KEY dialect; throws a clear error if unsupported */
export function pfkeyAlgorithms(adapter: PfkeyAdapterName, sa: KernelSaSpec): { enc?: NativeAlg; auth?: NativeAlg } {
  checkCipher(sa);
  checkInteg(sa);
  const t = PFKEY_TABLES[adapter];
  const out: { enc?: NativeAlg; auth?: NativeAlg } = {};
  if (sa.encr) {
    const c = t.ciphers.get(sa.encr.ianaId);
    if (!c) {
      const why = isAead(sa.encr.ianaId) && adapter === 'pfkey-linux' ? ' (Linux PF_KEY cannot do AEAD: use XFRM)' : '';
      throw new Error(`${cipherName(sa.encr.ianaId)} is not supported by ${adapter}${why}`);
    }
    out.enc = { id: c.id, key: sa.encr.key };
    if (c.authId) out.auth = { id: c.authId(sa.encr.keyBits), key: Buffer.alloc(0) };
  }
  if (sa.integ && sa.integ.ianaId !== INTEG.NONE) {
    const id = t.integs.get(sa.integ.ianaId);
    if (id === undefined) {
      const why =
        adapter === 'pfkey-linux' && sa.integ.ianaId >= INTEG.HMAC_SHA2_256_128
          ? ' (Linux PF_KEY truncates SHA-2 to 96 bits, violating RFC 4868: use XFRM)'
          : '';
      throw new Error(`${IntegId.name(sa.integ.ianaId)} is not supported by ${adapter}${why}`);
    }
    out.auth = { id, key: sa.integ.key };
  }
  return out;
}
