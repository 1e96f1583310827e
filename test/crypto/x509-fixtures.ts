/**
 * Test PKI made at test time with the openssl CLI in a temp dir (no keys in git).
 */
import { KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyAlg = 'rsa' | 'p256' | 'p384' | 'p521' | 'ed25519';

export interface Fixture {
  name: string;
  keyPath: string;
  certPath: string;
  key: KeyObject;
  cert: X509Certificate;
  pem: string;
}

export interface CertOptions {
  keyAlg: KeyAlg;
  /** OpenSSL -subj form, e.g. "/C=ZZ/O=sw-rig/CN=a.rig.test". */
  subject: string;
  /** Signed by this CA; self-signed when absent. */
  issuer?: Fixture;
  ca?: boolean;
  pathlen?: number;
  /** e.g. ["DNS:a.rig.test", "IP:10.0.0.1", "email:a@rig.test"]. */
  san?: string[];
  /** keyUsage value, default by role. */
  keyUsage?: string;
  days?: number;
}

export function openssl(args: string[], input?: Buffer | string): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function genKey(path: string, alg: KeyAlg): void {
  const args: Record<KeyAlg, string[]> = {
    rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    p521: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
    ed25519: ['-algorithm', 'ED25519'],
  };
  openssl(['genpkey', ...args[alg], '-out', path]);
  chmodSync(path, 0o600);
}

export class TestPki {
  readonly dir: string;
  private serial = 1;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'iked-pki-'));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  make(name: string, o: CertOptions): Fixture {
    const keyPath = this.path(`${name}.key`);
    const csrPath = this.path(`${name}.csr`);
    const certPath = this.path(`${name}.pem`);
    const extPath = this.path(`${name}.ext`);
    genKey(keyPath, o.keyAlg);
    const ext: string[] = ['[ext]'];
    if (o.ca) {
      ext.push(`basicConstraints = critical,CA:TRUE${o.pathlen !== undefined ? `,pathlen:${o.pathlen}` : ''}`);
      ext.push(`keyUsage = critical,${o.keyUsage ?? 'keyCertSign,cRLSign'}`);
    } else {
      ext.push('basicConstraints = CA:FALSE');
      ext.push(`keyUsage = ${o.keyUsage ?? 'digitalSignature'}`);
    }
    ext.push('subjectKeyIdentifier = hash');
    if (o.san?.length) ext.push(`subjectAltName = ${o.san.join(',')}`);
    writeFileSync(extPath, ext.join('\n') + '\n');
    openssl(['req', '-new', '-key', keyPath, '-subj', o.subject, '-out', csrPath]);
    const common = ['-days', String(o.days ?? 30), '-set_serial', String(this.serial++), '-extfile', extPath, '-extensions', 'ext'];
    const digest = o.keyAlg === 'ed25519' ? [] : ['-sha256'];
    if (o.issuer) {
      openssl(['x509', '-req', '-in', csrPath, '-CA', o.issuer.certPath, '-CAkey', o.issuer.keyPath, ...common, ...digest, '-out', certPath]);
    } else {
      openssl(['x509', '-req', '-in', csrPath, '-signkey', keyPath, ...common, ...digest, '-out', certPath]);
    }
    const pem = readFileSync(certPath, 'latin1');
    return {
      name,
      keyPath,
      certPath,
      key: createPrivateKey(readFileSync(keyPath)),
      cert: new X509Certificate(pem),
      pem,
    };
  }
}

/** Is a command runnable? */
export function haveCommand(cmd: string, args: string[] = ['--help']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
