/** RFC 8784 3: the PPK changes SK_d, SK_pi and SK_pr through prf+ keyed by the PPK. */
import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { PRF } from '../../src/wire/iana';
import { prfById } from '../../src/crypto/prf';
import { derivePpkKeys } from '../../src/crypto/keymat';

/** prf+ written out with HMAC: T1 = HMAC(K, S | 1), Tn = HMAC(K, Tn-1 | S | n). */
function hmacPrfPlus(hash: string, key: Buffer, seed: Buffer, len: number): Buffer {
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let n = 1; Buffer.concat(out).length < len; n++) {
    t = createHmac(hash, key).update(Buffer.concat([t, seed, Buffer.from([n])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, len);
}

const keys = () => ({ skD: Buffer.alloc(32, 0xd1), skPi: Buffer.alloc(32, 0xa1), skPr: Buffer.alloc(32, 0xb1) });
const PPK = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef', 'utf8');

for (const [id, hash, len] of [[PRF.HMAC_SHA2_256, 'sha256', 32], [PRF.HMAC_SHA2_512, 'sha512', 64], [PRF.HMAC_SHA1, 'sha1', 20]] as const) {
  testBothPaths(`${hash}: SK_d', SK_pi', SK_pr' = prf+(PPK, old key), each of the old length`, () => {
    const prf = prfById(id);
    const k = { skD: Buffer.alloc(len, 0xd1), skPi: Buffer.alloc(len, 0xa1), skPr: Buffer.alloc(len, 0xb1) };
    const before = { skD: Buffer.from(k.skD), skPi: Buffer.from(k.skPi), skPr: Buffer.from(k.skPr) };
    const n = derivePpkKeys(prf, PPK, k);
    for (const name of ['skD', 'skPi', 'skPr'] as const) {
      assert.equal(n[name].length, len, name);
      assert.deepEqual(n[name], hmacPrfPlus(hash, PPK, before[name], len), name);
      assert.deepEqual(k[name], before[name], `${name} input left as it was`);
    }
  });
}

testBothPaths('a different PPK gives different keys; the three keys differ from each other', () => {
  const prf = prfById(PRF.HMAC_SHA2_256);
  const a = derivePpkKeys(prf, PPK, keys());
  const b = derivePpkKeys(prf, Buffer.from('another post-quantum preshared key!!'), keys());
  assert.notDeepEqual(a.skD, b.skD);
  assert.notDeepEqual(a.skPi, b.skPi);
  assert.notDeepEqual(a.skD, a.skPi);
  assert.notDeepEqual(a.skPi, a.skPr);
});

testBothPaths('AES-XCBC PRF: prf+ keyed by a PPK longer than the AES key, 16-byte keys', () => {
  const prf = prfById(PRF.AES128_XCBC);
  const k = { skD: Buffer.alloc(16, 1), skPi: Buffer.alloc(16, 2), skPr: Buffer.alloc(16, 3) };
  const n = derivePpkKeys(prf, PPK, k);
  assert.deepEqual(n.skD, prf.compute(PPK, k.skD, Buffer.from([1])));
  assert.equal(n.skPr.length, 16);
});

testBothPaths('an empty PPK is refused', () => {
  assert.throws(() => derivePpkKeys(prfById(PRF.HMAC_SHA2_256), Buffer.alloc(0), keys()), /empty PPK/);
});
