/** AES-XCBC-MAC (RFC 3566) and AES-XCBC-PRF-128 (RFC 4434), composed from OpenSSL AES. */
import { AES_BLOCK, aes128CbcMacLast, aes128Ecb, lastBlockXored } from './aes-block';

const CONSTS = Buffer.concat([
  Buffer.alloc(AES_BLOCK, 0x01),
  Buffer.alloc(AES_BLOCK, 0x02),
  Buffer.alloc(AES_BLOCK, 0x03),
]);

/** Full 128-bit AES-XCBC-MAC of msg under a 16-byte key (RFC 3566 section 4). */
export function aesXcbcMac(key: Buffer, msg: Buffer): Buffer {
  if (key.length !== AES_BLOCK) {
    throw new RangeError(`AES-XCBC-MAC key must be 16 bytes, got ${key.length}`);
  }
  const ks = aes128Ecb(key, CONSTS);
  const k1 = ks.subarray(0, 16);
  const k2 = ks.subarray(16, 32);
  const k3 = ks.subarray(32, 48);
  const blocks = lastBlockXored(msg, k2, k3);
  const mac = aes128CbcMacLast(k1, blocks);
  ks.fill(0);
  blocks.fill(0);
  return mac;
}

/**
 * AES-XCBC-PRF-128 (RFC 4434 section 2): a key shorter than 16 bytes is
 * zero-padded on the right; a longer one is first reduced with
 * AES-XCBC-MAC under the all-zero key.
 */
export function aesXcbcPrf128(key: Buffer, msg: Buffer): Buffer {
  if (key.length === AES_BLOCK) return aesXcbcMac(key, msg);
  let k: Buffer;
  if (key.length < AES_BLOCK) {
    k = Buffer.alloc(AES_BLOCK);
    key.copy(k);
  } else {
    k = aesXcbcMac(Buffer.alloc(AES_BLOCK), key);
  }
  const out = aesXcbcMac(k, msg);
  k.fill(0);
  return out;
}
