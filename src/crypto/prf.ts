/** IKEv2 pseudo-random functions (transform type 2). */
import { createHmac } from 'node:crypto';
import { PRF, PrfId } from '../wire/iana';
import { aesCmacPrf128 } from './aes-cmac';
import { aesXcbcPrf128 } from './aes-xcbc';
import { UnsupportedTransformError } from './errors';
import { nativePrf } from './native-prf';

export interface PrfAlg {
  id: number;
  name: string;
  /** Output length in bytes. */
  outLen: number;
  /** Preferred key length in bytes (RFC 7296 2.13/2.14: size of SK_d, SK_pi, SK_pr). */
  keyLen: number;
  /** prf(key, data[0] | data[1] | ...) */
  compute(key: Buffer, ...data: Buffer[]): Buffer;
  /** The hash of an HMAC PRF (node:crypto name): key derivation can then use HKDF. */
  hmacHash?: string;
}

function hmacPrf(id: number, hash: string, outLen: number): PrfAlg {
  const alg: PrfAlg = {
    id,
    name: PrfId.name(id),
    outLen,
    keyLen: outLen,
    hmacHash: hash,
    compute(key: Buffer, ...data: Buffer[]): Buffer {
      const native = nativePrf(alg, key, data);
      if (native) return native;
      const h = createHmac(hash, key);
      for (const d of data) h.update(d);
      return h.digest();
    },
  };
  return alg;
}

function aesPrf(id: number, fn: (key: Buffer, msg: Buffer) => Buffer): PrfAlg {
  return {
    id,
    name: PrfId.name(id),
    outLen: 16,
    keyLen: 16,
    compute(key: Buffer, ...data: Buffer[]): Buffer {
      if (data.length === 1) return fn(key, data[0]);
      const msg = Buffer.concat(data);
      const out = fn(key, msg);
      msg.fill(0);
      return out;
    },
  };
}

const TABLE: ReadonlyMap<number, PrfAlg> = new Map<number, PrfAlg>([
  [PRF.HMAC_MD5, hmacPrf(PRF.HMAC_MD5, 'md5', 16)],
  [PRF.HMAC_SHA1, hmacPrf(PRF.HMAC_SHA1, 'sha1', 20)],
  [PRF.HMAC_SHA2_256, hmacPrf(PRF.HMAC_SHA2_256, 'sha256', 32)],
  [PRF.HMAC_SHA2_384, hmacPrf(PRF.HMAC_SHA2_384, 'sha384', 48)],
  [PRF.HMAC_SHA2_512, hmacPrf(PRF.HMAC_SHA2_512, 'sha512', 64)],
  [PRF.AES128_XCBC, aesPrf(PRF.AES128_XCBC, aesXcbcPrf128)],
  [PRF.AES128_CMAC, aesPrf(PRF.AES128_CMAC, aesCmacPrf128)],
]);

/** The PRF for an IANA PRF transform id; UnsupportedTransformError if unknown. */
export function prfById(id: number): PrfAlg {
  const p = TABLE.get(id);
  if (!p) throw new UnsupportedTransformError(`unsupported PRF transform ${PrfId.name(id)} (${id})`);
  return p;
}

/** Ids of all PRFs this build supports. */
export function supportedPrfIds(): number[] {
  return [...TABLE.keys()];
}
