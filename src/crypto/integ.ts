/** IKEv2 integrity algorithms (transform type 3), ICV truncated per RFC. */
import { createHmac } from 'node:crypto';
import { INTEG, IntegId } from '../wire/iana';
import { aesCmac } from './aes-cmac';
import { aesXcbcMac } from './aes-xcbc';
import { UnsupportedTransformError } from './errors';

export interface IntegAlg {
  id: number;
  name: string;
  /** Key length in bytes (size of SK_ai / SK_ar). */
  keyLen: number;
  /** ICV length in bytes. */
  icvLen: number;
  /** MAC over data[0] | data[1] | ..., truncated to icvLen. */
  compute(key: Buffer, ...data: Buffer[]): Buffer;
}

function hmacInteg(id: number, hash: string, keyLen: number, icvLen: number): IntegAlg {
  return {
    id,
    name: IntegId.name(id),
    keyLen,
    icvLen,
    compute(key: Buffer, ...data: Buffer[]): Buffer {
      const h = createHmac(hash, key);
      for (const d of data) h.update(d);
      return h.digest().subarray(0, icvLen);
    },
  };
}

function aesInteg(id: number, fn: (key: Buffer, msg: Buffer) => Buffer): IntegAlg {
  return {
    id,
    name: IntegId.name(id),
    keyLen: 16,
    icvLen: 12,
    compute(key: Buffer, ...data: Buffer[]): Buffer {
      const msg = data.length === 1 ? data[0] : Buffer.concat(data);
      return fn(key, msg).subarray(0, 12);
    },
  };
}

const TABLE: ReadonlyMap<number, IntegAlg> = new Map<number, IntegAlg>([
  [INTEG.HMAC_MD5_96, hmacInteg(INTEG.HMAC_MD5_96, 'md5', 16, 12)],
  [INTEG.HMAC_SHA1_96, hmacInteg(INTEG.HMAC_SHA1_96, 'sha1', 20, 12)],
  [INTEG.HMAC_SHA2_256_128, hmacInteg(INTEG.HMAC_SHA2_256_128, 'sha256', 32, 16)],
  [INTEG.HMAC_SHA2_384_192, hmacInteg(INTEG.HMAC_SHA2_384_192, 'sha384', 48, 24)],
  [INTEG.HMAC_SHA2_512_256, hmacInteg(INTEG.HMAC_SHA2_512_256, 'sha512', 64, 32)],
  [INTEG.AES_XCBC_96, aesInteg(INTEG.AES_XCBC_96, aesXcbcMac)],
  [INTEG.AES_CMAC_96, aesInteg(INTEG.AES_CMAC_96, aesCmac)],
]);

/** The integrity algorithm for an IANA INTEG transform id; UnsupportedTransformError if unknown or NONE. */
export function integById(id: number): IntegAlg {
  const a = TABLE.get(id);
  if (!a) throw new UnsupportedTransformError(`unsupported INTEG transform ${IntegId.name(id)} (${id})`);
  return a;
}
