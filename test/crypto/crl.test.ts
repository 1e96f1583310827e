import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrlStore, crlProblem, loadCrls, normaliseSerial, parseCrlDer } from '../../src/crypto/x509-crl';
import { parsedCertificate } from '../../src/crypto/x509-parse';
import { Issued, OpensslCa, openssl } from './crl-openssl-ca';

describe('x509-crl with a real openssl ca', () => {
  let ca: OpensslCa;
  let good: Issued;
  let bad: Issued;
  let crlPath: string;

  before(() => {
    ca = new OpensslCa();
    good = ca.issue('good.rig.test', 'DNS:good.rig.test');
    bad = ca.issue('bad.rig.test', 'DNS:bad.rig.test');
    ca.revoke(bad, 'keyCompromise');
    crlPath = ca.gencrl();
  });
  after(() => ca.cleanup());

  it('parses the CRL made by openssl ca -gencrl', () => {
    const [crl] = loadCrls(readFileSync(crlPath), crlPath);
    assert.equal(crl.revoked.size, 1);
    const serial = normaliseSerial(parsedCertificate(bad.cert).serial);
    assert.ok(crl.revoked.has(serial), `serial ${serial} listed`);
    assert.equal(crl.revoked.get(serial)?.reason, 1, 'keyCompromise');
    assert.equal(crl.revoked.has(normaliseSerial(parsedCertificate(good.cert).serial)), false);
    assert.ok(crl.issuer.equals(parsedCertificate(ca.cert).subject));
    assert.ok(crl.nextUpdate && crl.nextUpdate.getTime() > Date.now());
    assert.deepEqual(crl.unsupportedCritical, []);
    // openssl crl agrees on the DER round trip
    const der = openssl(['crl', '-in', crlPath, '-outform', 'DER']);
    assert.ok(parseCrlDer(der).raw.equals(der));
  });

  it('verifies the CRL signature with the issuer key', () => {
    const [crl] = loadCrls(readFileSync(crlPath), crlPath);
    assert.equal(crlProblem(crl, ca.cert), undefined);
  });

  it('revoked leaf fails with a reason, good leaf passes', () => {
    const store = new CrlStore();
    store.add(loadCrls(readFileSync(crlPath))[0]);
    assert.deepEqual(store.checkChain([good.cert, ca.cert]), { ok: true });
    const r = store.checkChain([bad.cert, ca.cert]);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.match(r.reason, /certificate .*CN=bad\.rig\.test.* \(serial 0x[0-9a-f]+\) revoked by CRL of .*CN=Rig Root CA/);
    assert.match(r.reason, /keyCompromise/);
  });

  it('refuses an expired CRL and one not yet valid', () => {
    const [crl] = loadCrls(readFileSync(crlPath));
    const store = new CrlStore();
    store.add(crl);
    const later = new Date(Date.now() + 3 * 86400_000);
    const p = crlProblem(crl, ca.cert, later);
    assert.match(p ?? '', /has expired \(nextUpdate/);
    const r = store.checkChain([good.cert, ca.cert], later);
    assert.ok(!r.ok);
    assert.match(r.reason, /cannot check revocation of .*good\.rig\.test.*expired/);
    assert.match(crlProblem(crl, ca.cert, new Date(Date.now() - 86400_000)) ?? '', /not yet valid/);
  });

  it('refuses a CRL signed by the wrong key (same CA name)', () => {
    const impostor = new OpensslCa(ca.subject);
    try {
      impostor.issue('x.rig.test', 'DNS:x.rig.test');
      const fakePath = impostor.gencrl();
      const [fake] = loadCrls(readFileSync(fakePath));
      assert.match(crlProblem(fake, ca.cert) ?? '', /signature does not verify with the key of .*Rig Root CA/);
      const store = new CrlStore();
      store.add(fake);
      const r = store.checkChain([good.cert, ca.cert]);
      assert.ok(!r.ok);
      assert.match(r.reason, /signature does not verify/);
      // the genuine CRL next to the fake one is used
      store.add(loadCrls(readFileSync(crlPath))[0]);
      assert.deepEqual(store.checkChain([good.cert, ca.cert]), { ok: true });
      assert.equal(store.checkChain([bad.cert, ca.cert]).ok, false);
    } finally {
      impostor.cleanup();
    }
  });

  it('an issuer without a CRL is not checked', () => {
    const other = new OpensslCa('/O=iked-rig/CN=Other CA');
    try {
      const leaf = other.issue('o.rig.test', 'DNS:o.rig.test');
      const store = new CrlStore();
      store.add(loadCrls(readFileSync(crlPath))[0]);
      assert.deepEqual(store.checkChain([leaf.cert, other.cert]), { ok: true });
    } finally {
      other.cleanup();
    }
  });

  it('loads a crls/ directory (PEM and DER) and names a malformed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iked-crls-'));
    try {
      copyFileSync(crlPath, join(dir, 'ca.crl'));
      writeFileSync(join(dir, 'ca.der'), openssl(['crl', '-in', crlPath, '-outform', 'DER']));
      mkdirSync(join(dir, 'sub'));
      const store = new CrlStore();
      assert.equal(store.loadDirectory(dir), 1, 'the same CRL twice counts once');
      assert.equal(store.loadDirectory(join(dir, 'missing')), 0);
      writeFileSync(join(dir, 'junk.crl'), 'not a crl');
      assert.throws(() => new CrlStore().loadDirectory(dir), /junk\.crl: not a valid CRL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects truncated DER with a bounded-reader error', () => {
    const der = openssl(['crl', '-in', crlPath, '-outform', 'DER']);
    assert.throws(() => parseCrlDer(der.subarray(0, der.length - 10)), /runs past end|truncated/);
  });
});
