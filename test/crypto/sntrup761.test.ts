import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  SNTRUP761_CIPHERTEXT_BYTES,
  SNTRUP761_PUBLIC_KEY_BYTES,
  SNTRUP761_SECRET_KEY_BYTES,
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keypair,
} from '../../src/crypto/sntrup761';
import { roundedDecode, roundedEncode, rqDecode, rqEncode, smallDecode, smallEncode } from '../../src/crypto/sntrup761-encode';
import { P, Q, f3Freeze, fqFreeze, fqRecip, r3Mult, r3Recip, round3 } from '../../src/crypto/sntrup761-poly';
import { shortRandom, sortNetwork } from '../../src/crypto/sntrup761-sample';
import { NistDrbg } from './nist-drbg';
import { hex, loadVectors } from './kat-vectors';

interface SntrupKat {
  seed: string;
  seedCount1: string;
  pk: string[];
  skFG: string[];
  skRhoCache: string[];
  ct: string[];
  ss: string;
}

const kat = loadVectors<SntrupKat>('sntrup761-kat.json');
const katPk = hex(kat.pk);
const katSk = Buffer.concat([hex(kat.skFG), katPk, hex(kat.skRhoCache)]);
const katCt = hex(kat.ct);

test('NIST KAT DRBG: the generator seeded with 0..47 yields the KAT file\'s count 0 and 1 seeds', () => {
  const outer = new NistDrbg(Buffer.from(Array.from({ length: 48 }, (_, i) => i)));
  assert.deepEqual(outer.randomBytes(48), hex(kat.seed));
  assert.deepEqual(outer.randomBytes(48), hex(kat.seedCount1));
});

test('sntrup761: NIST KAT count = 0 (keypair, encapsulation, decapsulation)', () => {
  assert.equal(katPk.length, SNTRUP761_PUBLIC_KEY_BYTES);
  assert.equal(katSk.length, SNTRUP761_SECRET_KEY_BYTES);
  assert.equal(katCt.length, SNTRUP761_CIPHERTEXT_BYTES);
  const drbg = new NistDrbg(hex(kat.seed));
  const random = (n: number): Buffer => drbg.randomBytes(n);
  const { publicKey, secretKey } = sntrup761Keypair(random);
  assert.deepEqual(publicKey, katPk);
  assert.deepEqual(secretKey, katSk);
  const { ciphertext, sharedSecret } = sntrup761Encapsulate(publicKey, random);
  assert.deepEqual(ciphertext, katCt);
  assert.deepEqual(sharedSecret, hex(kat.ss));
  assert.deepEqual(sntrup761Decapsulate(katCt, katSk), hex(kat.ss));
});

test('sntrup761: implicit rejection — a tampered ciphertext gives Hash_0(Hash_3(rho) || c), no error', () => {
  const rho = hex(kat.skRhoCache).subarray(0, 191);
  const hashPrefix = (b: number, ...parts: Buffer[]): Buffer => createHash('sha512').update(Buffer.from([b])).update(Buffer.concat(parts)).digest().subarray(0, 32);
  for (const at of [0, 500, 1006, 1007, 1038]) {
    const c = Buffer.from(katCt);
    c[at] ^= 0x04;
    const k = sntrup761Decapsulate(c, katSk);
    assert.notDeepEqual(k, hex(kat.ss), `byte ${at}`);
    assert.deepEqual(k, hashPrefix(0, hashPrefix(3, rho), c), `byte ${at}`);
  }
});

test('sntrup761: round trips with system randomness; keys and ciphertexts differ', () => {
  const a = sntrup761Keypair();
  const b = sntrup761Keypair();
  assert.equal(a.publicKey.length, SNTRUP761_PUBLIC_KEY_BYTES);
  assert.equal(a.secretKey.length, SNTRUP761_SECRET_KEY_BYTES);
  assert.notDeepEqual(a.publicKey, b.publicKey);
  for (let i = 0; i < 3; i++) {
    const e = sntrup761Encapsulate(a.publicKey);
    assert.equal(e.ciphertext.length, SNTRUP761_CIPHERTEXT_BYTES);
    assert.deepEqual(sntrup761Decapsulate(e.ciphertext, a.secretKey), e.sharedSecret);
    assert.notDeepEqual(sntrup761Decapsulate(e.ciphertext, b.secretKey), e.sharedSecret);
  }
});

