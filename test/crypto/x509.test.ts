import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CertStore,
  certMatchesIdentity,
  loadCertificate,
  loadCertificatesFromPem,
  parsedCertificate,
  spkiSha1,
  subjectDnDer,
  verifyChain,
} from '../../src/crypto/x509';
import { formatIdentity, parseIdentity } from '../../src/crypto/identity';
import { ID } from '../../src/wire/iana';
import { Fixture, TestPki, openssl } from './x509-fixtures';

const pki = new TestPki();
let root: Fixture;
let inter: Fixture;
let leaf: Fixture;
let ecRoot: Fixture;
let ecInter: Fixture;
let ecLeaf: Fixture;
let p521Leaf: Fixture;
let edLeaf: Fixture;
let otherRoot: Fixture;

before(() => {
  root = pki.make('root', { keyAlg: 'rsa', subject: '/C=ZZ/O=sw-rig/CN=Root CA', ca: true });
  inter = pki.make('inter', { keyAlg: 'rsa', subject: '/C=ZZ/O=sw-rig/CN=Intermediate CA', ca: true, issuer: root });
  leaf = pki.make('leaf', {
    keyAlg: 'rsa',
    subject: '/C=ZZ/O=sw-rig/CN=a.rig.test',
    issuer: inter,
    san: ['DNS:a.rig.test', 'DNS:Alias.Rig.Test', 'IP:10.0.0.1', 'IP:2001:db8::1', 'email:a@rig.test'],
  });
  ecRoot = pki.make('ecroot', { keyAlg: 'p384', subject: '/C=ZZ/O=sw-rig/CN=EC Root', ca: true });
  ecInter = pki.make('ecinter', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=EC Inter', ca: true, issuer: ecRoot });
  ecLeaf = pki.make('ecleaf', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=b.rig.test', issuer: ecInter, san: ['DNS:b.rig.test'] });
  p521Leaf = pki.make('p521leaf', { keyAlg: 'p521', subject: '/C=ZZ/O=sw-rig/CN=c.rig.test', issuer: ecRoot });
  edLeaf = pki.make('edleaf', { keyAlg: 'ed25519', subject: '/C=ZZ/O=sw-rig/CN=d.rig.test', issuer: ecRoot });
  otherRoot = pki.make('other', { keyAlg: 'p256', subject: '/C=ZZ/O=elsewhere/CN=Other Root', ca: true });
});
after(() => pki.cleanup());

describe('loading certificates', () => {
  it('loads PEM and DER, and every block of a bundle', () => {
    const fromPem = loadCertificate(Buffer.from(leaf.pem));
    const der = openssl(['x509', '-in', leaf.certPath, '-outform', 'der']);
    const fromDer = loadCertificate(der);
    assert.ok(fromPem.raw.equals(der));
    assert.ok(fromDer.raw.equals(der));
    const bundle = `junk\n${leaf.pem}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${inter.pem}`;
    const all = loadCertificatesFromPem(bundle);
    assert.equal(all.length, 2);
    assert.ok(all[1].raw.equals(inter.cert.raw));
  });

  it('rejects garbage with a clear error', () => {
    assert.throws(() => loadCertificate(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), /not a valid X\.509 certificate/);
    assert.throws(() => loadCertificate(Buffer.from('-----BEGIN FOO-----\n-----END FOO-----\n')), /no CERTIFICATE block/);
  });

  it('parses validity, basicConstraints, keyUsage and SANs', () => {
    const p = parsedCertificate(leaf.cert);
    assert.equal(p.notAfter.getTime(), new Date(leaf.cert.validTo).getTime());
    assert.equal(p.notBefore.getTime(), new Date(leaf.cert.validFrom).getTime());
    assert.equal(p.basicConstraints?.ca, false);
    assert.equal(parsedCertificate(root.cert).basicConstraints?.ca, true);
    assert.deepEqual(p.altNames.dns, ['a.rig.test', 'Alias.Rig.Test']);
    assert.deepEqual(p.altNames.email, ['a@rig.test']);
    assert.deepEqual(p.altNames.ip.map((b) => b.toString('hex')), ['0a000001', '20010db8000000000000000000000001']);
    assert.ok(parsedCertificate(root.cert).keyUsage?.has(5));
  });
});

describe('subject DN', () => {
  it('subjectDnDer is the DER of parseIdentity of the subject text, in both text forms', () => {
    for (const f of [root, inter, leaf, ecLeaf, edLeaf]) {
      const text = execFileSync('openssl', ['x509', '-in', f.certPath, '-noout', '-subject', '-nameopt', 'compat'])
        .toString()
        .trim()
        .replace(/^subject=/, '');
      const der = subjectDnDer(f.cert);
      assert.ok(parseIdentity(text).data.equals(der), `slash form ${text}`);
      const id = { type: ID.DER_ASN1_DN, data: der };
      const pretty = formatIdentity(id);
      assert.ok(parseIdentity(pretty).data.equals(der), `comma form ${pretty}`);
    }
    assert.equal(formatIdentity({ type: ID.DER_ASN1_DN, data: subjectDnDer(leaf.cert) }), 'C=ZZ, O=sw-rig, CN=a.rig.test');
  });

  it('subjectDnDer is the exact subject element of the certificate', () => {
    const der = subjectDnDer(leaf.cert);
    // The subject Name appears verbatim in the certificate after the issuer Name.
    const issuerDer = subjectDnDer(inter.cert);
    const at = leaf.cert.raw.indexOf(der, leaf.cert.raw.indexOf(issuerDer) + issuerDer.length);
    assert.ok(at > 0);
  });
});

describe('spkiSha1', () => {
  it('equals openssl x509 -pubkey | openssl pkey -pubin -outform der | sha1sum', () => {
    for (const f of [root, leaf, ecLeaf, p521Leaf, edLeaf]) {
      const pubPem = openssl(['x509', '-in', f.certPath, '-pubkey', '-noout']);
      const der = openssl(['pkey', '-pubin', '-outform', 'der'], pubPem);
      const sum = execFileSync('sha1sum', { input: der }).toString().split(' ')[0];
      assert.equal(spkiSha1(f.cert).toString('hex'), sum, f.name);
      assert.equal(spkiSha1(f.key).toString('hex'), sum, `${f.name} from private key`);
      assert.equal(spkiSha1(f.cert.publicKey).toString('hex'), sum, `${f.name} from public key`);
    }
  });
});

describe('certMatchesIdentity', () => {
  it('matches the subject DN and subjectAltNames', () => {
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('C=ZZ, O=sw-rig, CN=a.rig.test')));
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('/C=zz/O=SW-RIG/CN=A.rig.test')));
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('a.rig.test')));
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('alias.rig.test')));
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('10.0.0.1')));
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('2001:db8::1')));
    assert.ok(certMatchesIdentity(leaf.cert, parseIdentity('a@rig.test')));
  });

  it('does not match anything else', () => {
    assert.ok(!certMatchesIdentity(leaf.cert, parseIdentity('C=ZZ, O=sw-rig, CN=b.rig.test')));
    assert.ok(!certMatchesIdentity(leaf.cert, parseIdentity('O=sw-rig, C=ZZ, CN=a.rig.test')), 'RDN order matters');
    assert.ok(!certMatchesIdentity(leaf.cert, parseIdentity('b.rig.test')));
    assert.ok(!certMatchesIdentity(leaf.cert, parseIdentity('10.0.0.2')));
    assert.ok(!certMatchesIdentity(leaf.cert, parseIdentity('b@rig.test')));
    // The CN is not a SAN: an FQDN identity needs a dNSName.
    assert.ok(!certMatchesIdentity(edLeaf.cert, parseIdentity('d.rig.test')));
  });

  it('matches a KEY_ID equal to the SPKI SHA-1', () => {
    assert.ok(certMatchesIdentity(leaf.cert, { type: ID.KEY_ID, data: spkiSha1(leaf.cert) }));
    assert.ok(!certMatchesIdentity(leaf.cert, { type: ID.KEY_ID, data: spkiSha1(root.cert) }));
  });
});

