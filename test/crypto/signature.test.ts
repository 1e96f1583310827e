import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  authMethodForKey,
  chooseSignatureHash,
  parseSignatureHashAlgorithms,
  signAuth,
  signatureHashAlgorithmsData,
  verifyAuth,
} from '../../src/crypto/auth-signature';
import { decodeSignatureAlgorithm, encodeSignatureAlgorithm } from '../../src/crypto/x509-signature-algorithm';
import { AUTH, HASH } from '../../src/wire/iana';
import { KeyAlg, TestPki, genKey, openssl } from './x509-fixtures';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 7427 Appendix A AlgorithmIdentifier encodings (what strongSwan sends). */
const RFC7427_ALGIDS = {
  sha1WithRSAEncryption: h('300d 0609 2a86 4886 f70d 0101 0505 00'),
  sha256WithRSAEncryption: h('300d 0609 2a86 4886 f70d 0101 0b05 00'),
  sha384WithRSAEncryption: h('300d 0609 2a86 4886 f70d 0101 0c05 00'),
  sha512WithRSAEncryption: h('300d 0609 2a86 4886 f70d 0101 0d05 00'),
  ecdsaWithSha256: h('300a 0608 2a86 48ce 3d04 0302'),
  ecdsaWithSha384: h('300a 0608 2a86 48ce 3d04 0303'),
  ecdsaWithSha512: h('300a 0608 2a86 48ce 3d04 0304'),
  rsassaPssSha256: h(`3041 0609 2a86 4886 f70d 0101 0a30 34a0
                      0f30 0d06 0960 8648 0165 0304 0201 0500
                      a11c 301a 0609 2a86 4886 f70d 0101 0830
                      0d06 0960 8648 0165 0304 0201 0500 a203
                      0201 20`),
  ed25519: h('3005 0603 2b65 70'),
};

const pki = new TestPki();
const keys = new Map<KeyAlg, KeyObject>();
const keyPaths = new Map<KeyAlg, string>();
const octets = randomBytes(300);

before(() => {
  for (const alg of ['rsa', 'p256', 'p384', 'p521', 'ed25519'] as KeyAlg[]) {
    const p = pki.path(`${alg}.key`);
    genKey(p, alg);
    keyPaths.set(alg, p);
    keys.set(alg, createPrivateKey(openssl(['pkey', '-in', p])));
  }
});
after(() => pki.cleanup());

function key(alg: KeyAlg): KeyObject {
  const k = keys.get(alg);
  assert.ok(k);
  return k;
}
const pub = (alg: KeyAlg): KeyObject => createPublicKey(key(alg));

function altered(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[c.length >> 1] ^= 1;
  return c;
}

describe('authMethodForKey', () => {
  it('maps key types to RFC 7296 / 4754 / 7427 methods', () => {
    assert.equal(authMethodForKey(key('rsa'), false), AUTH.RSA_SIG);
    assert.equal(authMethodForKey(key('rsa'), true), AUTH.DIGITAL_SIGNATURE);
    assert.equal(authMethodForKey(key('p256'), false), AUTH.ECDSA_SHA256_P256);
    assert.equal(authMethodForKey(key('p384'), false), AUTH.ECDSA_SHA384_P384);
    assert.equal(authMethodForKey(key('p521'), false), AUTH.ECDSA_SHA512_P521);
    assert.equal(authMethodForKey(key('p521'), true), AUTH.DIGITAL_SIGNATURE);
    assert.equal(authMethodForKey(key('ed25519'), false), AUTH.DIGITAL_SIGNATURE);
  });
});

