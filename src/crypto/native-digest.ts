/**
 * Plain digests on the crypto addon in one call (the EVP_MD fetched once, the context reused):
 * node:crypto's one-shot `hash` costs about 1.3 us for the 26 bytes of a NAT detection hash,
 * most of it outside the hashing. Falls back to node:crypto when the addon is not in use.
 */
import { hash } from 'node:crypto';
import { nativeCrypto } from './native-crypto';
import type { CryptoAddon } from './native-crypto';

let indexFor: CryptoAddon | null = null;
const indexes = new Map<string, number>();

function digestOn(addon: CryptoAddon, name: string): number {
  if (indexFor !== addon) {
    indexes.clear();
    indexFor = addon;
  }
  let di = indexes.get(name);
  if (di === undefined) indexes.set(name, (di = typeof addon.digest === 'function' ? addon.digestIndex(name) : -1));
  return di;
}

/** H(d0 | d1 | d2 | d3) into a new Buffer of outLen bytes (the digest's length), e.g. ('sha1', 20, ...). */
export function digestOf(name: string, outLen: number, d0: Buffer, d1: Buffer, d2: Buffer, d3: Buffer): Buffer {
  const addon = nativeCrypto();
  const di = addon ? digestOn(addon, name) : -1;
  if (addon && di >= 0) {
    const out = Buffer.allocUnsafe(outLen);
    const rc = addon.digest(di, d0, d1, d2, d3, out);
    if (rc !== 0) throw new Error(`${name}: the crypto addon failed (status ${rc})`);
    return out;
  }
  return hash(name, Buffer.concat([d0, d1, d2, d3]), 'buffer');
}
