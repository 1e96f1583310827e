import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { ENCR, INTEG, PRF } from '../../src/wire/iana';
import { prfById } from '../../src/crypto/prf';
import { prfPlus } from '../../src/crypto/prf-plus';
import { integById } from '../../src/crypto/integ';
import { encrById } from '../../src/crypto/encr';
import {
  computeRekeySkeyseed,
  computeSkeyseed,
  deriveChildKeys,
  deriveIkeSaKeys,
  deriveIkeSaKeysFromSecret,
  deriveRekeyedIkeSaKeys,
  wipe,
} from '../../src/crypto/keymat';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// NIST CAVP SP 800-135 IKEv2 KDF sample (SHA-1), as reproduced in libreswan's CAVS tool.
const V = {
  ni: h('32b50d5f4a3763f3'),
  nr: h('9206a04b26564cb1'),
  spiI: h('34c9e7c188868785'),
  spiR: h('3ff77d760d2b2199'),
  gir: h('4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52'),
  girNew: h('863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330'),
  skeyseed: h('a9a7b222b59f8f48645f28a1db5b5f5d7479cba7'),
  dkm: h(`a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd11198af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4`),
  dkmChild: h(`8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2d5e092d1f24e2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4`),
  dkmChildDh: h(`bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3ab14c400a5197dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c`),
  rekeySkeyseed: h('63e81194946ebd05df7df5ebf5d8750056bf1f1d'),
};

testBothPaths('SKEYSEED and the IKE SA key split match the CAVP IKEv2 vector', () => {
  const prf = prfById(PRF.HMAC_SHA1);
  const skeyseed = computeSkeyseed(prf, V.ni, V.nr, V.gir);
  assert.deepEqual(skeyseed, V.skeyseed);
  // SHA1 PRF (3 x 20) + HMAC-SHA1-96 keys (2 x 20) + AES-128 keys (2 x 16) = 132 bytes = the CAVP DKM
  const keys = deriveIkeSaKeys(prf, encrById(ENCR.AES_CBC, 128), integById(INTEG.HMAC_SHA1_96), skeyseed, V.ni, V.nr, V.spiI, V.spiR);
  const order = [keys.skD, keys.skAi, keys.skAr, keys.skEi, keys.skEr, keys.skPi, keys.skPr];
  assert.deepEqual(order.map((b) => b.length), [20, 20, 20, 16, 16, 20, 20]);
  assert.deepEqual(Buffer.concat(order), V.dkm);
});

testBothPaths('Child SA KEYMAT with and without PFS, and rekey SKEYSEED, match the CAVP vector', () => {
  const prf = prfById(PRF.HMAC_SHA1);
  const skD = V.dkm.subarray(0, 20);
  // 132 bytes = 2 x (16 + 50): encr then integ for I->R, then for R->I
  const noPfs = deriveChildKeys(prf, skD, V.ni, V.nr, null, 16, 50);
  assert.deepEqual(Buffer.concat([noPfs.encI, noPfs.integI, noPfs.encR, noPfs.integR]), V.dkmChild);
  assert.equal(noPfs.encI.length, 16);
  assert.equal(noPfs.integR.length, 50);
  const pfs = deriveChildKeys(prf, skD, V.ni, V.nr, V.girNew, 16, 50);
  assert.deepEqual(Buffer.concat([pfs.encI, pfs.integI, pfs.encR, pfs.integR]), V.dkmChildDh);
  assert.deepEqual(computeRekeySkeyseed(prf, skD, V.girNew, V.ni, V.nr), V.rekeySkeyseed);
});

testBothPaths('AEAD suites get empty SK_a and salt-extended SK_e', () => {
  const prf = prfById(PRF.HMAC_SHA2_256);
  const keys = deriveIkeSaKeys(prf, encrById(ENCR.AES_GCM_16, 256), null, Buffer.alloc(32, 7), V.ni, V.nr, V.spiI, V.spiR);
  assert.equal(keys.skAi.length, 0);
  assert.equal(keys.skAr.length, 0);
  assert.equal(keys.skEi.length, 36);
  assert.equal(keys.skD.length, 32);
  assert.equal(keys.skPr.length, 32);
  const expect = prfPlus(prf, Buffer.alloc(32, 7), Buffer.concat([V.ni, V.nr, V.spiI, V.spiR]), 32 + 72 + 64);
  assert.deepEqual(Buffer.concat([keys.skD, keys.skEi, keys.skEr, keys.skPi, keys.skPr]), expect);
  assert.throws(() => deriveIkeSaKeys(prf, encrById(ENCR.AES_CBC, 128), null, Buffer.alloc(32), V.ni, V.nr, V.spiI, V.spiR), /integrity/);
});

