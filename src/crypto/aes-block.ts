/**
 * AES-128 building blocks for the block-cipher MACs (XCBC, CMAC), composed
 * from OpenSSL's AES-ECB/AES-CBC: no AES is implemented here.
 */
import { createCipheriv } from 'node:crypto';

export const AES_BLOCK = 16;
const ZERO_IV = Buffer.alloc(AES_BLOCK);

/** Encrypt whole blocks with AES-128-ECB, no padding. */
export function aes128Ecb(key: Buffer, blocks: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(blocks), c.final()]);
}

/**
 * CBC-MAC core: AES-128-CBC with a zero IV over `blocks` (a non-empty
 * multiple of 16 bytes), returning the last ciphertext block.
 */
export function aes128CbcMacLast(key: Buffer, blocks: Buffer): Buffer {
  const c = createCipheriv('aes-128-cbc', key, ZERO_IV);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(blocks), c.final()]);
  const last = Buffer.from(out.subarray(out.length - AES_BLOCK));
  out.fill(0);
  return last;
}

/**
 * Lay out a message for a CBC-MAC whose last block is XORed with a subkey:
 * returns the blocks with the final block already XORed with kComplete
 * (if the message ends on a full block) or padded 10* and XORed with kPartial.
 */
export function lastBlockXored(msg: Buffer, kComplete: Buffer, kPartial: Buffer): Buffer {
  const complete = msg.length > 0 && msg.length % AES_BLOCK === 0;
  const total = complete ? msg.length : (Math.floor(msg.length / AES_BLOCK) + 1) * AES_BLOCK;
  const buf = Buffer.alloc(total);
  msg.copy(buf);
  if (!complete) buf[msg.length] = 0x80;
  const k = complete ? kComplete : kPartial;
  const off = total - AES_BLOCK;
  for (let i = 0; i < AES_BLOCK; i++) buf[off + i] ^= k[i];
  return buf;
}
