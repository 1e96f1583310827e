import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ENCR, INTEG } from '../../src/wire/iana';
import { encrById } from '../../src/crypto/encr';
import type { EncrAlg } from '../../src/crypto/encr';
import { integById } from '../../src/crypto/integ';
import type { IntegAlg } from '../../src/crypto/integ';
import { IntegrityError } from '../../src/crypto/errors';
import { skBodyLength, skOpen, skSeal } from '../../src/crypto/sk-seal';
import type { SkSuite } from '../../src/crypto/sk-seal';

const CIPHERS: EncrAlg[] = [
  encrById(ENCR.AES_CBC, 128),
  encrById(ENCR.AES_CBC, 192),
  encrById(ENCR.AES_CBC, 256),
  encrById(ENCR.AES_CTR, 128),
  encrById(ENCR.AES_CTR, 256),
  encrById(ENCR['3DES']),
];
const AEADS: EncrAlg[] = [
  ...[ENCR.AES_GCM_8, ENCR.AES_GCM_12, ENCR.AES_GCM_16].flatMap((id) => [128, 192, 256].map((b) => encrById(id, b))),
  encrById(ENCR.CHACHA20_POLY1305),
];
const INTEGS: IntegAlg[] = [
  INTEG.HMAC_MD5_96,
  INTEG.HMAC_SHA1_96,
  INTEG.HMAC_SHA2_256_128,
  INTEG.HMAC_SHA2_384_192,
  INTEG.HMAC_SHA2_512_256,
  INTEG.AES_XCBC_96,
  INTEG.AES_CMAC_96,
].map(integById);

const SUITES: SkSuite[] = [
  ...CIPHERS.flatMap((encr) => INTEGS.map((integ) => ({ encr, integ }))),
  ...AEADS.map((encr) => ({ encr, integ: null })),
];

const label = (s: SkSuite): string => `${s.encr.name}/${s.integ?.name ?? 'AEAD'}`;

/** A fake IKE header + SK generic header as associated data. */
function aadFor(bodyLen: number): Buffer {
  const aad = randomBytes(28 + 4);
  aad.writeUInt16BE(4 + bodyLen, 30);
  return aad;
}

function keysFor(s: SkSuite): { ek: Buffer; ak: Buffer | null } {
  return { ek: randomBytes(s.encr.keyLen), ak: s.integ ? randomBytes(s.integ.keyLen) : null };
}

testBothPaths('skSeal/skOpen round trip for every ENCR x INTEG combination and several lengths', () => {
  for (const s of SUITES) {
    const { ek, ak } = keysFor(s);
    for (const n of [0, 1, 15, 16, 17, 100, 1000]) {
      const plain = randomBytes(n);
      const len = skBodyLength(s, n);
      const icv = s.integ ? s.integ.icvLen : s.encr.icvLen;
      const ctLen = len - s.encr.ivLen - icv;
      assert.equal(ctLen % s.encr.blockSize, 0, label(s));
      assert.ok(ctLen >= n + 1 && ctLen <= n + s.encr.blockSize, `${label(s)} minimal padding`);
      const aad = aadFor(len);
      const out = Buffer.alloc(len);
      skSeal(s, ek, ak, aad, plain, out);
      assert.deepEqual(skOpen(s, ek, ak, aad, out), plain, `${label(s)} n=${n}`);
    }
  }
});