describe('sign/verify round trips', () => {
  const cases: Array<{ alg: KeyAlg; method: number; hash?: number; pss?: boolean; algId?: Buffer }> = [
    { alg: 'rsa', method: AUTH.RSA_SIG },
    { alg: 'p256', method: AUTH.ECDSA_SHA256_P256 },
    { alg: 'p384', method: AUTH.ECDSA_SHA384_P384 },
    { alg: 'p521', method: AUTH.ECDSA_SHA512_P521 },
    { alg: 'rsa', method: AUTH.DIGITAL_SIGNATURE, algId: RFC7427_ALGIDS.sha256WithRSAEncryption },
    { alg: 'rsa', method: AUTH.DIGITAL_SIGNATURE, hash: HASH.SHA2_384, algId: RFC7427_ALGIDS.sha384WithRSAEncryption },
    { alg: 'rsa', method: AUTH.DIGITAL_SIGNATURE, hash: HASH.SHA2_512, algId: RFC7427_ALGIDS.sha512WithRSAEncryption },
    { alg: 'rsa', method: AUTH.DIGITAL_SIGNATURE, hash: HASH.SHA2_256, pss: true, algId: RFC7427_ALGIDS.rsassaPssSha256 },
    { alg: 'rsa', method: AUTH.DIGITAL_SIGNATURE, hash: HASH.SHA2_512, pss: true },
    { alg: 'p256', method: AUTH.DIGITAL_SIGNATURE, algId: RFC7427_ALGIDS.ecdsaWithSha256 },
    { alg: 'p384', method: AUTH.DIGITAL_SIGNATURE, algId: RFC7427_ALGIDS.ecdsaWithSha384 },
    { alg: 'p521', method: AUTH.DIGITAL_SIGNATURE, algId: RFC7427_ALGIDS.ecdsaWithSha512 },
    { alg: 'p256', method: AUTH.DIGITAL_SIGNATURE, hash: HASH.SHA2_512, algId: RFC7427_ALGIDS.ecdsaWithSha512 },
    { alg: 'ed25519', method: AUTH.DIGITAL_SIGNATURE, algId: RFC7427_ALGIDS.ed25519 },
  ];
  for (const c of cases) {
    const label = `${c.alg} method ${c.method}${c.hash ? ` hash ${c.hash}` : ''}${c.pss ? ' PSS' : ''}`;
    it(label, () => {
      const data = signAuth(key(c.alg), octets, c.method, c.hash, { rsaPss: c.pss });
      if (c.algId) {
        assert.equal(data[0], c.algId.length);
        assert.equal(data.subarray(1, 1 + data[0]).toString('hex'), c.algId.toString('hex'), 'RFC 7427 Appendix A bytes');
      }
      if (c.method === AUTH.ECDSA_SHA256_P256) assert.equal(data.length, 64);
      if (c.method === AUTH.ECDSA_SHA512_P521) assert.equal(data.length, 132);
      const ok = verifyAuth(pub(c.alg), c.method, data, octets);
      assert.ok(ok.ok, ok.ok ? '' : ok.reason);
      const bad = verifyAuth(pub(c.alg), c.method, data, altered(octets));
      assert.equal(bad.ok, false);
      assert.match(!bad.ok ? bad.reason : '', /signature does not verify/);
      const badSig = verifyAuth(pub(c.alg), c.method, altered(data), octets);
      assert.equal(badSig.ok, false);
    });
  }

  it('reports the hash used', () => {
    const r = verifyAuth(pub('p384'), AUTH.DIGITAL_SIGNATURE, signAuth(key('p384'), octets, AUTH.DIGITAL_SIGNATURE), octets);
    assert.deepEqual(r, { ok: true, hash: HASH.SHA2_384 });
    const e = verifyAuth(pub('ed25519'), AUTH.DIGITAL_SIGNATURE, signAuth(key('ed25519'), octets, AUTH.DIGITAL_SIGNATURE), octets);
    assert.deepEqual(e, { ok: true, hash: HASH.IDENTITY });
    const s = verifyAuth(pub('rsa'), AUTH.RSA_SIG, signAuth(key('rsa'), octets, AUTH.RSA_SIG), octets);
    assert.deepEqual(s, { ok: true, hash: HASH.SHA1 });
  });
});

