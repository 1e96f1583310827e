/**
 * Streamlined NTRU Prime sntrup761 KEM (p = 761, q = 4591, w = 286), the
 * "sntrup761" of the NTRU Prime round-3 submission (ntruprime-20201007): key
 * generation, encapsulation and decapsulation with implicit rejection.
 *
 * No kept npm library implements sntrup761, so this is our own TypeScript after the
 * specification; the reference implementation (supercop crypto_kem/sntrup761/ref, as
 * vendored in OpenSSH's and OpenIKED's sntrup761.c) was read for facts only: sizes,
 * randomness order and the hashing conventions below. Known-answer test: the NIST
 * KAT file's count = 0 entry (test/crypto/sntrup761.test.ts).
 *
 * Sizes: public key 1158 bytes (Rq encoding of h = g / (3f)), secret key 1763 bytes
 * (f, 1/g in R/3, the public key, rho and Hash4(pk)), ciphertext 1039 bytes (rounded
 * encoding of Round(h r), 1007 bytes, plus a 32-byte confirmation hash), key 32 bytes.
 *
 * Hashing: Hash_b(x) is the first 32 bytes of SHA-512(b || x) for a prefix byte b.
 * cache = Hash_4(pk); confirm = Hash_2(Hash_3(r_enc) || cache); session key =
 * Hash_b(Hash_3(r_enc) || ciphertext) with b = 1 for a ciphertext that re-encrypts
 * exactly, and b = 0 with rho in place of r_enc otherwise (implicit rejection).
 */
import { createHash } from 'node:crypto';
import { ROUNDED_BYTES, RQ_BYTES, SMALL_BYTES, roundedDecode, roundedEncode, rqDecode, rqEncode, smallDecode, smallEncode } from './sntrup761-encode';
import { P, W, nonzeroMask, r3FromRq, r3Mult, r3Recip, round3, rqMult3, rqMultSmall, rqRecip3, weightMask } from './sntrup761-poly';
import { shortRandom, smallRandom, systemRandom } from './sntrup761-sample';
import type { RandomSource } from './sntrup761-sample';

export type { RandomSource } from './sntrup761-sample';

const HASH_BYTES = 32;
export const SNTRUP761_PUBLIC_KEY_BYTES = RQ_BYTES;
export const SNTRUP761_CIPHERTEXT_BYTES = ROUNDED_BYTES + HASH_BYTES;
export const SNTRUP761_SECRET_KEY_BYTES = 2 * SMALL_BYTES + RQ_BYTES + SMALL_BYTES + HASH_BYTES;
export const SNTRUP761_SHARED_SECRET_BYTES = HASH_BYTES;

function hashPrefix(b: number, ...parts: Uint8Array[]): Buffer {
  const h = createHash('sha512').update(Uint8Array.of(b));
  for (const part of parts) h.update(part);
  const digest = h.digest();
  const out = Buffer.from(digest.subarray(0, HASH_BYTES));
  digest.fill(0);
  return out;
}

/** Run fn with the given random source, or with a buffered system source wiped afterwards. */
function withRandom<T>(random: RandomSource | undefined, fn: (random: RandomSource) => T): T {
  if (random) return fn(random);
  const sys = systemRandom();
  try {
    return fn(sys.source);
  } finally {
    sys.wipe();
  }
}

function wipe(...arrays: (Int8Array | Int16Array | Uint8Array)[]): void {
  for (const a of arrays) a.fill(0);
}

/** A fresh key pair. */
export function sntrup761Keypair(random?: RandomSource): { publicKey: Buffer; secretKey: Buffer } {
  return withRandom(random, (rnd) => {
    const ginv = new Int8Array(P);
    let g: Int8Array;
    for (;;) {
      g = smallRandom(rnd);
      if (r3Recip(ginv, g) === 0) break;
      g.fill(0);
    }
    const f = shortRandom(rnd);
    const finv3 = new Int16Array(P);
    rqRecip3(finv3, f); // always invertible for a Short f
    const h = rqMultSmall(finv3, g);
    const publicKey = rqEncode(h);
    const fEnc = smallEncode(f);
    const ginvEnc = smallEncode(ginv);
    const rho = Buffer.from(rnd(SMALL_BYTES));
    const secretKey = Buffer.concat([fEnc, ginvEnc, publicKey, rho, hashPrefix(4, publicKey)]);
    wipe(g, ginv, f, finv3, fEnc, ginvEnc, rho);
    return { publicKey, secretKey };
  });
}