testBothPaths('fixed-key PRFs (AES-XCBC, AES-CMAC) key SKEYSEED with the first 8 bytes of each nonce', () => {
  const ni = Buffer.alloc(32, 0x11);
  const nr = Buffer.alloc(32, 0x22);
  ni[0] = 0xaa;
  nr[31] = 0xbb; // beyond the first 8 bytes: must not matter
  for (const id of [PRF.AES128_XCBC, PRF.AES128_CMAC]) {
    const prf = prfById(id);
    const expect = prf.compute(Buffer.concat([ni.subarray(0, 8), nr.subarray(0, 8)]), V.gir);
    assert.deepEqual(computeSkeyseed(prf, ni, nr, V.gir), expect, prf.name);
    assert.deepEqual(computeSkeyseed(prf, ni, Buffer.alloc(32, 0x22), V.gir), expect, prf.name);
  }
});

testBothPaths('from g^ir in one step (HKDF for HMAC PRFs): the CAVP vector, and the two-step result for every PRF', () => {
  const sha1 = prfById(PRF.HMAC_SHA1);
  const cbc = encrById(ENCR.AES_CBC, 128);
  const k = deriveIkeSaKeysFromSecret({ prf: sha1, encr: cbc, integ: integById(INTEG.HMAC_SHA1_96), ni: V.ni, nr: V.nr, spiI: V.spiI, spiR: V.spiR }, V.gir);
  assert.deepEqual(Buffer.concat([k.skD, k.skAi, k.skAr, k.skEi, k.skEr, k.skPi, k.skPr]), V.dkm);
  const ni = Buffer.alloc(32, 0x31);
  const nr = Buffer.alloc(48, 0x42);
  for (const id of [PRF.HMAC_MD5, PRF.HMAC_SHA1, PRF.HMAC_SHA2_256, PRF.HMAC_SHA2_384, PRF.HMAC_SHA2_512, PRF.AES128_XCBC, PRF.AES128_CMAC]) {
    const prf = prfById(id);
    assert.equal(!!prf.hmacHash, id !== PRF.AES128_XCBC && id !== PRF.AES128_CMAC, prf.name);
    for (const [encr, integ] of [
      [encrById(ENCR.AES_CBC, 256), integById(INTEG.HMAC_SHA2_512_256)],
      [encrById(ENCR.AES_GCM_16, 128), null],
    ] as const) {
      const skeyseed = computeSkeyseed(prf, ni, nr, V.gir);
      const two = deriveIkeSaKeys(prf, encr, integ, skeyseed, ni, nr, V.spiI, V.spiR);
      const inputs = { prf, encr, integ, ni, nr, spiI: V.spiI, spiR: V.spiR };
      assert.deepEqual(deriveIkeSaKeysFromSecret(inputs, V.gir), two, `${prf.name} ${encr.name}`);
      // rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the same PRF and with another
      for (const oldPrf of [prf, prfById(PRF.HMAC_SHA2_256)]) {
        const rs = computeRekeySkeyseed(oldPrf, two.skD, V.girNew, ni, nr);
        const want = deriveIkeSaKeys(prf, encr, integ, rs, ni, nr, V.spiI, V.spiR);
        const got = deriveRekeyedIkeSaKeys(oldPrf, two.skD, inputs, V.girNew);
        assert.deepEqual(got, want, `rekey ${oldPrf.name} -> ${prf.name}`);
      }
    }
  }
});

testBothPaths('wipe zeroes buffers and skips null/undefined', () => {
  const a = Buffer.alloc(8, 0xff);
  const b = Buffer.alloc(3, 1);
  wipe(a, null, undefined, b);
  assert.deepEqual(a, Buffer.alloc(8));
  assert.deepEqual(b, Buffer.alloc(3));
});