describe('wrong keys and malformed data', () => {
  it('a signature does not verify with another key of the same type', () => {
    const other = createPrivateKey(openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const data = signAuth(other, octets, AUTH.DIGITAL_SIGNATURE);
    const r = verifyAuth(pub('p256'), AUTH.DIGITAL_SIGNATURE, data, octets);
    assert.deepEqual(r, { ok: false, reason: 'AUTH DIGITAL_SIGNATURE ecdsa-with-SHA256: signature does not verify' });
  });

  it('key type mismatches are reported with a reason', () => {
    const rsaSig = signAuth(key('rsa'), octets, AUTH.DIGITAL_SIGNATURE);
    const r = verifyAuth(pub('p256'), AUTH.DIGITAL_SIGNATURE, rsaSig, octets);
    assert.deepEqual(r, { ok: false, reason: "AUTH DIGITAL_SIGNATURE sha256WithRSAEncryption does not match the peer's EC P-256 key" });
    const ec = signAuth(key('p384'), octets, AUTH.ECDSA_SHA384_P384);
    const mismatch = verifyAuth(pub('p256'), AUTH.ECDSA_SHA384_P384, ec, octets);
    assert.match(mismatch.ok ? '' : mismatch.reason, /with a EC P-256 key \(needs EC P-384\)/);
    const v = verifyAuth(pub('ed25519'), AUTH.RSA_SIG, Buffer.alloc(256), octets);
    assert.deepEqual(v, { ok: false, reason: 'AUTH RSA_SIG with a ED25519 key' });
    assert.throws(() => signAuth(key('p256'), octets, AUTH.ECDSA_SHA384_P384), /needs an EC P-384 key, got EC P-256/);
    assert.throws(() => signAuth(key('p256'), octets, AUTH.RSA_SIG), /RSA_SIG needs an RSA key/);
    assert.throws(() => signAuth(pub('p256'), octets, AUTH.DIGITAL_SIGNATURE), /needs a private key/);
    assert.throws(() => signAuth(key('p256'), octets, AUTH.SHARED_KEY_MIC), /not a signature method/);
    assert.throws(() => signAuth(key('ed25519'), octets, AUTH.DIGITAL_SIGNATURE, HASH.SHA2_256), /hash IDENTITY/);
  });

  it('rejects malformed RFC 7427 data with clear reasons', () => {
    const data = signAuth(key('p256'), octets, AUTH.DIGITAL_SIGNATURE);
    const reason = (d: Buffer): string => {
      const r = verifyAuth(pub('p256'), AUTH.DIGITAL_SIGNATURE, d, octets);
      return r.ok ? 'ok' : r.reason;
    };
    assert.match(reason(Buffer.from([200, 1, 2])), /AlgorithmIdentifier length 200 does not fit in 3 bytes/);
    assert.match(reason(Buffer.alloc(0)), /length missing/);
    assert.match(reason(data.subarray(0, 13)), /empty signature/);
    // Unknown algorithm 1.2.3.4
    const unknown = Buffer.concat([Buffer.from([7]), h('3005 0603 2a0304'), Buffer.alloc(64)]);
    assert.match(reason(unknown), /unsupported signature algorithm 1\.2\.3\.4/);
    // AlgorithmIdentifier whose inner OID length overruns the SEQUENCE
    assert.match(reason(Buffer.concat([Buffer.from([4]), h('3002 0609'), Buffer.alloc(8)])), /algorithm.*runs past end/);
    // PSS with MGF1-SHA1 but SHA-256 message hash is refused as unsupported.
    const mixed = encodeSignatureAlgorithm({ scheme: 'rsa-pss', hash: HASH.SHA2_256 });
    const mixedBad = Buffer.from(mixed);
    mixedBad[mixedBad.length - 8] = 0x02; // hash in MGF1 params: sha256 -> sha384
    assert.throws(() => decodeSignatureAlgorithm(mixedBad), /MGF1 with sha384 differs from message hash sha256/);
    assert.deepEqual(verifyAuth(pub('p256'), AUTH.SHARED_KEY_MIC, data, octets), {
      ok: false,
      reason: 'AUTH SHARED_KEY_MIC is not a signature method',
    });
    const p1363 = signAuth(key('p256'), octets, AUTH.ECDSA_SHA256_P256);
    const r = verifyAuth(pub('p256'), AUTH.ECDSA_SHA256_P256, p1363.subarray(0, 63), octets);
    assert.deepEqual(r, { ok: false, reason: 'AUTH ECDSA_SHA256_P256: signature of 63 bytes, expected 64 (r||s)' });
  });
});

describe('RFC 7427 AlgorithmIdentifier known answers', () => {
  it('encodes and decodes the Appendix A bytes', () => {
    const table: Array<[Buffer, Parameters<typeof encodeSignatureAlgorithm>[0]]> = [
      [RFC7427_ALGIDS.sha1WithRSAEncryption, { scheme: 'rsa-pkcs1', hash: HASH.SHA1 }],
      [RFC7427_ALGIDS.sha256WithRSAEncryption, { scheme: 'rsa-pkcs1', hash: HASH.SHA2_256 }],
      [RFC7427_ALGIDS.sha384WithRSAEncryption, { scheme: 'rsa-pkcs1', hash: HASH.SHA2_384 }],
      [RFC7427_ALGIDS.sha512WithRSAEncryption, { scheme: 'rsa-pkcs1', hash: HASH.SHA2_512 }],
      [RFC7427_ALGIDS.ecdsaWithSha256, { scheme: 'ecdsa', hash: HASH.SHA2_256 }],
      [RFC7427_ALGIDS.ecdsaWithSha384, { scheme: 'ecdsa', hash: HASH.SHA2_384 }],
      [RFC7427_ALGIDS.ecdsaWithSha512, { scheme: 'ecdsa', hash: HASH.SHA2_512 }],
      [RFC7427_ALGIDS.rsassaPssSha256, { scheme: 'rsa-pss', hash: HASH.SHA2_256, saltLength: 32 }],
      [RFC7427_ALGIDS.ed25519, { scheme: 'ed25519', hash: HASH.IDENTITY }],
    ];
    for (const [der, alg] of table) {
      assert.equal(encodeSignatureAlgorithm(alg).toString('hex'), der.toString('hex'), JSON.stringify(alg));
      assert.deepEqual(decodeSignatureAlgorithm(der), alg);
    }
    // RSASSA-PSS with all-default (empty) parameters: SHA-1, MGF1-SHA1, salt 20.
    assert.deepEqual(decodeSignatureAlgorithm(h('300d 0609 2a86 4886 f70d 0101 0a30 00')), {
      scheme: 'rsa-pss',
      hash: HASH.SHA1,
      saltLength: 20,
    });
  });
});

describe('RFC 4754 section 8 test vectors (verify the published signatures)', () => {
  const vectors = [
    {
      name: 'ECDSA-256',
      method: AUTH.ECDSA_SHA256_P256,
      crv: 'P-256',
      d: 'DC51D3866A15BACDE33D96F992FCA99DA7E6EF0934E7097559C27F1614C88A7F',
      x: '2442A5CC0ECD015FA3CA31DC8E2BBC70BF42D60CBCA20085E0822CB04235E970',
      y: '6FC98BD7E50211A4A27102FA3549DF79EBCB4BF246B80945CDDFE7D509BBFD7D',
      r: 'CB28E0999B9C7715FD0A80D8E47A77079716CBBF917DD72E97566EA1C066957C',
      s: '86FA3BB4E26CAD5BF90B7F81899256CE7594BB1EA0C89212748BFF3B3D5B0315',
    },
    {
      name: 'ECDSA-384',
      method: AUTH.ECDSA_SHA384_P384,
      crv: 'P-384',
      d: '0BEB646634BA87735D77AE4809A0EBEA865535DE4C1E1DCB692E84708E81A5AF62E528C38B2A81B35309668D73524D9F',
      x: '96281BF8DD5E0525CA049C048D345D3082968D10FEDF5C5ACA0C64E6465A97EA5CE10C9DFEC21797415710721F437922',
      y: '447688BA94708EB6E2E4D59F6AB6D7EDFF9301D249FE49C33096655F5D502FAD3D383B91C5E7EDAA2B714CC99D5743CA',
      r: 'FB017B914E29149432D8BAC29A514640B46F53DDAB2C69948084E2930F1C8F7E08E07C9C63F2D21A07DCB56A6AF56EB3',
      s: 'B263A1305E057F984D38726A1B46874109F417BCA112674C528262A40A629AF1CBB9F516CE0FA7D2FF630863A00E8B9F',
    },
    {
      name: 'ECDSA-521',
      method: AUTH.ECDSA_SHA512_P521,
      crv: 'P-521',
      d: '0065FDA3409451DCAB0A0EAD45495112A3D813C17BFD34BDF8C1209D7DF5849120597779060A7FF9D704ADF78B570FFAD6F062E95C7E0C5D5481C5B153B48B375FA1',
      x: '0151518F1AF0F563517EDD5485190DF95A4BF57B5CBA4CF2A9A3F6474725A35F7AFE0A6DDEB8BEDBCD6A197E592D40188901CECD650699C9B5E456AEA5ADD19052A8',
      y: '006F3B142EA1BFFF7E2837AD44C9E4FF6D2D34C73184BBAD90026DD5E6E85317D9DF45CAD7803C6C20035B2F3FF63AFF4E1BA64D1C077577DA3F4286C58F0AEAE643',
      r: '0154FD3836AF92D0DCA57DD5341D3053988534FDE8318FC6AAAAB68E2E6F4339B19F2F281A7E0B22C269D93CF8794A9278880ED7DBB8D9362CAEACEE544320552251',
      s: '017705A7030290D1CEB605A9A1BB03FF9CDD521E87A696EC926C8C10C8362DF4975367101F67D1CF9BCCBF2F3D239534FA509E70AAC851AE01AAC68D62F866472660',
    },
  ];
  const b64u = (hexs: string): string => Buffer.from(hexs, 'hex').toString('base64url');
  for (const v of vectors) {
    it(v.name, () => {
      const pubKey = createPublicKey({ key: { kty: 'EC', crv: v.crv, x: b64u(v.x), y: b64u(v.y) }, format: 'jwk' });
      const privKey = createPrivateKey({ key: { kty: 'EC', crv: v.crv, x: b64u(v.x), y: b64u(v.y), d: b64u(v.d) }, format: 'jwk' });
      assert.equal(authMethodForKey(privKey, false), v.method);
      const sig = Buffer.from(v.r + v.s, 'hex');
      const msg = Buffer.from('abc');
      assert.deepEqual(verifyAuth(pubKey, v.method, sig, msg).ok, true);
      assert.equal(verifyAuth(pubKey, v.method, sig, Buffer.from('abd')).ok, false);
      // Our own signature with the vector key verifies too (k is random, so it differs).
      const mine = signAuth(privKey, msg, v.method);
      assert.equal(mine.length, sig.length);
      assert.ok(verifyAuth(pubKey, v.method, mine, msg).ok);
    });
  }
});

describe('interoperability with the openssl CLI', () => {
  const octetsPath = (): string => {
    const p = pki.path('octets.bin');
    writeFileSync(p, octets);
    return p;
  };
  const pubPem = (alg: KeyAlg): string => {
    const p = pki.path(`${alg}.pub.pem`);
    writeFileSync(p, openssl(['pkey', '-in', keyPaths.get(alg) ?? '', '-pubout']));
    return p;
  };
  const sigFile = (name: string, sig: Buffer): string => {
    const p = pki.path(name);
    writeFileSync(p, sig);
    return p;
  };

  it('openssl verifies our RSA_SIG, PSS and ECDSA signatures', () => {
    const data = octetsPath();
    const rsa = signAuth(key('rsa'), octets, AUTH.RSA_SIG);
    assert.match(openssl(['dgst', '-sha1', '-verify', pubPem('rsa'), '-signature', sigFile('rsa.sig', rsa), data]).toString(), /Verified OK/);
    const pss = signAuth(key('rsa'), octets, AUTH.DIGITAL_SIGNATURE, HASH.SHA2_256, { rsaPss: true }).subarray(1 + 0x43);
    assert.match(
      openssl([
        'dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32',
        '-verify', pubPem('rsa'), '-signature', sigFile('pss.sig', pss), data,
      ]).toString(),
      /Verified OK/,
    );
    const ec = signAuth(key('p384'), octets, AUTH.DIGITAL_SIGNATURE);
    const ecSig = ec.subarray(1 + ec[0]);
    assert.match(openssl(['dgst', '-sha384', '-verify', pubPem('p384'), '-signature', sigFile('ec.sig', ecSig), data]).toString(), /Verified OK/);
  });

  it('we verify openssl-made signatures', () => {
    const data = octetsPath();
    const ecDer = openssl(['dgst', '-sha512', '-sign', keyPaths.get('p521') ?? '', data]);
    const ecAuth = Buffer.concat([Buffer.from([RFC7427_ALGIDS.ecdsaWithSha512.length]), RFC7427_ALGIDS.ecdsaWithSha512, ecDer]);
    assert.deepEqual(verifyAuth(pub('p521'), AUTH.DIGITAL_SIGNATURE, ecAuth, octets), { ok: true, hash: HASH.SHA2_512 });
    const pss = openssl([
      'dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sign', keyPaths.get('rsa') ?? '', data,
    ]);
    const pssAuth = Buffer.concat([Buffer.from([RFC7427_ALGIDS.rsassaPssSha256.length]), RFC7427_ALGIDS.rsassaPssSha256, pss]);
    assert.deepEqual(verifyAuth(pub('rsa'), AUTH.DIGITAL_SIGNATURE, pssAuth, octets), { ok: true, hash: HASH.SHA2_256 });
    const ed = openssl(['pkeyutl', '-sign', '-rawin', '-inkey', keyPaths.get('ed25519') ?? '', '-in', data]);
    const edAuth = Buffer.concat([Buffer.from([RFC7427_ALGIDS.ed25519.length]), RFC7427_ALGIDS.ed25519, ed]);
    assert.deepEqual(verifyAuth(pub('ed25519'), AUTH.DIGITAL_SIGNATURE, edAuth, octets), { ok: true, hash: HASH.IDENTITY });
    const rsa1 = openssl(['dgst', '-sha1', '-sign', keyPaths.get('rsa') ?? '', data]);
    assert.deepEqual(verifyAuth(pub('rsa'), AUTH.RSA_SIG, rsa1, octets), { ok: true, hash: HASH.SHA1 });
  });
});

describe('SIGNATURE_HASH_ALGORITHMS', () => {
  it('encodes 2-byte ids and parses them back', () => {
    assert.equal(signatureHashAlgorithmsData().toString('hex'), '000200030004');
    assert.equal(signatureHashAlgorithmsData([HASH.SHA2_256, HASH.IDENTITY]).toString('hex'), '00020005');
    assert.deepEqual(parseSignatureHashAlgorithms(h('0002000300040005ffff')), [2, 3, 4, 5, 0xffff]);
    assert.deepEqual(parseSignatureHashAlgorithms(Buffer.alloc(0)), []);
    assert.throws(() => parseSignatureHashAlgorithms(h('000200')), /3 bytes is not a list of 2-byte ids/);
  });

  it('chooses a hash the peer supports', () => {
    assert.equal(chooseSignatureHash(key('p384'), [2, 3, 4]), HASH.SHA2_384);
    assert.equal(chooseSignatureHash(key('p384'), [2]), HASH.SHA2_256);
    assert.equal(chooseSignatureHash(key('rsa'), [4, 3]), HASH.SHA2_512);
    assert.equal(chooseSignatureHash(key('rsa'), [1]), undefined);
    assert.equal(chooseSignatureHash(key('ed25519'), [2, 3, 4]), undefined);
    assert.equal(chooseSignatureHash(key('ed25519'), [2, 5]), HASH.IDENTITY);
  });
});