/** Ciphertext (rounded encoding of Round(h r), then the confirmation hash) for input r. */
function hide(r: Int8Array, publicKey: Uint8Array, cache: Uint8Array): { ciphertext: Buffer; rEnc: Buffer } {
  const rEnc = smallEncode(r);
  const hr = rqMultSmall(rqDecode(publicKey), r);
  const hashed = hashPrefix(3, rEnc);
  const ciphertext = Buffer.concat([roundedEncode(round3(hr)), hashPrefix(2, hashed, cache)]);
  wipe(hr, hashed);
  return { ciphertext, rEnc };
}

function sessionKey(b: number, rEnc: Uint8Array, ciphertext: Uint8Array): Buffer {
  const hashed = hashPrefix(3, rEnc);
  const k = hashPrefix(b, hashed, ciphertext);
  hashed.fill(0);
  return k;
}

/** Encapsulate to a public key (1158 bytes): a ciphertext (1039 bytes) and a 32-byte key. */
export function sntrup761Encapsulate(publicKey: Uint8Array, random?: RandomSource): { ciphertext: Buffer; sharedSecret: Buffer } {
  if (publicKey.length !== SNTRUP761_PUBLIC_KEY_BYTES) {
    throw new RangeError(`sntrup761: public key is ${publicKey.length} bytes, expected ${SNTRUP761_PUBLIC_KEY_BYTES}`);
  }
  return withRandom(random, (rnd) => {
    const cache = hashPrefix(4, publicKey);
    const r = shortRandom(rnd);
    const { ciphertext, rEnc } = hide(r, publicKey, cache);
    const sharedSecret = sessionKey(1, rEnc, ciphertext);
    wipe(r, rEnc);
    return { ciphertext, sharedSecret };
  });
}

/** Decapsulate; a ciphertext that does not re-encrypt exactly gives an unrelated key (no error). */
export function sntrup761Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Buffer {
  if (ciphertext.length !== SNTRUP761_CIPHERTEXT_BYTES) {
    throw new RangeError(`sntrup761: ciphertext is ${ciphertext.length} bytes, expected ${SNTRUP761_CIPHERTEXT_BYTES}`);
  }
  if (secretKey.length !== SNTRUP761_SECRET_KEY_BYTES) {
    throw new RangeError(`sntrup761: secret key is ${secretKey.length} bytes, expected ${SNTRUP761_SECRET_KEY_BYTES}`);
  }
  let at = 0;
  const take = (n: number): Uint8Array => secretKey.subarray(at, (at += n));
  const f = smallDecode(take(SMALL_BYTES));
  const ginv = smallDecode(take(SMALL_BYTES));
  const publicKey = take(RQ_BYTES);
  const rho = take(SMALL_BYTES);
  const cache = take(HASH_BYTES);

  // r = (3 c f mod 3) / g, or the fixed weight-w vector if that is not of weight w
  const cf = rqMultSmall(roundedDecode(ciphertext.subarray(0, ROUNDED_BYTES)), f);
  const cf3 = rqMult3(cf);
  const e = r3FromRq(cf3);
  const ev = r3Mult(e, ginv);
  const bad = weightMask(ev);
  const r = new Int8Array(P);
  for (let i = 0; i < W; i++) r[i] = ((ev[i] ^ 1) & ~bad) ^ 1;
  for (let i = W; i < P; i++) r[i] = ev[i] & ~bad;

  const { ciphertext: again, rEnc } = hide(r, publicKey, cache);
  let diff = 0;
  for (let i = 0; i < SNTRUP761_CIPHERTEXT_BYTES; i++) diff |= ciphertext[i] ^ again[i];
  const reject = nonzeroMask(diff); // 0 if the ciphertext re-encrypts exactly, else -1
  for (let i = 0; i < SMALL_BYTES; i++) rEnc[i] ^= reject & (rEnc[i] ^ rho[i]);
  const k = sessionKey(1 + reject, rEnc, ciphertext);
  wipe(f, ginv, cf, cf3, e, ev, r, rEnc, again);
  return k;
}
