/**
 * Interop with strongSwan's own encoders: certificates made by strongSwan's
 * `pki` carry signature AlgorithmIdentifiers built by the same code that
 * builds its RFC 7427 AUTH payloads, and DNs built by its DN parser.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { verifyAuth } from '../../src/crypto/auth-signature';
import { formatIdentity, identityEquals, parseIdentity } from '../../src/crypto/identity';
import { certMatchesIdentity, parsedCertificate, verifyChain } from '../../src/crypto/x509';
import { decodeSignatureAlgorithm, encodeSignatureAlgorithm } from '../../src/crypto/x509-signature-algorithm';
import { AUTH, HASH, ID } from '../../src/wire/iana';
import { TestPki, haveCommand } from './x509-fixtures';

const HAVE_PKI = haveCommand('pki', ['--help']);
const SKIP = HAVE_PKI ? false : 'needs strongSwan pki (apt-get install strongswan-pki)';

const pki = new TestPki();
after(() => pki.cleanup());

function sw(args: string[]): Buffer {
  return execFileSync('pki', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function gen(name: string, type: string, size?: number): string {
  const p = pki.path(name);
  writeFileSync(p, sw(['--gen', '--type', type, ...(size ? ['--size', String(size)] : []), '--outform', 'pem']), { mode: 0o600 });
  return p;
}

/** The certificate's outer signature, as RFC 7427 AUTH data over the TBS bytes. */
function asAuth(cert: X509Certificate): { data: Buffer; octets: Buffer; algId: Buffer } {
  const p = parsedCertificate(cert);
  return {
    data: Buffer.concat([Buffer.from([p.signatureAlgorithm.length]), p.signatureAlgorithm, p.signatureValue]),
    octets: p.tbs,
    algId: p.signatureAlgorithm,
  };
}

describe('strongSwan pki interop', { skip: SKIP }, () => {
  let rsaKey = '';
  let pssCa: X509Certificate;

  before(() => {
    if (!HAVE_PKI) return;
    rsaKey = gen('rsa.pem', 'rsa', 2048);
    pssCa = new X509Certificate(
      sw(['--self', '--in', rsaKey, '--dn', 'C=ZZ, O=sw-rig, CN=pss.rig.test', '--ca', '--rsa-padding', 'pss',
        '--san', 'pss.rig.test', '--san', '10.1.2.3', '--outform', 'pem']),
    );
  });

  it('RSASSA-PSS AlgorithmIdentifier equals ours and its signature verifies as RFC 7427 AUTH data', () => {
    const a = asAuth(pssCa);
    assert.deepEqual(decodeSignatureAlgorithm(a.algId), { scheme: 'rsa-pss', hash: HASH.SHA2_256, saltLength: 32 });
    assert.equal(encodeSignatureAlgorithm({ scheme: 'rsa-pss', hash: HASH.SHA2_256 }).toString('hex'), a.algId.toString('hex'));
    assert.deepEqual(verifyAuth(pssCa.publicKey, AUTH.DIGITAL_SIGNATURE, a.data, a.octets), { ok: true, hash: HASH.SHA2_256 });
    const tampered = Buffer.from(a.octets);
    tampered[20] ^= 1;
    assert.equal(verifyAuth(pssCa.publicKey, AUTH.DIGITAL_SIGNATURE, a.data, tampered).ok, false);
  });

  it('ECDSA and Ed25519 AlgorithmIdentifiers equal ours', () => {
    for (const [type, size, alg] of [
      ['ecdsa', 256, { scheme: 'ecdsa', hash: HASH.SHA2_256 }],
      ['ecdsa', 384, { scheme: 'ecdsa', hash: HASH.SHA2_384 }],
      ['ecdsa', 521, { scheme: 'ecdsa', hash: HASH.SHA2_512 }],
      ['ed25519', undefined, { scheme: 'ed25519', hash: HASH.IDENTITY }],
    ] as const) {
      const key = gen(`${type}${size ?? ''}.pem`, type, size);
      const cert = new X509Certificate(sw(['--self', '--in', key, '--dn', `CN=${type}${size ?? ''}`, '--outform', 'pem']));
      const a = asAuth(cert);
      assert.equal(encodeSignatureAlgorithm(alg).toString('hex'), a.algId.toString('hex'), `${type} ${size}`);
      assert.deepEqual(verifyAuth(cert.publicKey, AUTH.DIGITAL_SIGNATURE, a.data, a.octets), { ok: true, hash: alg.hash });
    }
  });

  it('DNs: strongSwan text, encoding and our formatting agree', () => {
    const text = 'C=ZZ, O=sw-rig, OU=a+b, CN=dn.rig.test, E=x@rig.test, SN=Doe, serialNumber=1234';
    const cert = new X509Certificate(sw(['--self', '--in', rsaKey, '--dn', text, '--outform', 'pem']));
    writeFileSync(pki.path('dn.pem'), cert.toString());
    const printed = /subject:\s+"(.*)"/.exec(sw(['--print', '--in', pki.path('dn.pem')]).toString());
    assert.ok(printed);
    const subject = parsedCertificate(cert).subject;
    const id = { type: ID.DER_ASN1_DN, data: subject };
    assert.equal(formatIdentity(id), text);
    assert.equal(formatIdentity(id), printed[1], 'same text as pki --print');
    // strongSwan encodes PrintableString, we encode UTF8String like OpenSSL: same identity.
    const ours = parseIdentity(text);
    assert.ok(identityEquals(ours, id));
    assert.ok(certMatchesIdentity(cert, ours));
    const dnHex = /asn1dn:#([0-9a-f]+)/.exec(sw(['--dn', '--in', pki.path('dn.pem')]).toString());
    assert.ok(dnHex);
    assert.equal(dnHex[1], subject.toString('hex'));
    assert.ok(certMatchesIdentity(pssCa, parseIdentity('pss.rig.test')));
    assert.ok(certMatchesIdentity(pssCa, parseIdentity('10.1.2.3')));
  });

  it('a really expired certificate issued by strongSwan is rejected', () => {
    const leafKey = gen('old.key', 'ecdsa', 256);
    const caPath = pki.path('pssca.pem');
    writeFileSync(caPath, pssCa.toString());
    const old = new X509Certificate(
      sw(['--issue', '--in', leafKey, '--type', 'priv', '--cacert', caPath, '--cakey', rsaKey,
        '--dn', 'C=ZZ, O=sw-rig, CN=old.rig.test', '--not-before', '01.01.20 00:00:00', '--not-after', '01.01.21 00:00:00',
        '--outform', 'pem']),
    );
    const r = verifyChain(old, [], [pssCa]);
    assert.deepEqual(r, { ok: false, reason: 'certificate expired: C=ZZ, O=sw-rig, CN=old.rig.test (notAfter 2021-01-01T00:00:00.000Z)' });
    const then = verifyChain(old, [], [pssCa], new Date('2020-06-01T00:00:00Z'));
    assert.equal(then.ok, false, 'the CA itself was not valid in 2020');
    assert.match(!then.ok ? then.reason : '', /^CA certificate not yet valid: C=ZZ, O=sw-rig, CN=pss\.rig\.test/);
  });
});
