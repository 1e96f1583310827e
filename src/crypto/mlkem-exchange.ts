/**
 * ML-KEM-512/768/1024 (FIPS 203) as IKEv2 key exchange methods 35/36/37, used
 * through the KeyExchange interface: the initiator's public value is the
 * encapsulation key ek (800/1184/1568 bytes) and computeSecret(ciphertext)
 * decapsulates; the responder encapsulates to ek in one step and sends the
 * ciphertext (768/1088/1568 bytes). The shared secret is the 32-byte K.
 *
 * The lattice arithmetic is the kept library @noble/post-quantum (0.4.1). The FIPS 203
 * input checks are enforced here, before the library is called: the encapsulation key
 * type check (exact length) and modulus check (section 7.2: every 12-bit coefficient
 * below q = 3329, i.e. ByteEncode12(ByteDecode12(ek)) == ek; the library's own check
 * decodes without reducing mod q and so passes any ek), the ciphertext type check
 * (exact length), and for an imported decapsulation key its type and hash checks
 * (section 7.3).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ml_kem1024, ml_kem512, ml_kem768 } from '@noble/post-quantum/ml-kem';
import { DH, DhGroup } from '../wire/iana';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';

type Kem = typeof ml_kem768;

interface MlKemParams {
  kem: Kem;
  /** module rank */
  k: number;
  /** ciphertext bytes: 32 (du k + dv) */
  ciphertext: number;
}

const PARAMS: ReadonlyMap<number, MlKemParams> = new Map([
  [DH.ML_KEM_512, { kem: ml_kem512, k: 2, ciphertext: 768 }],
  [DH.ML_KEM_768, { kem: ml_kem768, k: 3, ciphertext: 1088 }],
  [DH.ML_KEM_1024, { kem: ml_kem1024, k: 4, ciphertext: 1568 }],
]);

const Q = 3329;
const SEED_BYTES = 64;

function paramsOf(group: number): MlKemParams {
  const p = PARAMS.get(group);
  if (!p) throw new RangeError(`${DhGroup.name(group)} is not an ML-KEM group`);
  return p;
}

const ekLength = (k: number): number => 384 * k + 32;
const dkLength = (k: number): number => 768 * k + 96;

/** Wire lengths of an ML-KEM group: the initiator's ek and the responder's ciphertext. */
export function mlkemLengths(group: number): { encapsulationKey: number; ciphertext: number } {
  const p = paramsOf(group);
  return { encapsulationKey: ekLength(p.k), ciphertext: p.ciphertext };
}

/** FIPS 203 section 7.2 input checks on a peer's encapsulation key; KeyExchangeError if it fails. */
export function checkEncapsulationKey(group: number, ek: Uint8Array): void {
  const { k } = paramsOf(group);
  const name = DhGroup.name(group);
  if (ek.length !== ekLength(k)) {
    throw new KeyExchangeError(`${name}: encapsulation key is ${ek.length} bytes, expected ${ekLength(k)}`);
  }
  for (let i = 0; i < 384 * k; i += 3) {
    const c0 = ek[i] | ((ek[i + 1] & 0x0f) << 8);
    const c1 = (ek[i + 1] >> 4) | (ek[i + 2] << 4);
    if (c0 >= Q || c1 >= Q) {
      const at = (2 * i) / 3 + (c0 >= Q ? 0 : 1);
      throw new KeyExchangeError(`${name}: encapsulation key coefficient ${at} is ${c0 >= Q ? c0 : c1}, not below q = ${Q} (modulus check)`);
    }
  }
}

/** Copy a library output into a Buffer and zero the library's array. */
function take(secret: Uint8Array): Buffer {
  const out = Buffer.from(secret);
  secret.fill(0);
  return out;
}

/**
 * The responder's step: encapsulate to the initiator's ek. Returns the ciphertext (our
 * public value) and K. `message` (32 bytes) fixes the randomness m, for known-answer tests.
 */
export function mlkemRespond(group: number, ek: Buffer, message?: Uint8Array): { publicKey: Buffer; secret: Buffer } {
  const { kem } = paramsOf(group);
  checkEncapsulationKey(group, ek);
  if (message && message.length !== 32) throw new RangeError(`${DhGroup.name(group)}: encapsulation randomness must be 32 bytes`);
  const m = message ? Uint8Array.from(message) : randomBytes(32);
  try {
    const { cipherText, sharedSecret } = kem.encapsulate(ek, m);
    return { publicKey: Buffer.from(cipherText), secret: take(sharedSecret) };
  } finally {
    m.fill(0);
  }
}

/** Decapsulation key from a 64-byte seed d || z, or checked as an imported expanded key. */
function decapsulationKey(group: number, p: MlKemParams, privateKey?: Uint8Array): { ek: Buffer; dk: Uint8Array } {
  const name = DhGroup.name(group);
  if (!privateKey || privateKey.length === SEED_BYTES) {
    const seed = privateKey ? Uint8Array.from(privateKey) : randomBytes(SEED_BYTES);
    try {
      const { publicKey, secretKey } = p.kem.keygen(seed);
      return { ek: Buffer.from(publicKey), dk: secretKey };
    } finally {
      seed.fill(0);
    }
  }
  if (privateKey.length !== dkLength(p.k)) {
    throw new RangeError(`${name}: private key must be a ${SEED_BYTES}-byte seed (d || z) or a ${dkLength(p.k)}-byte decapsulation key`);
  }
  const ek = privateKey.subarray(384 * p.k, 768 * p.k + 32);
  const h = privateKey.subarray(768 * p.k + 32, 768 * p.k + 64);
  if (!createHash('sha3-256').update(ek).digest().equals(h)) {
    throw new RangeError(`${name}: decapsulation key fails the hash check H(ek) (FIPS 203 section 7.3)`);
  }
  return { ek: Buffer.from(ek), dk: Uint8Array.from(privateKey) };
}

/**
 * The initiator's side: a key pair whose public value is ek; computeSecret decapsulates
 * the responder's ciphertext. privateKey (known-answer tests only) is the seed d || z
 * or an expanded decapsulation key.
 */
export function createMlKemExchange(group: number, privateKey?: Uint8Array): KeyExchange {
  const p = paramsOf(group);
  const name = DhGroup.name(group);
  const keys = decapsulationKey(group, p, privateKey);
  let dk: Uint8Array | null = keys.dk;
  return {
    group,
    publicKey: keys.ek,
    computeSecret(ciphertext: Buffer): Buffer {
      if (!dk) throw new Error(`${name}: key exchange already disposed`);
      if (ciphertext.length !== p.ciphertext) {
        throw new KeyExchangeError(`${name}: ciphertext is ${ciphertext.length} bytes, expected ${p.ciphertext}`);
      }
      return take(p.kem.decapsulate(ciphertext, dk));
    },
    dispose(): void {
      dk?.fill(0);
      dk = null;
    },
  };
}