test('sntrup761: wrong lengths are RangeError', () => {
  assert.throws(() => sntrup761Encapsulate(katPk.subarray(1)), /public key is 1157 bytes, expected 1158/);
  assert.throws(() => sntrup761Decapsulate(katCt.subarray(1), katSk), /ciphertext is 1038 bytes, expected 1039/);
  assert.throws(() => sntrup761Decapsulate(Buffer.concat([katCt, Buffer.alloc(1)]), katSk), RangeError);
  assert.throws(() => sntrup761Decapsulate(katCt, katSk.subarray(1)), /secret key/);
});

test('sntrup761 encodings: decode(encode(x)) = x for R/q, rounded and small; junk decodes into range', () => {
  const rq = Int16Array.from({ length: P }, () => fqFreeze(randomBytes(2).readUInt16LE()));
  assert.deepEqual(rqDecode(rqEncode(rq)), rq);
  const extremes = Int16Array.from({ length: P }, (_, i) => (i & 1 ? (Q - 1) / 2 : -(Q - 1) / 2));
  assert.deepEqual(rqDecode(rqEncode(extremes)), extremes);
  const rounded = round3(rq);
  assert.ok(rounded.every((x) => x % 3 === 0));
  assert.deepEqual(roundedDecode(roundedEncode(rounded)), rounded);
  const small = shortRandom((n) => randomBytes(n));
  assert.deepEqual(smallDecode(smallEncode(small)), small);
  const junk = rqDecode(Buffer.alloc(1158, 0xff));
  assert.ok(junk.every((x) => x >= -(Q - 1) / 2 && x <= (Q - 1) / 2));
});

test('sntrup761 sampling: Short has weight 286 with values -1/1, the sorting network sorts', () => {
  for (let i = 0; i < 3; i++) {
    const s = shortRandom((n) => randomBytes(n));
    assert.equal(s.filter((x) => x !== 0).length, 286);
    assert.ok(s.every((x) => x >= -1 && x <= 1));
  }
  for (const n of [1, 2, 3, 7, 64, 100, 761]) {
    const words = Array.from({ length: n }, () => randomBytes(4).readUInt32LE());
    if (n > 4) words[3] = words[1]; // a tie
    const a = Int32Array.from(words, (w) => (w ^ 0x80000000) | 0);
    sortNetwork(a);
    assert.deepEqual(Array.from(a, (x) => (x ^ 0x80000000) >>> 0), [...words].sort((x, y) => x - y), `n = ${n}`);
  }
});

test('sntrup761 arithmetic: the freezes agree with true centred remainders over their whole stated domains', () => {
  const centred = (x: number, m: number): number => {
    const r = ((x % m) + m) % m;
    return r > (m - 1) / 2 ? r - m : r;
  };
  for (let x = -12287; x < 12288; x++) assert.equal(f3Freeze(x), centred(x, 3), `f3Freeze(${x})`);
  const limit = Q * 4096 - Q;
  for (let x = -limit + 1; x < limit; x += 13) assert.equal(fqFreeze(x), centred(x, Q), `fqFreeze(${x})`);
  for (const x of [-limit + 1, limit - 1, -Q, Q, -(Q - 1) / 2, (Q + 1) / 2, 2 * 2295 * 2295, -2 * 2295 * 2295]) assert.equal(fqFreeze(x), centred(x, Q), `fqFreeze(${x})`);
});

test('sntrup761 arithmetic: reciprocals in F_q and R/3', () => {
  for (const a of [1, 2, 3, 1000, -2295, 2295]) assert.equal(fqFreeze(a * fqRecip(a)), 1, `1/${a}`);
  // the KAT secret key holds 1/g in R/3; its reciprocal times itself is 1
  const ginv = smallDecode(hex(kat.skFG).subarray(191, 382));
  const g = new Int8Array(P);
  assert.equal(r3Recip(g, ginv), 0);
  const one = r3Mult(g, ginv);
  assert.equal(one[0], 1);
  assert.ok(one.subarray(1).every((x) => x === 0));
  assert.equal(r3Recip(new Int8Array(P), new Int8Array(P)), -1, 'zero is not invertible');
});
