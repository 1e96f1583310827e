import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ikectlMain, IkectlIo } from '../../src/cli/ikectl';

function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

function mkio(root: string, passwords: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const io: IkectlIo = {
    stdout: { write: (s: string) => void out.push(s) },
    stderr: { write: (s: string) => void err.push(s) },
    env: { PATH: process.env.PATH },
    cwd: root,
    readPassword: async (p) => {
      prompts.push(p);
      return passwords.shift() ?? null;
    },
  };
  return { io, out, err, prompts };
}

async function ikectl(root: string, words: string, passwords: string[] = []) {
  const h = mkio(root, passwords);
  const code = await ikectlMain(['--root', root, ...words.split(' ')], h.io);
  assert.equal(code, 0, `ikectl ${words}: ${h.err.join('')}`);
  return h;
}

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

function sanOf(crt: string): string {
  return execFileSync('openssl', ['x509', '-in', crt, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
}

test('ca workflow: create, install, certificates with IP SANs, export', { timeout: 120_000 }, async (t) => {
  if (!haveOpenssl()) return t.skip('needs the openssl binary');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ikectl-ca-'));
  try {
    const c = await ikectl(root, 'ca test create', ['s3cret', 's3cret']);
    assert.deepEqual(c.prompts, ['CA passphrase:', 'Retype CA passphrase:']);
    const ssl = path.join(root, 'etc/ssl/test');
    const caCrt = path.join(ssl, 'ca.crt');
    assert.ok(fs.existsSync(caCrt));
    assert.equal(mode(path.join(ssl, 'private/ca.key')), 0o600);
    assert.equal(mode(path.join(ssl, 'ikeca.passwd')), 0o600);
    assert.equal(mode(path.join(ssl, 'private')), 0o700);
    assert.match(fs.readFileSync(path.join(ssl, 'private/ca.key'), 'utf8'), /ENCRYPTED PRIVATE KEY/);
    const caText = execFileSync('openssl', ['x509', '-in', caCrt, '-noout', '-text'], { encoding: 'utf8' });
    assert.match(caText, /CA:TRUE/);

    const inst = await ikectl(root, 'ca test install');
    const ikedCa = path.join(root, 'etc/iked/ca/ca.crt');
    assert.equal(inst.out.join(''), `certificate for CA 'test' installed into ${ikedCa}\n`);
    assert.deepEqual(fs.readFileSync(ikedCa), fs.readFileSync(caCrt));

    await ikectl(root, 'ca test certificate 10.1.1.1 create');
    await ikectl(root, 'ca test certificate 10.1.1.1 install');
    await ikectl(root, 'ca test certificate 10.1.1.2 create');
    const exp = await ikectl(root, 'ca test certificate 10.1.1.2 export', ['exp0rt', 'exp0rt']);
    const tgz = path.join(root, '10.1.1.2.tgz');
    assert.equal(exp.out.join(''), `exported files in ${tgz}\n`);

    for (const host of ['10.1.1.1', '10.1.1.2']) {
      const crt = path.join(ssl, `${host}.crt`);
      const v = spawnSync('openssl', ['verify', '-CAfile', caCrt, crt], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /: OK\n$/);
      assert.match(sanOf(crt), new RegExp(`IP Address:${host.replace(/\./g, '\\.')}\\b`));
      assert.equal(mode(path.join(ssl, `private/${host}.key`)), 0o600);
    }
    // installed for iked
    const iked = path.join(root, 'etc/iked');
    assert.equal(mode(path.join(iked, 'private/local.key')), 0o600);
    assert.ok(fs.existsSync(path.join(iked, 'certs/10.1.1.1.crt')));
    assert.match(fs.readFileSync(path.join(iked, 'local.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
    const kmod = execFileSync('openssl', ['pkey', '-in', path.join(iked, 'private/local.key'), '-pubout'], { encoding: 'utf8' });
    assert.equal(kmod, fs.readFileSync(path.join(iked, 'local.pub'), 'utf8'));

    // the export tarball and its PKCS#12 open with the export passphrase
    const list = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).split('\n');
    for (const f of ['./ca/ca.crt', './certs/10.1.1.2.crt', './private/10.1.1.2.key', './private/local.key', './export/ca.pfx', './export/10.1.1.2.pfx', './local.pub']) {
      assert.ok(list.includes(f), `${f} in ${list.join(' ')}`);
    }
    const x = fs.mkdtempSync(path.join(os.tmpdir(), 'ikectl-x-'));
    execFileSync('tar', ['xzf', tgz, '-C', x]);
    assert.equal(mode(path.join(x, 'private/local.key')), 0o600);
    const p12 = spawnSync('openssl', ['pkcs12', '-in', path.join(x, 'export/10.1.1.2.pfx'), '-nodes', '-passin', 'pass:exp0rt'], { encoding: 'utf8' });
    assert.equal(p12.status, 0, p12.stderr);
    assert.match(p12.stdout, /BEGIN PRIVATE KEY/);
    assert.match(p12.stdout, /subject=.*CN = 10\.1\.1\.2/);
    assert.match(p12.stdout, /subject=.*CN = VPN CA test/);
    const bad = spawnSync('openssl', ['pkcs12', '-in', path.join(x, 'export/10.1.1.2.pfx'), '-nodes', '-passin', 'pass:wrong']);
    assert.notEqual(bad.status, 0);
    fs.rmSync(x, { recursive: true, force: true });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('ca: FQDN and email SANs, revoke with CRL, keys, show, delete', { timeout: 120_000 }, async (t) => {
  if (!haveOpenssl()) return t.skip('needs the openssl binary');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ikectl-ca-'));
  try {
    await ikectl(root, 'ca vpn create password pw1');
    const ssl = path.join(root, 'etc/ssl/vpn');
    await ikectl(root, 'ca vpn certificate gw.example.org create server');
    assert.match(sanOf(path.join(ssl, 'gw.example.org.crt')), /DNS:gw\.example\.org/);
    const eku = execFileSync('openssl', ['x509', '-in', path.join(ssl, 'gw.example.org.crt'), '-noout', '-ext', 'extendedKeyUsage'], { encoding: 'utf8' });
    assert.match(eku, /TLS Web Server Authentication/);
    assert.doesNotMatch(eku, /Client/);
    await ikectl(root, 'ca vpn certificate alice@example.org create client');
    assert.match(sanOf(path.join(ssl, 'alice@example.org.crt')), /email:alice@example\.org/);

    await ikectl(root, 'ca vpn certificate alice@example.org revoke');
    const crl = path.join(ssl, 'ca.crl');
    const v = spawnSync('openssl', ['verify', '-crl_check', '-CRLfile', crl, '-CAfile', path.join(ssl, 'ca.crt'), path.join(ssl, 'alice@example.org.crt')], { encoding: 'utf8' });
    assert.notEqual(v.status, 0);
    assert.match(v.stdout + v.stderr, /certificate revoked/);
    const ok = spawnSync('openssl', ['verify', '-crl_check', '-CRLfile', crl, '-CAfile', path.join(ssl, 'ca.crt'), path.join(ssl, 'gw.example.org.crt')]);
    assert.equal(ok.status, 0);
    const inst = await ikectl(root, 'ca vpn install');
    assert.match(inst.out.join(''), /CRL for CA 'vpn' installed to .*etc\/iked\/crls\/ca\.crl/);

    // keys
    await ikectl(root, 'ca vpn key peer1 create');
    const k = path.join(ssl, 'private/peer1.key');
    assert.equal(mode(k), 0o600);
    const before = fs.readFileSync(k);
    await ikectl(root, 'ca vpn key peer1 create');
    assert.deepEqual(fs.readFileSync(k), before, 'an existing key is not recreated');
    const alt = path.join(root, 'alt');
    await ikectl(root, `ca vpn key peer1 install ${alt}`);
    assert.equal(mode(path.join(alt, 'private/local.key')), 0o600);
    assert.ok(fs.existsSync(path.join(alt, 'local.pub')));
    const imported = path.join(root, 'imported.key');
    fs.writeFileSync(imported, before, { mode: 0o644 });
    await ikectl(root, `ca vpn key peer2 import ${imported}`);
    assert.equal(mode(path.join(ssl, 'private/peer2.key')), 0o600);
    await ikectl(root, 'ca vpn key peer2 delete');
    assert.equal(fs.existsSync(path.join(ssl, 'private/peer2.key')), false);

    // show ca certificates works without a daemon (falls back to the CA directory)
    const h = mkio(root);
    assert.equal(await ikectlMain(['--root', root, '-s', path.join(root, 'none.sock'), 'show', 'ca', 'vpn', 'certificates'], h.io), 0);
    const text = h.out.join('');
    assert.match(text, /subject=.*CN = gw\.example\.org/);
    assert.match(text, /notAfter=/);
    assert.match(text, /Fingerprint=/);

    await ikectl(root, 'ca vpn certificate gw.example.org delete');
    assert.equal(fs.existsSync(path.join(ssl, 'gw.example.org.crt')), false);
    assert.equal(fs.existsSync(path.join(ssl, 'private/gw.example.org.key')), false);
    await ikectl(root, 'ca vpn delete');
    assert.equal(fs.existsSync(ssl), false);

    const gone = mkio(root);
    assert.equal(await ikectlMain(['--root', root, 'ca', 'vpn', 'certificate', 'x', 'create'], gone.io), 1);
    assert.equal(gone.err.join(''), "ikectl: CA 'vpn' does not exist\n");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('ca: mismatching or missing passphrases are refused', async (t) => {
  if (!haveOpenssl()) return t.skip('needs the openssl binary');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ikectl-ca-'));
  try {
    const h = mkio(root, ['one', 'two']);
    assert.equal(await ikectlMain(['--root', root, 'ca', 'x', 'create'], h.io), 1);
    assert.equal(h.err.join(''), 'ikectl: passphrase does not match!\n');
    const h2 = mkio(root, []);
    assert.equal(await ikectlMain(['--root', root, 'ca', 'y', 'create'], h2.io), 1);
    assert.equal(h2.err.join(''), 'ikectl: password not set\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
