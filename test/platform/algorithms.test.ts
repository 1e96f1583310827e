import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENCR, INTEG } from '../../src/wire/iana';
import { adapterSupports, pfkeyAlgorithms, xfrmAlgorithms } from '../../src/platform/algorithms';
import type { KernelSaSpec } from '../../src/platform/types';

const base: Omit<KernelSaSpec, 'encr' | 'integ'> = {
  protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 0x1000, reqid: 1,
  esn: false, replayWindow: 32, lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
};

describe('algorithm mapping', () => {
  it('AES-GCM-16 -> rfc4106(gcm(aes)), key incl. salt, ICV 128 bits', () => {
    const key = Buffer.alloc(36, 7);
    const a = xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_GCM_16, keyBits: 256, key } });
    assert.deepEqual(a, { aead: { name: 'rfc4106(gcm(aes))', key, keyBits: 288, bits: 128 } });
  });
  it('AES-GCM-8 / -12 ICV lengths and CCM salt of 3 bytes', () => {
    assert.equal(xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_GCM_8, keyBits: 128, key: Buffer.alloc(20) } }).aead?.bits, 64);
    assert.equal(xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_GCM_12, keyBits: 128, key: Buffer.alloc(20) } }).aead?.bits, 96);
    const ccm = xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_CCM_16, keyBits: 128, key: Buffer.alloc(19) } });
    assert.deepEqual([ccm.aead?.name, ccm.aead?.keyBits, ccm.aead?.bits], ['rfc4309(ccm(aes))', 152, 128]);
  });
  it('ChaCha20-Poly1305 -> rfc7539esp(chacha20,poly1305), 288-bit key', () => {
    const a = xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.CHACHA20_POLY1305, keyBits: 256, key: Buffer.alloc(36) } });
    assert.equal(a.aead?.name, 'rfc7539esp(chacha20,poly1305)');
    assert.equal(a.aead?.keyBits, 288);
    assert.equal(a.aead?.bits, 128);
  });
  it('cbc(aes) + hmac(sha256) truncated to 128 (RFC 4868), sha1 to 96, sha512 to 256', () => {
    const a = xfrmAlgorithms({
      ...base,
      encr: { ianaId: ENCR.AES_CBC, keyBits: 256, key: Buffer.alloc(32) },
      integ: { ianaId: INTEG.HMAC_SHA2_256_128, key: Buffer.alloc(32) },
    });
    assert.equal(a.enc?.name, 'cbc(aes)');
    assert.equal(a.enc?.keyBits, 256);
    assert.deepEqual([a.auth?.name, a.auth?.bits, a.auth?.keyBits], ['hmac(sha256)', 128, 256]);
    const s1 = xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_CBC, keyBits: 128, key: Buffer.alloc(16) }, integ: { ianaId: INTEG.HMAC_SHA1_96, key: Buffer.alloc(20) } });
    assert.deepEqual([s1.auth?.name, s1.auth?.bits], ['hmac(sha1)', 96]);
    const s5 = xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_CTR, keyBits: 128, key: Buffer.alloc(20) }, integ: { ianaId: INTEG.HMAC_SHA2_512_256, key: Buffer.alloc(64) } });
    assert.deepEqual([s5.enc?.name, s5.auth?.name, s5.auth?.bits], ['rfc3686(ctr(aes))', 'hmac(sha512)', 256]);
  });
  it('wrong key lengths are refused with a clear error', () => {
    assert.throws(() => xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: Buffer.alloc(16) } }), /key must be 20 bytes \(16 \+ 4 salt\), got 16/);
    assert.throws(() => xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_CBC, keyBits: 100, key: Buffer.alloc(13) } }), /key length 100 bits/);
    assert.throws(() => xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_CBC, keyBits: 128, key: Buffer.alloc(16) }, integ: { ianaId: INTEG.HMAC_SHA2_256_128, key: Buffer.alloc(20) } }), /key must be 32 bytes/);
    assert.throws(() => xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: Buffer.alloc(20) }, integ: { ianaId: INTEG.HMAC_SHA1_96, key: Buffer.alloc(20) } }), /AEAD cipher: no integrity/);
    assert.throws(() => xfrmAlgorithms({ ...base, encr: { ianaId: ENCR.DES, keyBits: 64, key: Buffer.alloc(8) } }), /ENCR_?DES|DES is not supported/);
  });
  it('adapterSupports: Linux PF_KEY has no AEAD and no SHA-2; XFRM has both', () => {
    assert.equal(adapterSupports('xfrm', ENCR.AES_GCM_16, INTEG.NONE), true);
    assert.equal(adapterSupports('xfrm', ENCR.CHACHA20_POLY1305, INTEG.NONE), true);
    assert.equal(adapterSupports('xfrm', ENCR.AES_CBC, INTEG.HMAC_SHA2_256_128), true);
    assert.equal(adapterSupports('xfrm', ENCR.AES_GCM_16, INTEG.HMAC_SHA1_96), false, 'AEAD with integ');
    assert.equal(adapterSupports('xfrm', ENCR.AES_CBC, INTEG.NONE), false, 'CBC without integ');
    assert.equal(adapterSupports('pfkey-linux', ENCR.AES_GCM_16, INTEG.NONE), false);
    assert.equal(adapterSupports('pfkey-linux', ENCR.AES_CBC, INTEG.HMAC_SHA2_256_128), false);
    assert.equal(adapterSupports('pfkey-linux', ENCR.AES_CBC, INTEG.HMAC_SHA1_96), true);
    assert.equal(adapterSupports('pfkey-openbsd', ENCR.AES_GCM_16, INTEG.NONE), true);
    assert.equal(adapterSupports('pfkey-openbsd', ENCR.CHACHA20_POLY1305, INTEG.NONE), true);
    assert.equal(adapterSupports('pfkey-kame', ENCR.AES_CBC, INTEG.HMAC_SHA2_256_128), true);
    assert.equal(adapterSupports('pfkey-kame', ENCR.CHACHA20_POLY1305, INTEG.NONE), false);
    assert.equal(adapterSupports('nonsense', ENCR.AES_CBC, INTEG.HMAC_SHA1_96), false);
  });
  it('PF_KEY ids per dialect, and clear refusals on Linux', () => {
    const cbcSha1 = { ...base, encr: { ianaId: ENCR.AES_CBC, keyBits: 128, key: Buffer.alloc(16) }, integ: { ianaId: INTEG.HMAC_SHA1_96, key: Buffer.alloc(20) } };
    assert.deepEqual(
      [pfkeyAlgorithms('pfkey-linux', cbcSha1).enc?.id, pfkeyAlgorithms('pfkey-linux', cbcSha1).auth?.id],
      [12, 3],
    );
    const gcm = { ...base, encr: { ianaId: ENCR.AES_GCM_16, keyBits: 256, key: Buffer.alloc(36) } };
    assert.throws(() => pfkeyAlgorithms('pfkey-linux', gcm), /Linux PF_KEY cannot do AEAD: use XFRM/);
    const o = pfkeyAlgorithms('pfkey-openbsd', gcm);
    assert.deepEqual([o.enc?.id, o.auth?.id, o.auth?.key?.length, o.enc?.key?.length], [20, 11, 0, 36]);
    const sha256 = { ...cbcSha1, integ: { ianaId: INTEG.HMAC_SHA2_256_128, key: Buffer.alloc(32) } };
    assert.throws(() => pfkeyAlgorithms('pfkey-linux', sha256), /truncates SHA-2 to 96 bits/);
    assert.equal(pfkeyAlgorithms('pfkey-openbsd', sha256).auth?.id, 5);
    assert.equal(pfkeyAlgorithms('pfkey-kame', sha256).auth?.id, 5);
  });
});
