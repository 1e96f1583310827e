/**
 * Which path per-message cryptography takes: the iked_crypto addon (native/crypto_*.c, on
 * the same OpenSSL libcrypto Node itself uses) when it is built and usable, else node:crypto.
 * IKED_CRYPTO=native or IKED_CRYPTO=node forces one; native without a usable addon is an Error
 * when this module is imported. Callers ask nativeCrypto() at each call: null means node:crypto.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The addon's key exchange kinds (kxGroup's first argument). */
export const KX_ECP = 0;
export const KX_ECX = 1;
export const KX_MODP = 2;
export type KxKind = typeof KX_ECP | typeof KX_ECX | typeof KX_MODP;

/** Status numbers of the kx* calls (native/crypto_kx.h). */
export const KX_OK = 0;
export const KX_BAD_PEER = -1;
export const KX_DEGENERATE = -2;

/** Status of skSeal / skOpen (native/crypto_sk.h): ICV or tag mismatch; skOpen returns the decrypted length on success. */
export const SK_BAD_ICV = -1;

export interface CryptoAddon {
  usable(): boolean;
  opensslVersion(): string;
  /** index of a group (ECP: OpenSSL curve name; X25519/X448: key bytes; MODP: prime bytes), -1 if unsupported */
  kxGroup(kind: KxKind, key: string | number): number;
  kxPrivateLength(kind: KxKind, index: number): number;
  kxPublic(kind: KxKind, index: number, priv: Buffer, fresh: boolean, pub: Buffer): number;
  kxSecret(kind: KxKind, index: number, priv: Buffer, peer: Buffer, secret: Buffer): number;
  kxRespond(kind: KxKind, index: number, peer: Buffer, pub: Buffer, secret: Buffer): number;
  skCipher(name: string): number;
  hmacDigest(name: string): number;
  skSeal(ci: number, di: number, icvLen: number, encKey: Buffer, integKey: Buffer | null, aad: Buffer, plain: Buffer, out: Buffer): number;
  skOpen(ci: number, di: number, icvLen: number, encKey: Buffer, integKey: Buffer | null, aad: Buffer, body: Buffer, out: Buffer): number;
  /** out (the digest's length) = HMAC(key, d0 | d1 | d2 | d3) */
  prf(di: number, key: Buffer, d0: Buffer, d1: Buffer | null, d2: Buffer | null, d3: Buffer | null, out: Buffer): number;
  /** out = prf+(key, seed) */
  prfPlus(di: number, key: Buffer, seed: Buffer, out: Buffer): number;
  /** out = prf+(prf(salt, ikm), seed) */
  skeyseedPlus(di: number, salt: Buffer, ikm: Buffer, seed: Buffer, out: Buffer): number;
  /** A plain digest by OpenSSL name: its index, -1 if unusable. */
  digestIndex(name: string): number;
  /** out (the digest's length) = H(d0 | d1 | d2 | d3) */
  digest(di: number, d0: Buffer, d1: Buffer | null, d2: Buffer | null, d3: Buffer | null, out: Buffer): number;
}

export type CryptoPath = 'native' | 'node';

const ADDON = path.join('build', 'Release', 'iked_crypto.node');

/** build/Release/iked_crypto.node in the nearest directory above this file that has one. */
function addonPath(): string | null {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, ADDON);
    if (fs.existsSync(p)) return p;
    if (path.dirname(dir) === dir) return null;
  }
}

let probed = false;
let addon: CryptoAddon | null = null;
let whyNot = '';

/** The addon if it is built and runs on this Node's OpenSSL; null with whyNot set otherwise. */
export function loadCryptoAddon(): CryptoAddon | null {
  if (probed) return addon;
  probed = true;
  const p = addonPath();
  if (!p) {
    whyNot = `${ADDON} is not built (run 'npx node-gyp rebuild')`;
    return null;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(p) as CryptoAddon;
    if (mod.usable()) addon = mod;
    else whyNot = `${p} does not match this Node's OpenSSL (${mod.opensslVersion()})`;
  } catch (e) {
    whyNot = `${p} cannot be loaded: ${(e as Error).message}`;
  }
  return addon;
}

let active: CryptoAddon | null | undefined;

function choose(want: string | undefined): CryptoAddon | null {
  if (want === 'node') return null;
  if (want && want !== 'native') throw new Error(`IKED_CRYPTO must be 'native' or 'node', not '${want}'`);
  const a = loadCryptoAddon();
  if (want === 'native' && !a) throw new Error(`IKED_CRYPTO=native: ${whyNot}`);
  return a;
}

/** The addon when the native path is in use, null for node:crypto (IKED_CRYPTO read at first use). */
export function nativeCrypto(): CryptoAddon | null {
  if (active === undefined) active = choose(process.env.IKED_CRYPTO);
  return active;
}

// Choose now, at import: the privsep engine imports every module before its chroot, after
// which build/Release is out of reach, and a daemon told IKED_CRYPTO=native without a
// usable addon (or an unknown value) stops here with the reason instead of refusing every
// key exchange. IKED_CRYPTO=node leaves the addon unloaded.
nativeCrypto();

/** The path in use. */
export function cryptoPath(): CryptoPath {
  return nativeCrypto() ? 'native' : 'node';
}

/** The path in use for a log line: the addon and its OpenSSL, or node:crypto and why. */
export function cryptoPathText(): string {
  const a = nativeCrypto();
  if (a) return `iked_crypto.node on ${a.opensslVersion()}`;
  return process.env.IKED_CRYPTO === 'node' ? 'node:crypto (IKED_CRYPTO=node)' : `node:crypto (${whyNot})`;
}

/** Use one path from now on ('auto': the addon if usable); 'native' throws when the addon is not usable. */
export function selectCryptoPath(p: CryptoPath | 'auto'): void {
  active = choose(p === 'auto' ? undefined : p);
}
