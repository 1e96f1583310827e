import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENCR } from '../../src/wire/iana';
import { encrById } from '../../src/crypto/encr';
import { IntegrityError, UnsupportedTransformError } from '../../src/crypto/errors';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const seq = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));

test('AES-CBC-128: RFC 3602 section 4 cases 1 and 2', () => {
  const a = encrById(ENCR.AES_CBC, 128);
  assert.deepEqual([a.keyLen, a.ivLen, a.blockSize, a.aead, a.icvLen], [16, 16, 16, false, 0]);
  const k1 = h('06a9214036b8a15b512e03d534120006');
  const iv1 = h('3dafba429d9eb430b422da802c9fac41');
  const ct1 = h('e353779c1079aeb82708942dbe77181a');
  assert.deepEqual(a.encrypt(k1, iv1, Buffer.from('Single block msg')), ct1);
  assert.deepEqual(a.decrypt(k1, iv1, ct1), Buffer.from('Single block msg'));
  const k2 = h('c286696d887c9aa0611bbb3e2025a45a');
  const iv2 = h('562e17996d093d28ddb3ba695a2e6f58');
  const ct2 = h('d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1');
  assert.deepEqual(a.encrypt(k2, iv2, seq(32)), ct2);
  assert.deepEqual(a.decrypt(k2, iv2, ct2), seq(32));
  assert.throws(() => a.encrypt(k1, iv1, Buffer.alloc(15)), /multiple of 16/);
  assert.throws(() => a.decrypt(k1, iv1, Buffer.alloc(17)), /multiple of 16/);
  assert.throws(() => a.encrypt(Buffer.alloc(24), iv1, Buffer.alloc(16)), /key must be 16 bytes/);
  assert.throws(() => a.encrypt(k1, Buffer.alloc(8), Buffer.alloc(16)), /IV must be 16 bytes/);
});

test('AES-CTR: RFC 3686 test vectors #1 and #2 (nonce in keymat, 8-byte IV)', () => {
  const a = encrById(ENCR.AES_CTR, 128);
  assert.deepEqual([a.keyLen, a.ivLen, a.blockSize, a.aead], [20, 8, 1, false]);
  const k1 = Buffer.concat([h('ae6852f8121067cc4bf7a5765577f39e'), h('00000030')]);
  const ct1 = h('e4095d4fb7a7b3792d6175a3261311b8');
  assert.deepEqual(a.encrypt(k1, h('0000000000000000'), Buffer.from('Single block msg')), ct1);
  const k2 = Buffer.concat([h('7e24067817fae0d743d6ce1f32539163'), h('006cb6db')]);
  const iv2 = h('c0543b59da48d90b');
  const ct2 = h('5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28');
  assert.deepEqual(a.encrypt(k2, iv2, seq(32)), ct2);
  assert.deepEqual(a.decrypt(k2, iv2, ct2), seq(32));
});

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 3, 4, 10, 16.
const GCM_P = h(`d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                 1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255`);
const GCM_A = h('feedfacedeadbeeffeedfacedeadbeefabaddad2');
const GCM_SALT = h('cafebabe');
const GCM_IV = h('facedbaddecaf888');
const K128 = h('feffe9928665731c6d6a8f9467308308');

test('AES-GCM-16: McGrew-Viega test cases 3, 4 (128), 10 (192), 16 (256)', () => {
  const g128 = encrById(ENCR.AES_GCM_16, 128);
  assert.deepEqual([g128.keyLen, g128.ivLen, g128.blockSize, g128.aead, g128.icvLen], [20, 8, 1, true, 16]);
  const key128 = Buffer.concat([K128, GCM_SALT]);
  // case 3: no AAD, 64-byte plaintext
  const ct3 = h(`42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
                 21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985`);
  const t3 = h('4d5c2af327cd64a62cf35abd2ba6fab4');
  assert.deepEqual(g128.encrypt(key128, GCM_IV, GCM_P), Buffer.concat([ct3, t3]));
  // case 4: AAD, 60-byte plaintext
  const p4 = GCM_P.subarray(0, 60);
  const out4 = Buffer.concat([ct3.subarray(0, 60), h('5bc94fbc3221a5db94fae95ae7121a47')]);
  assert.deepEqual(g128.encrypt(key128, GCM_IV, p4, GCM_A), out4);
  assert.deepEqual(g128.decrypt(key128, GCM_IV, out4, GCM_A), p4);

  const g192 = encrById(ENCR.AES_GCM_16, 192);
  const key192 = Buffer.concat([K128, K128.subarray(0, 8), GCM_SALT]);
  const out10 = h(`3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c
                   7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710
                   2519498e80f1478f37ba55bd6d27618c`);
  assert.equal(g192.keyLen, 28);
  assert.deepEqual(g192.encrypt(key192, GCM_IV, p4, GCM_A), out10);

  const g256 = encrById(ENCR.AES_GCM_16, 256);
  const key256 = Buffer.concat([K128, K128, GCM_SALT]);
  const out16 = h(`522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
                   8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662
                   76fc6ece0f4e1768cddf8853bb2d551b`);
  assert.equal(g256.keyLen, 36);
  assert.deepEqual(g256.encrypt(key256, GCM_IV, p4, GCM_A), out16);
  assert.deepEqual(g256.decrypt(key256, GCM_IV, out16, GCM_A), p4);
});