describe('verifyChain', () => {
  it('builds and accepts leaf -> intermediate -> root (RSA, EC, Ed25519)', () => {
    const r = verifyChain(leaf.cert, [ecInter.cert, inter.cert], [otherRoot.cert, root.cert]);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(r.chain.map((c) => c.subject.split('\n').pop()), ['CN=a.rig.test', 'CN=Intermediate CA', 'CN=Root CA']);
    const e = verifyChain(ecLeaf.cert, [inter.cert, ecInter.cert], [ecRoot.cert]);
    assert.ok(e.ok, e.ok ? '' : e.reason);
    assert.equal(e.chain.length, 3);
    for (const f of [p521Leaf, edLeaf]) {
      const d = verifyChain(f.cert, [], [ecRoot.cert]);
      assert.ok(d.ok, d.ok ? '' : d.reason);
    }
  });

  it('accepts a leaf that is itself an anchor', () => {
    const r = verifyChain(otherRoot.cert, [], [otherRoot.cert]);
    assert.ok(r.ok);
  });

  it('rejects expired and not yet valid certificates (by the time given)', () => {
    const later = new Date(Date.now() + 400 * 86400e3);
    const r = verifyChain(leaf.cert, [inter.cert], [root.cert], later);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /^certificate expired: C=ZZ, O=sw-rig, CN=a\.rig\.test/);
    const earlier = new Date(Date.now() - 400 * 86400e3);
    const s = verifyChain(leaf.cert, [inter.cert], [root.cert], earlier);
    assert.match(!s.ok ? s.reason : '', /^certificate not yet valid/);
  });

  it('rejects a chain to the wrong trust anchor', () => {
    const r = verifyChain(leaf.cert, [inter.cert], [otherRoot.cert, ecRoot.cert]);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'no trusted issuer for C=ZZ, O=sw-rig, CN=Intermediate CA (issuer C=ZZ, O=sw-rig, CN=Root CA)');
  });

  it('rejects a missing intermediate', () => {
    const r = verifyChain(leaf.cert, [], [root.cert]);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /^no trusted issuer for C=ZZ, O=sw-rig, CN=a\.rig\.test \(issuer .*CN=Intermediate CA\)/);
  });

  it('rejects an issuer that is not a CA', () => {
    const rogue = pki.make('rogue', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=rogue.rig.test', issuer: leaf });
    const r = verifyChain(rogue.cert, [leaf.cert, inter.cert], [root.cert]);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /issuer C=ZZ, O=sw-rig, CN=a\.rig\.test is not a CA/);
  });

  it('rejects an impostor CA with the right name but another key', () => {
    const fake = pki.make('fakeroot', { keyAlg: 'rsa', subject: '/C=ZZ/O=sw-rig/CN=Root CA', ca: true });
    const r = verifyChain(leaf.cert, [inter.cert], [fake.cert]);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /signature of C=ZZ, O=sw-rig, CN=Intermediate CA does not verify with the key of C=ZZ, O=sw-rig, CN=Root CA/);
  });

  it('enforces pathLenConstraint', () => {
    const r0 = pki.make('root0', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=Root0', ca: true, pathlen: 0 });
    const i0 = pki.make('inter0', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=Inter0', ca: true, issuer: r0 });
    const l0 = pki.make('leaf0', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=leaf0', issuer: i0 });
    const r = verifyChain(l0.cert, [i0.cert], [r0.cert]);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /path length constraint \(0\) of C=ZZ, O=sw-rig, CN=Root0 exceeded/);
    const direct = pki.make('leaf0b', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=leaf0b', issuer: r0 });
    assert.ok(verifyChain(direct.cert, [], [r0.cert]).ok);
  });

  it('rejects a CA whose keyUsage lacks keyCertSign', () => {
    const badCa = pki.make('badku', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=BadKU', ca: true, keyUsage: 'digitalSignature' });
    const l = pki.make('badkuleaf', { keyAlg: 'p256', subject: '/C=ZZ/O=sw-rig/CN=badku-leaf', issuer: badCa });
    const r = verifyChain(l.cert, [], [badCa.cert]);
    assert.match(!r.ok ? r.reason : '', /keyUsage does not allow keyCertSign/);
  });
});

describe('CertStore', () => {
  it('loads /etc/iked/ca and /etc/iked/certs style directories', () => {
    const caDir = pki.path('ca');
    const certsDir = pki.path('certs');
    mkdirSync(caDir);
    mkdirSync(certsDir);
    copyFileSync(root.certPath, join(caDir, 'ca.crt'));
    writeFileSync(join(caDir, 'bundle.pem'), ecRoot.pem + otherRoot.pem);
    writeFileSync(join(caDir, 'README'), 'not a cert');
    writeFileSync(join(certsDir, 'leaf.der'), openssl(['x509', '-in', leaf.certPath, '-outform', 'der']));
    copyFileSync(inter.certPath, join(certsDir, 'inter.pem'));

    const store = new CertStore();
    assert.equal(store.loadDirectory(caDir, 'ca'), 3);
    assert.equal(store.loadDirectory(caDir, 'ca'), 0, 'duplicates are not added twice');
    assert.equal(store.loadDirectory(certsDir, 'certs'), 2);
    assert.equal(store.loadDirectory(pki.path('nonexistent'), 'ca'), 0);

    const hashes = store.anchorHashes();
    assert.equal(hashes.length, 3);
    assert.ok(hashes.every((h) => h.length === 20));
    const found = store.findAnchorsByHash([Buffer.alloc(20), spkiSha1(ecRoot.cert)]);
    assert.equal(found.length, 1);
    assert.ok(found[0].raw.equals(ecRoot.cert.raw));
    assert.deepEqual(store.findAnchorsByHash([Buffer.alloc(20, 1)]), []);

    const mine = store.findByIdentity(parseIdentity('a.rig.test'));
    assert.equal(mine.length, 1);
    const v = verifyChain(mine[0], store.certificates(), store.anchors());
    assert.ok(v.ok, v.ok ? '' : v.reason);
  });

  it('names a malformed file', () => {
    const dir = pki.path('badca');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.throws(() => new CertStore().loadDirectory(dir, 'ca'), /broken\.pem/);
  });
});
