/**
 * sntrup761x25519: OpenIKED's hybrid post-quantum key exchange, private-use group
 * 1035 (DH.SNTRUP761X25519), compatible with OpenIKED's iked/dh.c (kemsx_*), which
 * follows OpenSSH's sntrup761x25519-sha512 (kexsntrup761x25519.c). Facts read there:
 *
 * - Initiator's KE value: sntrup761 public key (1158 bytes) || X25519 public key
 *   (32 bytes) = 1190 bytes.
 * - Responder's KE value: sntrup761 ciphertext (1039 bytes) encapsulated to that
 *   public key || the responder's X25519 public key (32 bytes) = 1071 bytes.
 * - Shared secret: SHA-512(KEM key (32 bytes) || X25519 shared secret (32 bytes)),
 *   all 64 bytes, KEM key first, on both sides: the buffer kemsx_create_shared2()
 *   returns as the group's shared secret, i.e. the g^ir of SKEYSEED = prf(Ni | Nr, g^ir).
 * - The responder keeps a fresh X25519 key of its own (it does not reuse the
 *   initiator's); each side checks the peer's value for its exact length.
 *
 * We also refuse an all-zero X25519 result (a low-order peer point), as for group 31;
 * OpenIKED does not check, but an honest peer never produces one.
 */
import { createHash } from 'node:crypto';
import { DH } from '../wire/iana';
import { createEcxExchange } from './ecx-exchange';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';
import {
  SNTRUP761_CIPHERTEXT_BYTES,
  SNTRUP761_PUBLIC_KEY_BYTES,
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keypair,
} from './sntrup761';
import type { RandomSource } from './sntrup761';

const GROUP = DH.SNTRUP761X25519;
const NAME = 'SNTRUP761X25519';
const X25519_BYTES = 32;

export const SNTRUP761X25519_INITIATOR_BYTES = SNTRUP761_PUBLIC_KEY_BYTES + X25519_BYTES;
export const SNTRUP761X25519_RESPONDER_BYTES = SNTRUP761_CIPHERTEXT_BYTES + X25519_BYTES;

/** Injected randomness and X25519 scalar, for known-answer tests only. */
export interface Sntrup761X25519TestKeys {
  random?: RandomSource;
  x25519PrivateKey?: Buffer;
}

/** SHA-512(KEM key || X25519 secret); both inputs are zeroed. */
function combine(kemKey: Buffer, dhSecret: Buffer): Buffer {
  const secret = createHash('sha512').update(kemKey).update(dhSecret).digest();
  kemKey.fill(0);
  dhSecret.fill(0);
  return secret;
}

function expectLength(what: string, value: Buffer, want: number): void {
  if (value.length !== want) throw new KeyExchangeError(`${NAME}: ${what} is ${value.length} bytes, expected ${want}`);
}

/** The initiator: sntrup761 key pair and X25519 key; computeSecret takes the responder's 1071 bytes. */
export function createSntrup761X25519Exchange(keys: Sntrup761X25519TestKeys = {}): KeyExchange {
  const { publicKey: kemPublic, secretKey } = sntrup761Keypair(keys.random);
  let kemSecret: Buffer | null = secretKey;
  const ecx = createEcxExchange(GROUP, 'X25519', keys.x25519PrivateKey);
  return {
    group: GROUP,
    publicKey: Buffer.concat([kemPublic, ecx.publicKey]),
    computeSecret(peer: Buffer): Buffer {
      if (!kemSecret) throw new Error(`${NAME}: key exchange already disposed`);
      expectLength("responder's value (ciphertext || X25519 public key)", peer, SNTRUP761X25519_RESPONDER_BYTES);
      const dhSecret = ecx.computeSecret(peer.subarray(SNTRUP761_CIPHERTEXT_BYTES));
      const kemKey = sntrup761Decapsulate(peer.subarray(0, SNTRUP761_CIPHERTEXT_BYTES), kemSecret);
      return combine(kemKey, dhSecret);
    },
    dispose(): void {
      kemSecret?.fill(0);
      kemSecret = null;
      ecx.dispose();
    },
  };
}

/** The responder in one step: encapsulate to the initiator's key, X25519 with a fresh key of ours. */
export function sntrup761X25519Respond(peer: Buffer, keys: Sntrup761X25519TestKeys = {}): { publicKey: Buffer; secret: Buffer } {
  expectLength("initiator's value (public key || X25519 public key)", peer, SNTRUP761X25519_INITIATOR_BYTES);
  const ecx = createEcxExchange(GROUP, 'X25519', keys.x25519PrivateKey);
  try {
    const dhSecret = ecx.computeSecret(peer.subarray(SNTRUP761_PUBLIC_KEY_BYTES));
    const { ciphertext, sharedSecret } = sntrup761Encapsulate(peer.subarray(0, SNTRUP761_PUBLIC_KEY_BYTES), keys.random);
    return { publicKey: Buffer.concat([ciphertext, ecx.publicKey]), secret: combine(sharedSecret, dhSecret) };
  } finally {
    ecx.dispose();
  }
}