test('AES-GCM-8 and -12 use the truncated tag (test case 4) and reject tampering', () => {
  const key = Buffer.concat([K128, GCM_SALT]);
  const p4 = GCM_P.subarray(0, 60);
  const full = encrById(ENCR.AES_GCM_16, 128).encrypt(key, GCM_IV, p4, GCM_A);
  for (const [id, tag] of [[ENCR.AES_GCM_8, 8], [ENCR.AES_GCM_12, 12]] as const) {
    const g = encrById(id, 128);
    assert.equal(g.icvLen, tag);
    const out = g.encrypt(key, GCM_IV, p4, GCM_A);
    assert.deepEqual(out, full.subarray(0, 60 + tag), g.name);
    assert.deepEqual(g.decrypt(key, GCM_IV, out, GCM_A), p4);
    const bad = Buffer.from(out);
    bad[bad.length - 1] ^= 1;
    assert.throws(() => g.decrypt(key, GCM_IV, bad, GCM_A), IntegrityError);
    assert.throws(() => g.decrypt(key, GCM_IV, out, Buffer.from('other aad')), IntegrityError);
    assert.throws(() => g.decrypt(key, GCM_IV, out.subarray(0, tag - 1), GCM_A), /shorter than/);
  }
});

test('ChaCha20-Poly1305: RFC 8439 section 2.8.2 AEAD vector with salt | IV nonce (RFC 7634)', () => {
  const c = encrById(ENCR.CHACHA20_POLY1305);
  assert.deepEqual([c.keyBits, c.keyLen, c.ivLen, c.blockSize, c.aead, c.icvLen], [256, 36, 8, 1, true, 16]);
  assert.equal(encrById(ENCR.CHACHA20_POLY1305, 256), c);
  const key = Buffer.concat([h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'), h('07000000')]);
  const iv = h('4041424344454647');
  const aad = h('50515253c0c1c2c3c4c5c6c7');
  const plain = Buffer.from(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const expect = h(`d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
                    3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
                    92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
                    3ff4def08e4b7a9de576d26586cec64b6116
                    1ae10b594f09e26a7e902ecbd0600691`);
  const out = c.encrypt(key, iv, plain, aad);
  assert.deepEqual(out, expect);
  assert.deepEqual(c.decrypt(key, iv, out, aad), plain);
  const bad = Buffer.from(out);
  bad[0] ^= 0x80;
  assert.throws(() => c.decrypt(key, iv, bad, aad), IntegrityError);
});

test('encrById: AES needs a key length, bad lengths and unknown ids are UnsupportedTransformError', () => {
  assert.throws(() => encrById(ENCR.AES_CBC), (e: unknown) => e instanceof UnsupportedTransformError && /key length/.test(e.message));
  assert.throws(() => encrById(ENCR.AES_GCM_16, 160), UnsupportedTransformError);
  assert.throws(() => encrById(ENCR.CHACHA20_POLY1305, 128), UnsupportedTransformError);
  assert.throws(() => encrById(ENCR.AES_CCM_8, 128), /AES_CCM_8/);
  assert.throws(() => encrById(ENCR.NULL), UnsupportedTransformError);
  assert.equal(encrById(ENCR.AES_CBC, 256), encrById(ENCR.AES_CBC, 256));
  assert.equal(encrById(ENCR.AES_CBC, 256).name, 'AES_CBC_256');
});

test('3DES-CBC round trip (8-byte blocks, fixed 192-bit key)', () => {
  const d = encrById(ENCR['3DES']);
  assert.deepEqual([d.keyLen, d.ivLen, d.blockSize], [24, 8, 8]);
  const key = seq(24);
  const iv = seq(8);
  const ct = d.encrypt(key, iv, seq(24));
  assert.notDeepEqual(ct, seq(24));
  assert.deepEqual(d.decrypt(key, iv, ct), seq(24));
});
