/**
 * The HMAC PRFs on the crypto addon, one call each: prf, prf+ (RFC 7296 2.13) and SKEYSEED
 * followed by prf+ (2.14, 2.18). Each returns null when the addon is not in use or lacks the
 * hash: the caller then takes node:crypto.
 */
import { nativeCrypto } from './native-crypto';
import type { CryptoAddon } from './native-crypto';

/** What an HMAC PRF (prf.ts's PrfAlg) needs here: its hash (node:crypto name) and output length. */
interface HmacPrf {
  hmacHash?: string;
  outLen: number;
}

let digestsFor: CryptoAddon | null = null;
const digests = new Map<string, number>();

/** The addon and its digest index for an HMAC hash (node:crypto name), or null. */
function hmacOn(hash: string | undefined): { addon: CryptoAddon; di: number } | null {
  const addon = hash ? nativeCrypto() : null;
  if (!addon || !hash) return null;
  if (digestsFor !== addon) {
    digests.clear();
    digestsFor = addon;
  }
  let di = digests.get(hash);
  if (di === undefined) digests.set(hash, (di = addon.hmacDigest(hash)));
  return di < 0 ? null : { addon, di };
}

function checked(rc: number, what: string, out: Buffer): Buffer {
  if (rc === 0) return out;
  out.fill(0);
  throw new Error(`${what}: the crypto addon failed (status ${rc})`);
}

/** HMAC(key, data[0] | ... ) with outLen bytes of output; null: not on the addon. */
export function nativePrf(prf: HmacPrf, key: Buffer, data: readonly Buffer[]): Buffer | null {
  const on = data.length <= 4 ? hmacOn(prf.hmacHash) : null;
  if (!on) return null;
  const out = Buffer.allocUnsafeSlow(prf.outLen);
  const rc = on.addon.prf(on.di, key, data[0] ?? Buffer.alloc(0), data[1] ?? null, data[2] ?? null, data[3] ?? null, out);
  return checked(rc, `HMAC-${prf.hmacHash}`, out);
}

/** At most 255 blocks of prf+ (the counter is one octet): longer is prf-plus.ts's RangeError. */
function fits(prf: HmacPrf, length: number): boolean {
  return Number.isInteger(length) && length >= 0 && length <= 255 * prf.outLen;
}

/** prf+(key, seed), length bytes; null: not on the addon. */
export function nativePrfPlus(prf: HmacPrf, key: Buffer, seed: Buffer, length: number): Buffer | null {
  const on = fits(prf, length) ? hmacOn(prf.hmacHash) : null;
  if (!on) return null;
  const out = Buffer.allocUnsafeSlow(length);
  return checked(on.addon.prfPlus(on.di, key, seed, out), `prf+ HMAC-${prf.hmacHash}`, out);
}

/** prf+(prf(salt, ikm), seed), length bytes, SKEYSEED kept inside the addon; null: not on the addon. */
export function nativeSkeyseedPlus(prf: HmacPrf, salt: Buffer, ikm: Buffer, seed: Buffer, length: number): Buffer | null {
  const on = fits(prf, length) ? hmacOn(prf.hmacHash) : null;
  if (!on) return null;
  const out = Buffer.allocUnsafeSlow(length);
  return checked(on.addon.skeyseedPlus(on.di, salt, ikm, seed, out), `SKEYSEED HMAC-${prf.hmacHash}`, out);
}
