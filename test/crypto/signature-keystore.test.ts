import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { AUTH } from '../../src/wire/iana';
import { signAuth, verifyAuth } from '../../src/crypto/auth-signature';
import { loadPrivateKey, loadPublicKey, publicKeyFromRaw, rawPublicKeyData } from '../../src/crypto/keystore';
import { spkiSha1 } from '../../src/crypto/x509';
import { TestPki, genKey, openssl } from './x509-fixtures';

const pki = new TestPki();
after(() => pki.cleanup());

function write(name: string, data: Buffer | string, mode = 0o600): string {
  const p = pki.path(name);
  writeFileSync(p, data);
  chmodSync(p, mode);
  return p;
}

describe('loadPrivateKey', () => {
  it('loads PKCS#8, PKCS#1 and SEC1 PEM and DER', () => {
    const rsa = pki.path('rsa.key');
    genKey(rsa, 'rsa');
    const ec = pki.path('ec.key');
    genKey(ec, 'p256');
    const forms: Array<[string, Buffer, string]> = [
      ['rsa-pkcs8.pem', openssl(['pkey', '-in', rsa]), 'rsa'],
      ['rsa-pkcs1.pem', openssl(['rsa', '-in', rsa, '-traditional']), 'rsa'],
      ['rsa-pkcs1.der', openssl(['rsa', '-in', rsa, '-traditional', '-outform', 'der']), 'rsa'],
      ['ec-pkcs8.der', openssl(['pkey', '-in', ec, '-outform', 'der']), 'ec'],
      ['ec-sec1.pem', openssl(['ec', '-in', ec]), 'ec'],
      ['ec-sec1.der', openssl(['ec', '-in', ec, '-outform', 'der']), 'ec'],
    ];
    assert.match(forms[1][1].toString(), /BEGIN RSA PRIVATE KEY/);
    assert.match(forms[4][1].toString(), /BEGIN EC PRIVATE KEY/);
    for (const [name, data, type] of forms) {
      const k = loadPrivateKey(write(name, data));
      assert.equal(k.type, 'private', name);
      assert.equal(k.asymmetricKeyType, type, name);
      const sig = signAuth(k, Buffer.from('x'), AUTH.DIGITAL_SIGNATURE);
      assert.ok(verifyAuth(k, AUTH.DIGITAL_SIGNATURE, sig, Buffer.from('x')).ok, name);
    }
  });

  it('refuses a key readable by group or others, like iked', () => {
    const p = pki.path('open.key');
    genKey(p, 'p256');
    chmodSync(p, 0o644);
    assert.throws(() => loadPrivateKey(p), /open\.key is accessible by group or others \(mode 0644\); chmod 600 it/);
    chmodSync(p, 0o640);
    assert.throws(() => loadPrivateKey(p), /mode 0640/);
    chmodSync(p, 0o400);
    assert.equal(loadPrivateKey(p).asymmetricKeyType, 'ec');
  });

  it('gives clear errors for missing, encrypted and garbage files', () => {
    assert.throws(() => loadPrivateKey(pki.path('nope.key')), /cannot read private key .*nope\.key/);
    const enc = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-128-cbc', '-pass', 'pass:x']);
    assert.throws(() => loadPrivateKey(write('enc.key', enc)), /encrypted private keys are not supported/);
    assert.throws(() => loadPrivateKey(write('junk.key', Buffer.from('hello'))), /junk\.key: not a PEM or DER/);
  });
});

describe('public keys and RAW_PUBKEY (RFC 7670)', () => {
  it('round-trips the DER SPKI and loads public key files', () => {
    const p = pki.path('ed.key');
    genKey(p, 'ed25519');
    const priv = loadPrivateKey(p);
    const raw = rawPublicKeyData(priv);
    const spkiDer = openssl(['pkey', '-in', p, '-pubout', '-outform', 'der']);
    assert.ok(raw.equals(spkiDer), 'RAW_PUBKEY data is the DER SubjectPublicKeyInfo');
    const pub = publicKeyFromRaw(raw);
    assert.ok(rawPublicKeyData(pub).equals(raw));
    assert.ok(spkiSha1(pub).equals(spkiSha1(priv)));
    const sig = signAuth(priv, Buffer.from('auth'), AUTH.DIGITAL_SIGNATURE);
    assert.ok(verifyAuth(pub, AUTH.DIGITAL_SIGNATURE, sig, Buffer.from('auth')).ok);
    assert.throws(() => publicKeyFromRaw(Buffer.from([1, 2, 3])), /RAW_PUBKEY data is not a DER SubjectPublicKeyInfo/);

    const pemPath = write('ed.pub', openssl(['pkey', '-in', p, '-pubout']));
    assert.ok(rawPublicKeyData(loadPublicKey(pemPath)).equals(raw));
    const derPath = write('ed.pub.der', spkiDer);
    assert.ok(rawPublicKeyData(loadPublicKey(derPath)).equals(raw));
    const rsa = pki.path('r.key');
    genKey(rsa, 'rsa');
    const pkcs1 = write('r.pub', openssl(['rsa', '-in', rsa, '-RSAPublicKey_out']));
    assert.equal(loadPublicKey(pkcs1).asymmetricKeyType, 'rsa');
    assert.throws(() => loadPublicKey(write('bad.pub', 'nope')), /not a PEM or DER/);
  });
});
