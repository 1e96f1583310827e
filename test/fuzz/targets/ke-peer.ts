/**
 * The peer's value of a post-quantum key exchange (KE payload data): ML-KEM encapsulation
 * keys and ciphertexts, sntrup761x25519 public keys and ciphertexts, as the responder
 * (respondKeyExchange) and as the initiator (computeSecret). KeyExchangeError only.
 * Seeds: valid values of each group, made fresh (they are random by nature).
 */
import fc from 'fast-check';
import { KeyExchangeError } from '../../../src/crypto/errors';
import { createKeyExchange, respondKeyExchange, type KeyExchange } from '../../../src/crypto/key-exchange';
import { DH } from '../../../src/wire/iana';
import { bytesFrom, check, decodeOnly, FuzzTarget } from '../harness';

const GROUPS = [DH.ML_KEM_512, DH.ML_KEM_768, DH.ML_KEM_1024, DH.SNTRUP761X25519] as const;

/** One initiator per group (sntrup761 key generation is slow); ciphertexts come from answering it. */
let initiators: Map<number, KeyExchange> | null = null;
function initiator(g: number): KeyExchange {
  initiators ??= new Map(GROUPS.map((x) => [x, createKeyExchange(x)]));
  return initiators.get(g)!;
}

const seeds = (): Buffer[] => GROUPS.flatMap((g) => [initiator(g).publicKey, respondKeyExchange(g, initiator(g).publicKey).publicKey]);

export const target: FuzzTarget<[Buffer, number, boolean]> = {
  name: 'ke-peer',
  sources: ['src/crypto/mlkem-exchange.ts', 'src/crypto/sntrup761.ts', 'src/crypto/sntrup761-encode.ts', 'src/crypto/sntrup761x25519-exchange.ts', 'src/crypto/key-exchange.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 2048), fc.constantFrom(...GROUPS), fc.boolean()),
  run([value, group, asResponder]) {
    const ok = (e: unknown): boolean => e instanceof KeyExchangeError;
    if (asResponder) {
      const r = decodeOnly('respondKeyExchange', () => respondKeyExchange(group, value), ok);
      if (r) check(r.secret.length > 0 && r.publicKey.length > 0, 'an accepted value gives a secret and our answer');
      return;
    }
    const s = decodeOnly('computeSecret', () => initiator(group).computeSecret(value), ok);
    if (s) check(s.length > 0, 'an accepted ciphertext gives a secret');
  },
};
