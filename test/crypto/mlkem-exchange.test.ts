import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DH, DhGroup } from '../../src/wire/iana';
import { checkEncapsulationKey, createMlKemExchange, mlkemLengths, mlkemRespond } from '../../src/crypto/mlkem-exchange';
import { importKeyExchange, keyExchangeLength, respondKeyExchange } from '../../src/crypto/key-exchange';
import { KeyExchangeError } from '../../src/crypto/errors';
import { hex, loadVectors } from './kat-vectors';

interface MlKemVectors {
  parameterSet: string;
  keyGen: { tcId: number; d: string; z: string; hEk: string }[];
  encapDecap: { tcId: number; dk: string; m: string; c: string; k: string }[];
}

const SETS = [
  { group: DH.ML_KEM_512, k: 2, file: 'mlkem-512.json', ek: 800, ct: 768 },
  { group: DH.ML_KEM_768, k: 3, file: 'mlkem-768.json', ek: 1184, ct: 1088 },
  { group: DH.ML_KEM_1024, k: 4, file: 'mlkem-1024.json', ek: 1568, ct: 1568 },
];

const sha3 = (b: Buffer): Buffer => createHash('sha3-256').update(b).digest();

/** Set coefficient i of an encoded key (12 bits each, little-endian pairs in 3 bytes) to value. */
function setCoefficient(ek: Buffer, i: number, value: number): void {
  const at = 3 * (i >> 1);
  if (i & 1) {
    ek[at + 1] = (ek[at + 1] & 0x0f) | ((value & 0x0f) << 4);
    ek[at + 2] = value >> 4;
  } else {
    ek[at] = value & 0xff;
    ek[at + 1] = (ek[at + 1] & 0xf0) | (value >> 8);
  }
}

