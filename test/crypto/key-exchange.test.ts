import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { createDiffieHellman, getDiffieHellman } from 'node:crypto';
import { DH, DhGroup } from '../../src/wire/iana';
import {
  createKeyExchange,
  importKeyExchange,
  isKemGroup,
  isSupportedGroup,
  keyExchangeLength,
  respondKeyExchange,
  supportedGroups,
} from '../../src/crypto/key-exchange';
import { KeyExchangeError, UnsupportedTransformError } from '../../src/crypto/errors';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

testBothPaths('ECP 256: RFC 5903 section 8.1 public values and shared secret', () => {
  const i = importKeyExchange(DH.ECP_256, h('C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433'));
  const r = importKeyExchange(DH.ECP_256, h('C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53'));
  const gi = h(`DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180
                5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3`);
  const gr = h(`D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63
                56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB`);
  const gir = h('D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE');
  assert.deepEqual(i.publicKey, gi);
  assert.deepEqual(r.publicKey, gr);
  assert.deepEqual(i.computeSecret(gr), gir);
  assert.deepEqual(r.computeSecret(gi), gir);
});

testBothPaths('ECP 384: RFC 5903 section 8.2 initiator public value and shared secret', () => {
  const i = importKeyExchange(
    DH.ECP_384,
    h('099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194'),
  );
  const r = importKeyExchange(
    DH.ECP_384,
    h('41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC'),
  );
  assert.deepEqual(
    i.publicKey,
    h(`667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA
       9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C`),
  );
  const gir = h('11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746');
  assert.deepEqual(i.computeSecret(r.publicKey), gir);
  assert.deepEqual(r.computeSecret(i.publicKey), gir);
});

testBothPaths('ECP 521: RFC 5903 section 8.3 shared secret (66-byte x coordinate)', () => {
  const i = importKeyExchange(
    DH.ECP_521,
    h(`0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52`),
  );
  const r = importKeyExchange(
    DH.ECP_521,
    h(`0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9`),
  );
  assert.equal(i.publicKey.length, 132);
  const gir = h(`01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA`);
  assert.deepEqual(i.computeSecret(r.publicKey), gir);
  assert.deepEqual(r.computeSecret(i.publicKey), gir);
});

