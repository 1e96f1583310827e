import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DH } from '../../src/wire/iana';
import { createSntrup761X25519Exchange, sntrup761X25519Respond } from '../../src/crypto/sntrup761x25519-exchange';
import { createKeyExchange, importKeyExchange, keyExchangeLength, respondKeyExchange } from '../../src/crypto/key-exchange';
import { KeyExchangeError, UnsupportedTransformError } from '../../src/crypto/errors';
import { NistDrbg } from './nist-drbg';
import { hex, loadVectors } from './kat-vectors';

const G = DH.SNTRUP761X25519;
const kat = loadVectors<{ seed: string; pk: string[]; ct: string[]; ss: string }>('sntrup761-kat.json');

// RFC 7748 section 6.1
const ALICE = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUB = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
const BOB = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PUB = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const X25519_K = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');

testBothPaths('sntrup761x25519: OpenIKED layout from known answers (sntrup761 KAT count 0 + RFC 7748 6.1)', () => {
  const drbg = new NistDrbg(hex(kat.seed));
  const random = (n: number): Buffer => drbg.randomBytes(n);
  const i = createSntrup761X25519Exchange({ random, x25519PrivateKey: ALICE });
  // initiator: sntrup761 public key || X25519 public key
  assert.deepEqual(i.publicKey, Buffer.concat([hex(kat.pk), ALICE_PUB]));
  const r = sntrup761X25519Respond(i.publicKey, { random, x25519PrivateKey: BOB });
  // responder: ciphertext || X25519 public key
  assert.deepEqual(r.publicKey, Buffer.concat([hex(kat.ct), BOB_PUB]));
  // shared secret: SHA-512(KEM key || X25519 secret), 64 bytes
  const expected = createHash('sha512').update(hex(kat.ss)).update(X25519_K).digest();
  assert.deepEqual(r.secret, expected);
  assert.deepEqual(i.computeSecret(r.publicKey), expected);
  i.dispose();
  assert.throws(() => i.computeSecret(r.publicKey), /disposed/);
});

testBothPaths('sntrup761x25519 through the registry: lengths by role, agreement, fresh values', () => {
  assert.equal(keyExchangeLength(G), 1190);
  assert.equal(keyExchangeLength(G, 'responder'), 1071);
  const i = createKeyExchange(G);
  assert.equal(i.group, G);
  assert.equal(i.publicKey.length, 1190);
  const r1 = respondKeyExchange(G, i.publicKey);
  const r2 = respondKeyExchange(G, i.publicKey);
  assert.equal(r1.publicKey.length, 1071);
  assert.equal(r1.secret.length, 64);
  assert.notDeepEqual(r1.publicKey.subarray(1039), r2.publicKey.subarray(1039), 'fresh X25519 key per response');
  assert.deepEqual(i.computeSecret(r1.publicKey), r1.secret);
  assert.deepEqual(i.computeSecret(r2.publicKey), r2.secret);
  i.dispose();
});

testBothPaths('sntrup761x25519: tampering — ciphertext (implicit rejection) or X25519 part changes the secret; low-order X25519 refused', () => {
  const i = createKeyExchange(G);
  const r = respondKeyExchange(G, i.publicKey);
  const ct = Buffer.from(r.publicKey);
  ct[100] ^= 0x01;
  assert.notDeepEqual(i.computeSecret(ct), r.secret);
  const dh = Buffer.from(r.publicKey);
  dh[1039 + 5] ^= 0x01;
  assert.notDeepEqual(i.computeSecret(dh), r.secret);
  const zero = Buffer.from(r.publicKey);
  zero.fill(0, 1039);
  assert.throws(() => i.computeSecret(zero), KeyExchangeError);
  const lowInit = Buffer.from(i.publicKey);
  lowInit.fill(0, 1158);
  assert.throws(() => respondKeyExchange(G, lowInit), KeyExchangeError);
  i.dispose();
});

testBothPaths('sntrup761x25519: wrong lengths refused with KeyExchangeError; no private-key import', () => {
  const i = createKeyExchange(G);
  const r = respondKeyExchange(G, i.publicKey);
  assert.throws(() => respondKeyExchange(G, i.publicKey.subarray(1)), /initiator's value .* is 1189 bytes, expected 1190/);
  assert.throws(() => respondKeyExchange(G, r.publicKey), KeyExchangeError, 'a responder value where an initiator value belongs');
  assert.throws(() => i.computeSecret(r.publicKey.subarray(1)), /responder's value .* is 1070 bytes, expected 1071/);
  assert.throws(() => i.computeSecret(i.publicKey), KeyExchangeError, 'an initiator value where a responder value belongs');
  assert.throws(() => importKeyExchange(G, Buffer.alloc(32)), UnsupportedTransformError);
  i.dispose();
});
