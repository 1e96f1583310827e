/**
 * A real `openssl ca` in a temp dir for the revocation tests: a CA, leaves
 * issued with `openssl ca`, `-revoke`, `-gencrl`, and an `openssl ocsp`
 * responder on 127.0.0.1. No keys in git; everything is made at test time.
 */
import { X509Certificate, createPrivateKey, KeyObject } from 'node:crypto';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function openssl(args: string[], cwd?: string): Buffer {
  return execFileSync('openssl', args, { cwd, env: { ...process.env, RIG_SAN: 'DNS:unused' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Issued {
  name: string;
  certPath: string;
  keyPath: string;
  cert: X509Certificate;
  key: KeyObject;
}

const CONF = (dir: string): string => `
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = rig
[rig]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
certificate = ${dir}/ca.crt
private_key = ${dir}/ca.key
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 1
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
[leaf]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
subjectAltName = \${ENV::RIG_SAN}
[responder]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = OCSPSigning
subjectAltName = \${ENV::RIG_SAN}
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

/** An openssl CA directory (ca.crt, ca.key, index.txt, serial, crlnumber). */
export class OpensslCa {
  readonly dir: string;
  readonly conf: string;
  readonly cert: X509Certificate;
  readonly certPath: string;
  readonly keyPath: string;

  constructor(
    readonly subject = '/O=iked-rig/CN=Rig Root CA',
    keyAlg: 'p256' | 'rsa' = 'p256',
    parent?: string,
  ) {
    this.dir = parent ?? mkdtempSync(join(tmpdir(), 'iked-ca-'));
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(join(this.dir, 'newcerts'), { recursive: true });
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'serial'), '1000\n');
    writeFileSync(join(this.dir, 'crlnumber'), '01\n');
    this.conf = join(this.dir, 'ca.cnf');
    writeFileSync(this.conf, CONF(this.dir));
    this.keyPath = join(this.dir, 'ca.key');
    this.certPath = join(this.dir, 'ca.crt');
    genKey(this.keyPath, keyAlg);
    openssl(['req', '-new', '-x509', '-key', this.keyPath, '-subj', subject, '-days', '30', '-config', this.conf, '-extensions', 'ca_ext', '-out', this.certPath]);
    this.cert = new X509Certificate(readFileSync(this.certPath));
  }

  /** Issues a leaf (or an OCSP responder certificate) with `openssl ca`. */
  issue(name: string, san: string, profile: 'leaf' | 'responder' = 'leaf'): Issued {
    const keyPath = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    const certPath = join(this.dir, `${name}.crt`);
    genKey(keyPath, 'p256');
    openssl(['req', '-new', '-key', keyPath, '-subj', `/O=iked-rig/CN=${name}`, '-out', csr]);
    execFileSync('openssl', ['ca', '-batch', '-config', this.conf, '-extensions', profile, '-notext', '-in', csr, '-out', certPath], {
      env: { ...process.env, RIG_SAN: san },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return {
      name,
      certPath,
      keyPath,
      cert: new X509Certificate(readFileSync(certPath)),
      key: createPrivateKey(readFileSync(keyPath)),
    };
  }

  /** Signs a leaf with the CA key but outside `openssl ca` (not in index.txt: OCSP "unknown"). */
  issueUnrecorded(name: string): Issued {
    const keyPath = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    const certPath = join(this.dir, `${name}.crt`);
    genKey(keyPath, 'p256');
    openssl(['req', '-new', '-key', keyPath, '-subj', `/O=iked-rig/CN=${name}`, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.certPath, '-CAkey', this.keyPath, '-set_serial', '0x7777', '-days', '5', '-out', certPath]);
    return { name, certPath, keyPath, cert: new X509Certificate(readFileSync(certPath)), key: createPrivateKey(readFileSync(keyPath)) };
  }

  revoke(leaf: Issued, reason = 'keyCompromise'): void {
    execFileSync('openssl', ['ca', '-config', this.conf, '-revoke', leaf.certPath, '-crl_reason', reason], {
      env: { ...process.env, RIG_SAN: 'DNS:unused' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Writes a PEM CRL (`openssl ca -gencrl`) and returns its path. */
  gencrl(out = join(this.dir, 'ca.crl'), hours = 24): string {
    execFileSync('openssl', ['ca', '-config', this.conf, '-gencrl', '-crlhours', String(hours), '-out', out], {
      env: { ...process.env, RIG_SAN: 'DNS:unused' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function genKey(path: string, alg: 'p256' | 'rsa'): void {
  const args = alg === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...args, '-out', path]);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A running `openssl ocsp` responder; stop() kills it. */
export class OcspResponder {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  static async start(ca: OpensslCa, signer: { certPath: string; keyPath: string } = ca, extra: string[] = []): Promise<OcspResponder> {
    const port = await freePort();
    const proc = spawn(
      'openssl',
      ['ocsp', '-index', join(ca.dir, 'index.txt'), '-port', String(port), '-rsigner', signer.certPath, '-rkey', signer.keyPath, '-CA', ca.certPath, '-nmin', '5', ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const r = new OcspResponder(proc, port);
    // no probe connection: the responder is single-threaded and would block on it
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`openssl ocsp exited: ${output}`);
      if (/ACCEPT|waiting for OCSP client/.test(output)) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    r.stop();
    throw new Error(`openssl ocsp did not start listening on port ${port}: ${output}`);
  }

  stop(): void {
    if (this.proc.exitCode === null && this.proc.pid) this.proc.kill('SIGTERM');
  }
}