testBothPaths('Curve25519: RFC 7748 section 6.1', () => {
  const a = importKeyExchange(DH.CURVE25519, h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const b = importKeyExchange(DH.CURVE25519, h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
  assert.deepEqual(a.publicKey, h('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'));
  assert.deepEqual(b.publicKey, h('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'));
  const k = h('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  assert.deepEqual(a.computeSecret(b.publicKey), k);
  assert.deepEqual(b.computeSecret(a.publicKey), k);
});

testBothPaths('Curve448: RFC 7748 section 6.2', () => {
  const a = importKeyExchange(
    DH.CURVE448,
    h('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b'),
  );
  const b = importKeyExchange(
    DH.CURVE448,
    h('1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d'),
  );
  assert.deepEqual(
    a.publicKey,
    h('9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0'),
  );
  assert.deepEqual(
    b.publicKey,
    h('3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609'),
  );
  const k = h('07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d');
  assert.deepEqual(a.computeSecret(b.publicKey), k);
  assert.deepEqual(b.computeSecret(a.publicKey), k);
});

testBothPaths('every supported group: two-party agreement, wire lengths, wrong-length rejection', () => {
  const groups = supportedGroups();
  for (const g of [1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31, 32]) assert.ok(groups.includes(g), `group ${g} supported`);
  // KEM groups (one side encapsulates): test/crypto/kem-exchange.test.ts
  for (const g of groups.filter((x) => !isKemGroup(x))) {
    const name = DhGroup.name(g);
    const a = createKeyExchange(g);
    const b = createKeyExchange(g);
    const len = keyExchangeLength(g);
    assert.equal(a.group, g);
    assert.equal(a.publicKey.length, len, name);
    assert.notDeepEqual(a.publicKey, b.publicKey, name);
    const s1 = a.computeSecret(b.publicKey);
    const s2 = b.computeSecret(a.publicKey);
    assert.deepEqual(s1, s2, name);
    assert.ok(s1.some((x) => x !== 0), name);
    assert.throws(() => a.computeSecret(b.publicKey.subarray(1)), KeyExchangeError, `${name} short`);
    assert.throws(() => a.computeSecret(Buffer.concat([b.publicKey, Buffer.alloc(1)])), KeyExchangeError, `${name} long`);
    a.dispose();
    assert.throws(() => a.computeSecret(b.publicKey), /disposed/);
    b.dispose();
  }
});

testBothPaths('MODP 14: wire value and secret are left-padded to 256 bytes; y <= 1 and y >= p-1 rejected', () => {
  const a = createKeyExchange(DH.MODP_2048);
  const p = getDiffieHellman('modp14').getPrime();
  assert.equal(keyExchangeLength(DH.MODP_2048), 256);
  const one = Buffer.alloc(256);
  one[255] = 1;
  const pMinus1 = Buffer.from(p);
  pMinus1[255] -= 1;
  for (const [what, y] of [
    ['0', Buffer.alloc(256)],
    ['1', one],
    ['p-1', pMinus1],
    ['p', p],
    ['2^2048-1', Buffer.alloc(256, 0xff)],
  ] as const) {
    assert.throws(() => a.computeSecret(y), KeyExchangeError, `y = ${what}`);
  }
  // y = 2 is a legal (if silly) value: accepted, secret is 2^x mod p padded to 256 bytes
  const two = Buffer.alloc(256);
  two[255] = 2;
  assert.equal(a.computeSecret(two).length, 256);
  // a legitimate peer value with leading zero bytes: private exponent 700 gives y = 2^700 (88 bytes)
  const peer = createDiffieHellman(p, 2);
  peer.setPrivateKey(Buffer.from([0x02, 0xbc]));
  const y = peer.generateKeys();
  assert.ok(y.length < 256);
  const wire = Buffer.concat([Buffer.alloc(256 - y.length), y]);
  const secret = a.computeSecret(wire);
  assert.equal(secret.length, 256);
  const expect = peer.computeSecret(a.publicKey);
  assert.deepEqual(secret, Buffer.concat([Buffer.alloc(256 - expect.length), expect]));
});

testBothPaths('ECP: points not on the curve are KeyExchangeError', () => {
  for (const g of [DH.ECP_256, DH.ECP_384, DH.ECP_521, DH.BRAINPOOL_P256]) {
    if (!isSupportedGroup(g)) continue;
    const a = createKeyExchange(g);
    const b = createKeyExchange(g);
    const bad = Buffer.from(b.publicKey);
    bad[bad.length - 1] ^= 0x01;
    assert.throws(() => a.computeSecret(bad), KeyExchangeError, DhGroup.name(g));
    assert.throws(() => a.computeSecret(Buffer.alloc(bad.length)), KeyExchangeError, `${DhGroup.name(g)} zero point`);
  }
});

testBothPaths('Curve25519/448: low-order peer values giving an all-zero secret are KeyExchangeError', () => {
  const a = createKeyExchange(DH.CURVE25519);
  assert.throws(() => a.computeSecret(Buffer.alloc(32)), KeyExchangeError);
  const one = Buffer.alloc(32);
  one[0] = 1;
  assert.throws(() => a.computeSecret(one), KeyExchangeError);
  const b = createKeyExchange(DH.CURVE448);
  assert.throws(() => b.computeSecret(Buffer.alloc(56)), KeyExchangeError);
});

testBothPaths('unsupported groups', () => {
  assert.equal(isSupportedGroup(DH.MODP_1024_160), false);
  assert.equal(isSupportedGroup(DH.NONE), false);
  assert.throws(() => createKeyExchange(DH.MODP_2048_256), UnsupportedTransformError);
  assert.throws(() => keyExchangeLength(999), /DH_999/);
});

testBothPaths('respondKeyExchange: the responder in one step agrees with the initiator, a fresh key pair each time', () => {
  for (const g of supportedGroups()) {
    const name = DhGroup.name(g);
    const i = createKeyExchange(g);
    const r1 = respondKeyExchange(g, i.publicKey);
    const r2 = respondKeyExchange(g, i.publicKey);
    assert.equal(r1.publicKey.length, keyExchangeLength(g, 'responder'), name);
    assert.notDeepEqual(r1.publicKey, r2.publicKey, `${name}: fresh key pair`);
    assert.deepEqual(i.computeSecret(r1.publicKey), r1.secret, name);
    assert.deepEqual(i.computeSecret(r2.publicKey), r2.secret, name);
    assert.throws(() => respondKeyExchange(g, i.publicKey.subarray(1)), KeyExchangeError, `${name} short`);
    i.dispose();
  }
  const p = createKeyExchange(DH.ECP_256);
  const bad = Buffer.from(p.publicKey);
  bad[bad.length - 1] ^= 0x01;
  assert.throws(() => respondKeyExchange(DH.ECP_256, bad), KeyExchangeError);
  // a bad peer value leaves the shared ECDH object usable
  const ok = respondKeyExchange(DH.ECP_256, p.publicKey);
  assert.deepEqual(p.computeSecret(ok.publicKey), ok.secret);
});
