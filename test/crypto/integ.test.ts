import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INTEG } from '../../src/wire/iana';
import { integById } from '../../src/crypto/integ';
import { UnsupportedTransformError } from '../../src/crypto/errors';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const seq = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));

test('HMAC-SHA1-96: RFC 2202 test case 5 (truncation) and key/ICV sizes', () => {
  const a = integById(INTEG.HMAC_SHA1_96);
  assert.equal(a.keyLen, 20);
  assert.equal(a.icvLen, 12);
  assert.deepEqual(a.compute(Buffer.alloc(20, 0x0c), Buffer.from('Test With Truncation')), h('4c1a03424b55e07fe7f27be1'));
});

test('HMAC-SHA2 ICVs are the RFC 4231 MACs truncated per RFC 4868', () => {
  const key = Buffer.alloc(20, 0x0b);
  const data = Buffer.from('Hi There');
  const cases: [number, number, number, string][] = [
    [INTEG.HMAC_SHA2_256_128, 32, 16, 'b0344c61d8db38535ca8afceaf0bf12b'],
    [INTEG.HMAC_SHA2_384_192, 48, 24, 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6'],
    [INTEG.HMAC_SHA2_512_256, 64, 32, '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde'],
  ];
  for (const [id, keyLen, icvLen, icv] of cases) {
    const a = integById(id);
    assert.equal(a.keyLen, keyLen, a.name);
    assert.equal(a.icvLen, icvLen, a.name);
    assert.deepEqual(a.compute(key, data.subarray(0, 3), data.subarray(3)), h(icv), a.name);
  }
  // RFC 4231 test case 5 gives the 128-bit truncation of HMAC-SHA-256 directly
  assert.deepEqual(
    integById(INTEG.HMAC_SHA2_256_128).compute(Buffer.alloc(20, 0x0c), Buffer.from('Test With Truncation')),
    h('a3b6167473100ee06e0c796c2955552b'),
  );
});

test('AES-XCBC-96 and AES-CMAC-96: RFC 3566 / RFC 4494 truncations', () => {
  const x = integById(INTEG.AES_XCBC_96);
  assert.equal(x.keyLen, 16);
  assert.equal(x.icvLen, 12);
  assert.deepEqual(x.compute(seq(16), seq(34)), h('becbb3bccdb518a30677d548'));
  const c = integById(INTEG.AES_CMAC_96);
  assert.deepEqual(
    c.compute(h('2b7e151628aed2a6abf7158809cf4f3c'), h('6bc1bee22e409f96e93d7e117393172a')),
    h('070a16b46b4d4144f79bdd9d'),
  );
});

test('integById: NONE and unknown ids throw UnsupportedTransformError', () => {
  assert.throws(() => integById(INTEG.NONE), UnsupportedTransformError);
  assert.throws(() => integById(INTEG.DES_MAC), /DES_MAC/);
});
