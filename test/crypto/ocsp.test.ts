import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { buildOcspRequest, certIdFor, ocspUrlsOf } from '../../src/crypto/ocsp-request';
import { parseOcspResponse } from '../../src/crypto/ocsp-response';
import { validateOcspResponse } from '../../src/crypto/ocsp-validate';
import { postOcspRequest } from '../../src/crypto/ocsp-http';
import { checkOcsp } from '../../src/crypto/ocsp-check';
import { parsedCertificate } from '../../src/crypto/x509-parse';
import { Issued, OcspResponder, OpensslCa, freePort, openssl } from './crl-openssl-ca';

describe('OCSP against a real openssl ocsp responder', () => {
  let ca: OpensslCa;
  let good: Issued;
  let bad: Issued;
  let responder: OcspResponder;
  const settings = (url: string) => ({ url, tolerate: 0, maxAge: -1 });

  before(async () => {
    ca = new OpensslCa('/O=iked-rig/CN=OCSP Rig CA');
    good = ca.issue('good.rig.test', 'DNS:good.rig.test');
    bad = ca.issue('bad.rig.test', 'DNS:bad.rig.test');
    ca.revoke(bad, 'keyCompromise');
    responder = await OcspResponder.start(ca);
  });
  after(() => {
    responder?.stop();
    ca?.cleanup();
  });

  it('builds a request openssl can read (SHA-1 CertID, nonce)', () => {
    const req = buildOcspRequest(good.cert, ca.cert, Buffer.alloc(16, 0xab));
    const file = join(ca.dir, 'req.der');
    writeFileSync(file, req.der);
    const text = openssl(['ocsp', '-reqin', file, '-req_text']).toString();
    assert.match(text, /Hash Algorithm: sha1/);
    assert.match(text, new RegExp(`Issuer Name Hash: ${req.certId.issuerNameHash.toString('hex').toUpperCase()}`));
    assert.match(text, new RegExp(`Issuer Key Hash: ${req.certId.issuerKeyHash.toString('hex').toUpperCase()}`));
    assert.match(text, /OCSP Nonce:\s*\n\s*0410ABABABAB/);
  });

  it('good certificate: ok', async () => {
    const v = await checkOcsp(good.cert, ca.cert, settings(responder.url));
    assert.deepEqual(v, { ok: true, url: responder.url });
  });

  it('revoked certificate: fails with the reason', async () => {
    const v = await checkOcsp(bad.cert, ca.cert, settings(responder.url));
    assert.equal(v.ok, false);
    assert.ok(!v.ok);
    assert.equal(v.status, 'revoked');
    assert.match(v.reason, /certificate .*CN=bad\.rig\.test.*\(serial 0x[0-9a-f]+\) revoked according to OCSP .*keyCompromise/);
  });

  it('certificate the responder does not know: fails (unknown)', async () => {
    const stranger = ca.issueUnrecorded('stranger.rig.test');
    const v = await checkOcsp(stranger.cert, ca.cert, settings(responder.url));
    assert.ok(!v.ok);
    assert.equal(v.status, 'unknown');
    assert.match(v.reason, /OCSP responder does not know certificate .*stranger\.rig\.test.*serial 0x7777/);
  });

  it('responder down: fails with a clear reason', async () => {
    const port = await freePort();
    const v = await checkOcsp(good.cert, ca.cert, settings(`http://127.0.0.1:${port}/`));
    assert.ok(!v.ok);
    assert.match(v.reason, /cannot check revocation: OCSP responder http:\/\/127\.0\.0\.1:\d+\/: connection refused/);
  });

  it('no URL anywhere: fails', async () => {
    const v = await checkOcsp(good.cert, ca.cert, { tolerate: 0, maxAge: -1 });
    assert.ok(!v.ok);
    assert.match(v.reason, /no responder URL/);
  });

  it('thisUpdate/nextUpdate with tolerate and maxage', async () => {
    const req = buildOcspRequest(good.cert, ca.cert);
    const resp = parseOcspResponse(await postOcspRequest(responder.url, req.der));
    const base = { cert: good.cert, issuer: ca.cert, certId: req.certId, nonceValue: req.nonceValue };
    assert.deepEqual(validateOcspResponse(resp, { ...base, tolerate: 0, maxAge: -1 }), { ok: true });
    const single = resp.basic!.responses[0];
    assert.ok(single.nextUpdate, 'openssl ocsp -nmin 5 sets nextUpdate');
    const late = new Date(single.nextUpdate!.getTime() + 60_000);
    const expired = validateOcspResponse(resp, { ...base, tolerate: 0, maxAge: -1, now: late });
    assert.ok(!expired.ok);
    assert.match(expired.reason, /has expired \(nextUpdate/);
    assert.deepEqual(validateOcspResponse(resp, { ...base, tolerate: 120, maxAge: -1, now: late }), { ok: true });
    const early = new Date(single.thisUpdate.getTime() - 60_000);
    assert.match((validateOcspResponse(resp, { ...base, tolerate: 0, maxAge: -1, now: early }) as { reason: string }).reason, /not yet valid/);
    assert.deepEqual(validateOcspResponse(resp, { ...base, tolerate: 120, maxAge: -1, now: early }), { ok: true });
    const aged = new Date(single.thisUpdate.getTime() + 120_000);
    assert.match((validateOcspResponse(resp, { ...base, tolerate: 0, maxAge: 60, now: aged }) as { reason: string }).reason, /too old .*maxage 60s/);
    assert.deepEqual(validateOcspResponse(resp, { ...base, tolerate: 0, maxAge: 600, now: aged }), { ok: true });
  });

  it('nonce mismatch and tampered signature are refused', async () => {
    const req = buildOcspRequest(good.cert, ca.cert);
    const der = await postOcspRequest(responder.url, req.der);
    const resp = parseOcspResponse(der);
    const base = { cert: good.cert, issuer: ca.cert, certId: req.certId, tolerate: 0, maxAge: -1 };
    const other = buildOcspRequest(good.cert, ca.cert);
    assert.match((validateOcspResponse(resp, { ...base, nonceValue: other.nonceValue }) as { reason: string }).reason, /nonce does not match/);
    const sig = resp.basic!.signatureValue;
    sig[sig.length - 5] ^= 1;
    const r = validateOcspResponse(resp, { ...base, nonceValue: req.nonceValue });
    assert.ok(!r.ok);
    assert.match(r.reason, /signature does not verify|signature:/);
  });

  it('delegated responder certified for OCSPSigning: ok; the same without that EKU: refused', async () => {
    const delegated = ca.issue('ocsp.rig.test', 'DNS:ocsp.rig.test', 'responder');
    const plain = ca.issue('plain.rig.test', 'DNS:plain.rig.test', 'leaf');
    const r1 = await OcspResponder.start(ca, delegated);
    try {
      assert.deepEqual(await checkOcsp(good.cert, ca.cert, settings(r1.url)), { ok: true, url: r1.url });
      const v = await checkOcsp(bad.cert, ca.cert, settings(r1.url));
      assert.ok(!v.ok);
      assert.match(v.reason, /revoked according to OCSP/);
    } finally {
      r1.stop();
    }
    const r2 = await OcspResponder.start(ca, plain);
    try {
      const v = await checkOcsp(good.cert, ca.cert, settings(r2.url));
      assert.ok(!v.ok);
      assert.match(v.reason, /lacks extendedKeyUsage OCSPSigning/);
      // ... unless configured as a trusted responder (iked's ocsp/responder.crt)
      assert.deepEqual(await checkOcsp(good.cert, ca.cert, settings(r2.url), { trustedResponders: [plain.cert] }), { ok: true, url: r2.url });
    } finally {
      r2.stop();
    }
  });

  it('a responder signed by an unrelated CA is refused', async () => {
    const other = new OpensslCa('/O=iked-rig/CN=Unrelated CA');
    const r = await OcspResponder.start(ca, other);
    try {
      const v = await checkOcsp(good.cert, ca.cert, settings(r.url));
      assert.ok(!v.ok);
      assert.match(v.reason, /not certified by .*OCSP Rig CA/);
    } finally {
      r.stop();
      other.cleanup();
    }
  });

  it('reads the OCSP URL of authorityInfoAccess', () => {
    const dir = ca.dir;
    const key = join(dir, 'aia.key');
    const crt = join(dir, 'aia.crt');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=aia', '-addext', 'authorityInfoAccess=OCSP;URI:http://127.0.0.1:1/ocsp,caIssuers;URI:http://x/ca.crt', '-out', crt]);
    const cert = new X509Certificate(readFileSync(crt));
    assert.deepEqual(ocspUrlsOf(cert), ['http://127.0.0.1:1/ocsp']);
    assert.deepEqual(ocspUrlsOf(good.cert), []);
  });

  it('CertID matches openssl for the issued serial', () => {
    const id = certIdFor(good.cert, ca.cert);
    assert.ok(id.serial.equals(parsedCertificate(good.cert).serial));
    assert.equal(id.issuerNameHash.length, 20);
    assert.equal(id.issuerKeyHash.length, 20);
  });
});