testBothPaths('tampering with IV, ciphertext, ICV or AAD gives IntegrityError for every suite', () => {
  for (const s of SUITES) {
    const { ek, ak } = keysFor(s);
    const plain = randomBytes(40);
    const len = skBodyLength(s, plain.length);
    const aad = aadFor(len);
    const out = Buffer.alloc(len);
    skSeal(s, ek, ak, aad, plain, out);
    for (const pos of [0, s.encr.ivLen, len - 1]) {
      const bad = Buffer.from(out);
      bad[pos] ^= 0x01;
      assert.throws(() => skOpen(s, ek, ak, aad, bad), IntegrityError, `${label(s)} byte ${pos}`);
    }
    const badAad = Buffer.from(aad);
    badAad[0] ^= 0x80;
    assert.throws(() => skOpen(s, ek, ak, badAad, out), IntegrityError, `${label(s)} aad`);
    const wrongKey = s.integ ? randomBytes(s.integ.keyLen) : null;
    if (wrongKey) assert.throws(() => skOpen(s, ek, wrongKey, aad, out), IntegrityError);
    else assert.throws(() => skOpen(s, randomBytes(s.encr.keyLen), null, aad, out), IntegrityError);
  }
});

testBothPaths('the non-AEAD ICV covers aad | IV | ciphertext with the integrity key', () => {
  const s: SkSuite = { encr: encrById(ENCR.AES_CBC, 128), integ: integById(INTEG.HMAC_SHA2_256_128) };
  const { ek, ak } = keysFor(s);
  const aad = aadFor(skBodyLength(s, 5));
  const out = Buffer.alloc(skBodyLength(s, 5));
  skSeal(s, ek, ak, aad, Buffer.from('hello'), out);
  const icv = out.subarray(out.length - 16);
  assert.deepEqual(icv, (s.integ as IntegAlg).compute(ak as Buffer, aad, out.subarray(0, out.length - 16)));
  // padding: 5 bytes + 10 pad + pad-length byte = one block, pad length 10
  const inner = s.encr.decrypt(ek, out.subarray(0, 16), out.subarray(16, 32));
  assert.equal(inner[15], 10);
});

testBothPaths('impossible lengths are clear errors, not IntegrityError', () => {
  const cbc: SkSuite = { encr: encrById(ENCR.AES_CBC, 128), integ: integById(INTEG.HMAC_SHA1_96) };
  const { ek, ak } = keysFor(cbc);
  const aad = Buffer.alloc(32);
  assert.throws(() => skOpen(cbc, ek, ak, aad, Buffer.alloc(16 + 12)), /too short/);
  assert.throws(() => skOpen(cbc, ek, ak, aad, Buffer.alloc(16 + 17 + 12)), /not a multiple/);
  const gcm: SkSuite = { encr: encrById(ENCR.AES_GCM_16, 128), integ: null };
  assert.throws(() => skOpen(gcm, Buffer.alloc(20), null, aad, Buffer.alloc(8 + 16)), /too short/);
  // a correctly authenticated body whose pad length byte exceeds the plaintext
  const plain = Buffer.alloc(16);
  const iv = Buffer.alloc(16, 3);
  plain[15] = 200;
  const ct = cbc.encr.encrypt(ek, iv, plain);
  const icv = (cbc.integ as IntegAlg).compute(ak as Buffer, aad, iv, ct);
  assert.throws(() => skOpen(cbc, ek, ak, aad, Buffer.concat([iv, ct, icv])), /pad length 200/);
  // seal output buffer of the wrong size
  assert.throws(() => skSeal(cbc, ek, ak, aad, Buffer.alloc(3), Buffer.alloc(10)), /need exactly/);
  // mismatched suites
  assert.throws(() => skBodyLength({ encr: cbc.encr, integ: null }, 1), /needs an integrity/);
  assert.throws(() => skBodyLength({ encr: gcm.encr, integ: cbc.integ }, 1), /AEAD/);
});

testBothPaths('each seal uses a fresh random IV', () => {
  const s: SkSuite = { encr: encrById(ENCR.AES_GCM_16, 256), integ: null };
  const key = randomBytes(36);
  const a = Buffer.alloc(skBodyLength(s, 10));
  const b = Buffer.alloc(a.length);
  skSeal(s, key, null, Buffer.alloc(4), Buffer.alloc(10), a);
  skSeal(s, key, null, Buffer.alloc(4), Buffer.alloc(10), b);
  assert.notDeepEqual(a.subarray(0, 8), b.subarray(0, 8));
});
