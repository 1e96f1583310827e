import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { PRF } from '../../src/wire/iana';
import { prfById } from '../../src/crypto/prf';
import { prfPlus } from '../../src/crypto/prf-plus';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 7296 2.13 written out by hand with raw HMAC-SHA256 calls. */
function handChain(key: Buffer, seed: Buffer, n: number): Buffer {
  const t1 = createHmac('sha256', key).update(Buffer.concat([seed, Buffer.from([1])])).digest();
  const t2 = createHmac('sha256', key).update(Buffer.concat([t1, seed, Buffer.from([2])])).digest();
  const t3 = createHmac('sha256', key).update(Buffer.concat([t2, seed, Buffer.from([3])])).digest();
  return Buffer.concat([t1, t2, t3]).subarray(0, n);
}

testBothPaths('prf+ equals the hand-written T1 | T2 | T3 chain (HMAC-SHA256), truncated', () => {
  const prf = prfById(PRF.HMAC_SHA2_256);
  const key = Buffer.from('prf+ key material for the test');
  const seed = Buffer.from('Ni | Nr | SPIi | SPIr');
  for (const n of [0, 1, 31, 32, 33, 64, 80, 96]) {
    assert.deepEqual(prfPlus(prf, key, seed, n), handChain(key, seed, n), `length ${n}`);
  }
});

testBothPaths('prf+ against the NIST CAVP SP 800-135 IKEv2 sample (SHA-1, 1056-bit DKM)', () => {
  const prf = prfById(PRF.HMAC_SHA1);
  const skeyseed = h('a9a7b222b59f8f48645f28a1db5b5f5d7479cba7');
  const seed = h('32b50d5f4a3763f3 9206a04b26564cb1 34c9e7c188868785 3ff77d760d2b2199');
  assert.deepEqual(
    prfPlus(prf, skeyseed, seed, 132),
    h(`a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd11198af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4`),
  );
});

testBothPaths('prf+ refuses more than 255 iterations', () => {
  const prf = prfById(PRF.HMAC_SHA1);
  assert.equal(prfPlus(prf, Buffer.alloc(20), Buffer.alloc(4), 255 * 20).length, 255 * 20);
  assert.throws(() => prfPlus(prf, Buffer.alloc(20), Buffer.alloc(4), 255 * 20 + 1), /255/);
  assert.throws(() => prfPlus(prf, Buffer.alloc(20), Buffer.alloc(4), -1), RangeError);
});