for (const set of SETS) {
  const name = DhGroup.name(set.group);
  const v = loadVectors<MlKemVectors>(set.file);

  test(`${name}: ACVP keyGen — the seed d || z gives the expected ek (its H(ek) from the ACVP dk)`, () => {
    assert.equal(v.parameterSet.replace(/-/g, '_'), name);
    assert.ok(v.keyGen.length >= 3);
    for (const t of v.keyGen) {
      const kx = importKeyExchange(set.group, hex(t.d + t.z));
      assert.equal(kx.publicKey.length, set.ek);
      assert.deepEqual(sha3(kx.publicKey), hex(t.hEk), `tcId ${t.tcId}`);
      kx.dispose();
    }
  });

  test(`${name}: ACVP encapsulation with fixed m gives c and K; the expanded dk decapsulates c to K`, () => {
    for (const t of v.encapDecap) {
      const dk = hex(t.dk);
      const ek = dk.subarray(384 * set.k, 768 * set.k + 32);
      const r = mlkemRespond(set.group, ek, hex(t.m));
      assert.deepEqual(r.publicKey, hex(t.c), `c, tcId ${t.tcId}`);
      assert.deepEqual(r.secret, hex(t.k), `K, tcId ${t.tcId}`);
      const kx = importKeyExchange(set.group, dk);
      assert.deepEqual(kx.publicKey, ek);
      assert.deepEqual(kx.computeSecret(hex(t.c)), hex(t.k), `decapsulated K, tcId ${t.tcId}`);
      kx.dispose();
    }
  });

  test(`${name}: implicit rejection — a modified ciphertext gives K' = J(z || c') (FIPS 203 alg. 18), no error`, () => {
    const t = v.encapDecap[0];
    const dk = hex(t.dk);
    const z = dk.subarray(dk.length - 32);
    const kx = importKeyExchange(set.group, dk);
    for (const at of [0, set.ct >> 1, set.ct - 1]) {
      const c = hex(t.c);
      c[at] ^= 0x01;
      const k = kx.computeSecret(c);
      assert.notDeepEqual(k, hex(t.k), `byte ${at}`);
      const j = createHash('shake256', { outputLength: 32 }).update(z).update(c).digest();
      assert.deepEqual(k, j, `byte ${at}`);
    }
    kx.dispose();
  });

  test(`${name}: round trip, wire lengths by role, a fresh key each time`, () => {
    assert.deepEqual(mlkemLengths(set.group), { encapsulationKey: set.ek, ciphertext: set.ct });
    assert.equal(keyExchangeLength(set.group), set.ek);
    assert.equal(keyExchangeLength(set.group, 'initiator'), set.ek);
    assert.equal(keyExchangeLength(set.group, 'responder'), set.ct);
    const a = createMlKemExchange(set.group);
    const b = createMlKemExchange(set.group);
    assert.equal(a.group, set.group);
    assert.equal(a.publicKey.length, set.ek);
    assert.notDeepEqual(a.publicKey, b.publicKey);
    const r1 = respondKeyExchange(set.group, a.publicKey);
    const r2 = respondKeyExchange(set.group, a.publicKey);
    assert.equal(r1.publicKey.length, set.ct);
    assert.equal(r1.secret.length, 32);
    assert.notDeepEqual(r1.publicKey, r2.publicKey);
    assert.deepEqual(a.computeSecret(r1.publicKey), r1.secret);
    assert.deepEqual(a.computeSecret(r2.publicKey), r2.secret);
    // b's decapsulation of a ciphertext meant for a: implicitly rejected, a different key
    assert.notDeepEqual(b.computeSecret(r1.publicKey), r1.secret);
    a.dispose();
    assert.throws(() => a.computeSecret(r1.publicKey), /disposed/);
    b.dispose();
  });

  test(`${name}: an encapsulation key with a coefficient >= q is refused (modulus check)`, () => {
    const { publicKey } = createMlKemExchange(set.group);
    checkEncapsulationKey(set.group, publicKey);
    for (const [i, value] of [[0, 3329], [1, 3329], [5, 4095], [256 * set.k - 1, 3329]] as const) {
      const ek = Buffer.from(publicKey);
      setCoefficient(ek, i, value);
      assert.throws(() => respondKeyExchange(set.group, ek), (e: Error) => e instanceof KeyExchangeError && e.message.includes(`coefficient ${i} is ${value}`) && /modulus check/.test(e.message), `coefficient ${i} = ${value}`);
    }
    // 3328 = q - 1 is a legal coefficient
    const ok = Buffer.from(publicKey);
    setCoefficient(ok, 0, 3328);
    assert.equal(respondKeyExchange(set.group, ok).publicKey.length, set.ct);
  });

  test(`${name}: wrong lengths are refused with KeyExchangeError`, () => {
    const a = createMlKemExchange(set.group);
    const r = respondKeyExchange(set.group, a.publicKey);
    assert.throws(() => respondKeyExchange(set.group, a.publicKey.subarray(1)), /encapsulation key is \d+ bytes, expected/);
    assert.throws(() => respondKeyExchange(set.group, Buffer.concat([a.publicKey, Buffer.alloc(1)])), KeyExchangeError);
    assert.throws(() => a.computeSecret(r.publicKey.subarray(1)), /ciphertext is \d+ bytes, expected/);
    assert.throws(() => a.computeSecret(Buffer.concat([r.publicKey, Buffer.alloc(1)])), KeyExchangeError);
    assert.throws(() => a.computeSecret(Buffer.alloc(0)), KeyExchangeError);
    a.dispose();
  });

  test(`${name}: importKeyExchange checks the expanded key (length, H(ek)) and the seed length`, () => {
    const dk = hex(v.encapDecap[0].dk);
    const bad = Buffer.from(dk);
    bad[384 * set.k + 5] ^= 0x10; // ek changed, H(ek) not
    assert.throws(() => importKeyExchange(set.group, bad), /hash check/);
    assert.throws(() => importKeyExchange(set.group, dk.subarray(1)), RangeError);
    assert.throws(() => importKeyExchange(set.group, Buffer.alloc(63)), RangeError);
  });
}

test('ML-KEM: dispose drops our copy of the key (computeSecret throws), the caller\'s buffer is left alone', () => {
  const dk = hex(loadVectors<MlKemVectors>('mlkem-512.json').encapDecap[0].dk);
  const kx = importKeyExchange(DH.ML_KEM_512, dk);
  kx.dispose();
  assert.ok(dk.some((b) => b !== 0), 'the caller\'s copy is untouched');
  assert.throws(() => kx.computeSecret(Buffer.alloc(768)), /disposed/);
});
