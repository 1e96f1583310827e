/**
 * CaService.verify with revocation: a real IKED_DIR (ca/, crls/, ocsp/) made
 * with `openssl ca`, a real `openssl ocsp` responder, real AUTH signatures.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CaService } from '../../src/proc/ca-service';
import { AUTH, CERT } from '../../src/wire/iana';
import { parseIdentity } from '../../src/crypto/identity';
import { signAuth } from '../../src/crypto/auth-signature';
import type { Logger } from '../../src/log/logger';
import type { VerifiedAndSigned } from '../../src/ikev2/policy/auth-provider';
import { Issued, OcspResponder, OpensslCa, freePort } from './crl-openssl-ca';

function quietLog(lines: string[]): Logger {
  const push = (m: string): void => void lines.push(m);
  return { error: push, warn: push, info: push, verbose: push, debug: push, setVerbose: () => undefined, getVerbose: () => 2, close: () => undefined };
}

describe('CaService revocation (CRL and OCSP)', () => {
  let ca: OpensslCa;
  let good: Issued;
  let bad: Issued;
  let dir: string;
  const lines: string[] = [];

  before(() => {
    ca = new OpensslCa('/O=iked-rig/CN=Service CA');
    good = ca.issue('good.rig.test', 'DNS:good.rig.test');
    bad = ca.issue('bad.rig.test', 'DNS:bad.rig.test');
    ca.revoke(bad);
    dir = mkdtempSync(join(tmpdir(), 'iked-dir-'));
    mkdirSync(join(dir, 'ca'));
    copyFileSync(ca.certPath, join(dir, 'ca', 'ca.crt'));
  });
  after(() => {
    ca.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function verifyAs(svc: CaService, peer: Issued): Promise<{ ok: boolean; reason?: string }> {
    const octets = randomBytes(64);
    const data = signAuth(peer.key, octets, AUTH.DIGITAL_SIGNATURE);
    const id = parseIdentity(peer.name);
    return svc.verify('p', id, AUTH.DIGITAL_SIGNATURE, data, octets, [{ encoding: CERT.X509_SIG, data: Buffer.from(peer.cert.raw) }]);
  }

  it('without crls/: both peers pass', async () => {
    const svc = new CaService(dir, quietLog(lines));
    svc.load([]);
    assert.deepEqual(await verifyAs(svc, good), { ok: true });
    assert.deepEqual(await verifyAs(svc, bad), { ok: true });
  });

  it('with crls/ca.crl: the revoked peer fails, the other passes; removing the CRL and reloading lets it in', async () => {
    mkdirSync(join(dir, 'crls'), { recursive: true });
    ca.gencrl(join(dir, 'crls', 'ca.crl'));
    const svc = new CaService(dir, quietLog(lines));
    svc.load([]);
    assert.equal(svc.crls.size, 1);
    assert.deepEqual(await verifyAs(svc, good), { ok: true });
    const r = await verifyAs(svc, bad);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /certificate .*CN=bad\.rig\.test.*\(serial 0x[0-9a-f]+\) revoked by CRL of .*CN=Service CA/);
    rmSync(join(dir, 'crls'), { recursive: true });
    svc.load([]);
    assert.deepEqual(await verifyAs(svc, bad), { ok: true });
  });

  it('verifyThenSign: signs only for a verified peer (a revoked one gets nothing signed)', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'iked-dir-'));
    try {
      mkdirSync(join(d2, 'ca'));
      mkdirSync(join(d2, 'crls'));
      mkdirSync(join(d2, 'private'), { mode: 0o700 });
      copyFileSync(ca.certPath, join(d2, 'ca', 'ca.crt'));
      ca.gencrl(join(d2, 'crls', 'ca.crl'));
      copyFileSync(good.keyPath, join(d2, 'private', 'local.key'));
      mkdirSync(join(d2, 'certs'));
      copyFileSync(good.certPath, join(d2, 'certs', 'good.crt'));
      chmodSync(join(d2, 'private', 'local.key'), 0o600);
      const svc = new CaService(d2, quietLog(lines));
      svc.load([]);
      const ask = async (peer: Issued): Promise<VerifiedAndSigned> => {
        const octets = randomBytes(64);
        const v = { policy: 'p', remoteId: parseIdentity(peer.name), method: AUTH.DIGITAL_SIGNATURE, data: signAuth(peer.key, octets, AUTH.DIGITAL_SIGNATURE), octets, certs: [{ encoding: CERT.X509_SIG, data: Buffer.from(peer.cert.raw) }] };
        return svc.verifyThenSign(v, { policy: 'p', localId: parseIdentity('good.rig.test'), octets: Buffer.from('ours'), peerHashAlgs: [] });
      };
      const revoked = await ask(bad);
      assert.equal(revoked.verified.ok, false);
      assert.equal(revoked.signed, null);
      const ok = await ask(good);
      assert.deepEqual(ok.verified, { ok: true });
      assert.ok(ok.signed, 'signed for a verified peer');
      assert.deepEqual(await svc.verify('p', parseIdentity('good.rig.test'), ok.signed.method, ok.signed.data, Buffer.from('ours'), ok.signed.certs), { ok: true });
    } finally {
      rmSync(d2, { recursive: true, force: true });
    }
  });

  it('set ocsp: good passes, revoked fails, responder down fails', async () => {
    const responder = await OcspResponder.start(ca);
    try {
      const svc = new CaService(dir, quietLog(lines));
      svc.load([], { ocsp: { url: responder.url, tolerate: 10, maxAge: -1 } });
      assert.deepEqual(await verifyAs(svc, good), { ok: true });
      const r = await verifyAs(svc, bad);
      assert.equal(r.ok, false);
      assert.match(r.reason ?? '', /revoked according to OCSP/);
      // a reload without options keeps the OCSP settings
      svc.load([]);
      assert.equal((await verifyAs(svc, bad)).ok, false);
      const port = await freePort();
      svc.load([], { ocsp: { url: `http://127.0.0.1:${port}/`, tolerate: 0, maxAge: -1 } });
      const down = await verifyAs(svc, good);
      assert.equal(down.ok, false);
      assert.match(down.reason ?? '', /cannot check revocation: .*connection refused/);
      // `set ocsp` removed: no OCSP at all
      svc.load([], {});
      assert.deepEqual(await verifyAs(svc, bad), { ok: true });
    } finally {
      responder.stop();
    }
  });

  it('a malformed file in crls/ is logged, not fatal', async () => {
    mkdirSync(join(dir, 'crls'), { recursive: true });
    copyFileSync(ca.certPath, join(dir, 'crls', 'not-a-crl.pem'));
    try {
      const svc = new CaService(dir, quietLog(lines));
      svc.load([]);
      assert.ok(lines.some((l) => /not-a-crl\.pem: (not a valid CRL|no X509 CRL block)/.test(l)), lines.join('\n'));
    } finally {
      rmSync(join(dir, 'crls'), { recursive: true });
    }
  });
});
