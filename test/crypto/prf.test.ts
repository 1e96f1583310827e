import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { PRF } from '../../src/wire/iana';
import { prfById, supportedPrfIds } from '../../src/crypto/prf';
import { aesXcbcMac } from '../../src/crypto/aes-xcbc';
import { aesCmac } from '../../src/crypto/aes-cmac';
import { UnsupportedTransformError } from '../../src/crypto/errors';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const seq = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));

testBothPaths('HMAC-SHA1 PRF: RFC 2202 test cases 1 and 2', () => {
  const p = prfById(PRF.HMAC_SHA1);
  assert.equal(p.outLen, 20);
  assert.equal(p.keyLen, 20);
  assert.deepEqual(p.compute(Buffer.alloc(20, 0x0b), Buffer.from('Hi There')), h('b617318655057264e28bc0b6fb378c8ef146be00'));
  assert.deepEqual(
    p.compute(Buffer.from('Jefe'), Buffer.from('what do ya want '), Buffer.from('for nothing?')),
    h('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'),
  );
});

testBothPaths('HMAC-SHA2 PRFs: RFC 4231 test cases 1 and 2', () => {
  const cases: [number, number, string, string][] = [
    [
      PRF.HMAC_SHA2_256,
      32,
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      PRF.HMAC_SHA2_384,
      48,
      'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
      'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    ],
    [
      PRF.HMAC_SHA2_512,
      64,
      '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    ],
  ];
  for (const [id, len, tc1, tc2] of cases) {
    const p = prfById(id);
    assert.equal(p.outLen, len);
    assert.equal(p.keyLen, len);
    assert.deepEqual(p.compute(Buffer.alloc(20, 0x0b), Buffer.from('Hi There')), h(tc1), `${p.name} tc1`);
    assert.deepEqual(p.compute(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')), h(tc2), `${p.name} tc2`);
  }
});

testBothPaths('AES-XCBC-MAC: RFC 3566 section 4 test vectors', () => {
  const k = seq(16);
  const vectors: [Buffer, string][] = [
    [seq(0), '75f0251d528ac01c4573dfd584d79f29'],
    [seq(3), '5b376580ae2f19afe7219ceef172756f'],
    [seq(16), 'd2a246fa349b68a79998a4394ff7a263'],
    [seq(20), '47f51b4564966215b8985c63055ed308'],
    [seq(32), 'f54f0ec8d2b9f3d36807734bd5283fd4'],
    [seq(34), 'becbb3bccdb518a30677d5481fb6b4d8'],
    [Buffer.alloc(1000), 'f0dafee895db30253761103b5d84528f'],
  ];
  for (const [m, e] of vectors) assert.deepEqual(aesXcbcMac(k, m), h(e), `msg len ${m.length}`);
});

testBothPaths('AES-XCBC-PRF-128: RFC 4434 section 6 (16, 10 and 18 byte keys)', () => {
  const p = prfById(PRF.AES128_XCBC);
  assert.equal(p.outLen, 16);
  assert.equal(p.keyLen, 16);
  const m = seq(20);
  assert.deepEqual(p.compute(seq(16), m), h('47f51b4564966215b8985c63055ed308'));
  assert.deepEqual(p.compute(seq(10), m), h('0fa087af7d866e7653434e602fdde835'));
  assert.deepEqual(p.compute(Buffer.concat([seq(16), h('edcb')]), m), h('8cd3c93ae598a9803006ffb67c40e9e4'));
  // data given in pieces must equal the concatenation
  assert.deepEqual(p.compute(seq(10), m.subarray(0, 7), m.subarray(7)), h('0fa087af7d866e7653434e602fdde835'));
});

testBothPaths('AES-CMAC: RFC 4493 section 4 examples 1-4', () => {
  const k = h('2b7e151628aed2a6abf7158809cf4f3c');
  const m = h(`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
               30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);
  assert.deepEqual(aesCmac(k, m.subarray(0, 0)), h('bb1d6929e95937287fa37d129b756746'));
  assert.deepEqual(aesCmac(k, m.subarray(0, 16)), h('070a16b46b4d4144f79bdd9dd04a287c'));
  assert.deepEqual(aesCmac(k, m.subarray(0, 40)), h('dfa66747de9ae63030ca32611497c827'));
  assert.deepEqual(aesCmac(k, m), h('51f0bebf7e3b9d92fc49741779363cfe'));
});

testBothPaths('AES-CMAC-PRF-128: RFC 4615 section 4 (18, 16 and 10 byte keys)', () => {
  const p = prfById(PRF.AES128_CMAC);
  const m = seq(20);
  assert.deepEqual(p.compute(Buffer.concat([seq(16), h('edcb')]), m), h('84a348a4a45d235babfffc0d2b4da09a'));
  assert.deepEqual(p.compute(seq(16), m), h('980ae87b5f4c9c5214f5b6a8455e4c2d'));
  assert.deepEqual(p.compute(seq(10), m), h('290d9e112edb09ee141fcf64c0b72f3d'));
});

testBothPaths('prfById: unknown and unsupported ids throw UnsupportedTransformError naming the PRF', () => {
  assert.throws(() => prfById(PRF.HMAC_TIGER), (e: unknown) => e instanceof UnsupportedTransformError && /HMAC_TIGER/.test(e.message));
  assert.throws(() => prfById(999), UnsupportedTransformError);
  assert.ok(supportedPrfIds().includes(PRF.HMAC_SHA2_256));
});
