/** AES-CMAC (RFC 4493) and AES-CMAC-PRF-128 (RFC 4615), composed from OpenSSL AES. */
import { AES_BLOCK, aes128CbcMacLast, aes128Ecb, lastBlockXored } from './aes-block';

const ZERO = Buffer.alloc(AES_BLOCK);

/** Doubling in GF(2^128) as in RFC 4493 Generate_Subkey. */
function dbl(b: Buffer): Buffer {
  const out = Buffer.alloc(AES_BLOCK);
  for (let i = 0; i < AES_BLOCK; i++) {
    out[i] = ((b[i] << 1) & 0xff) | (i + 1 < AES_BLOCK ? b[i + 1] >> 7 : 0);
  }
  if (b[0] & 0x80) out[AES_BLOCK - 1] ^= 0x87;
  return out;
}

/** Full 128-bit AES-CMAC of msg under a 16-byte key (RFC 4493 section 2.4). */
export function aesCmac(key: Buffer, msg: Buffer): Buffer {
  if (key.length !== AES_BLOCK) {
    throw new RangeError(`AES-CMAC key must be 16 bytes, got ${key.length}`);
  }
  const l = aes128Ecb(key, ZERO);
  const k1 = dbl(l);
  const k2 = dbl(k1);
  const blocks = lastBlockXored(msg, k1, k2);
  const mac = aes128CbcMacLast(key, blocks);
  l.fill(0);
  k1.fill(0);
  k2.fill(0);
  blocks.fill(0);
  return mac;
}

/**
 * AES-CMAC-PRF-128 (RFC 4615 section 3): a 16-byte key is used as is,
 * any other length is first reduced with AES-CMAC under the all-zero key.
 */
export function aesCmacPrf128(key: Buffer, msg: Buffer): Buffer {
  if (key.length === AES_BLOCK) return aesCmac(key, msg);
  const k = aesCmac(ZERO, key);
  const out = aesCmac(k, msg);
  k.fill(0);
  return out;
}
