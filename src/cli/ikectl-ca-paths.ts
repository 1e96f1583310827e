/**
 * Where `ikectl ca` keeps things, at OpenBSD's default paths, every one
 * prefixed by `root` (hidden --root / IKECTL_ROOT) so tests can use a
 * temporary directory.
 */
import * as path from 'node:path';

export interface CaPaths {
  /** /etc/ssl/NAME */
  caDir: string;
  /** /etc/ssl/NAME/private */
  privDir: string;
  /** /etc/ssl/NAME/ikeca.passwd: the CA key's passphrase, mode 0600 */
  passFile: string;
  /** /etc/ssl/NAME/ikeca.cnf: openssl req/ca/x509v3 configuration */
  cnfFile: string;
  caCrt: string;
  caKey: string;
  caCsr: string;
  caCrl: string;
  caPfx: string;
  index: string;
  serial: string;
  crlNumber: string;
  newCerts: string;
  /** /etc/iked */
  iked: string;
}

export interface HostPaths {
  crt: string;
  key: string;
  csr: string;
  pfx: string;
}

export function rooted(root: string, p: string): string {
  return root ? path.join(root, p) : p;
}

export function caPaths(root: string, name: string): CaPaths {
  const caDir = rooted(root, path.posix.join('/etc/ssl', name));
  const privDir = path.join(caDir, 'private');
  return {
    caDir,
    privDir,
    passFile: path.join(caDir, 'ikeca.passwd'),
    cnfFile: path.join(caDir, 'ikeca.cnf'),
    caCrt: path.join(caDir, 'ca.crt'),
    caKey: path.join(privDir, 'ca.key'),
    caCsr: path.join(privDir, 'ca.csr'),
    caCrl: path.join(caDir, 'ca.crl'),
    caPfx: path.join(caDir, 'ca.pfx'),
    index: path.join(caDir, 'index.txt'),
    serial: path.join(caDir, 'serial.txt'),
    crlNumber: path.join(caDir, 'crlnumber.txt'),
    newCerts: path.join(caDir, 'newcerts'),
    iked: rooted(root, '/etc/iked'),
  };
}

export function hostPaths(ca: CaPaths, host: string): HostPaths {
  return {
    crt: path.join(ca.caDir, `${host}.crt`),
    key: path.join(ca.privDir, `${host}.key`),
    csr: path.join(ca.privDir, `${host}.csr`),
    pfx: path.join(ca.privDir, `${host}.pfx`),
  };
}

/** iked's directories below /etc/iked (or an install PATH). */
export function ikedDirs(base: string): { ca: string; certs: string; crls: string; private: string; pubkeys: string } {
  return {
    ca: path.join(base, 'ca'),
    certs: path.join(base, 'certs'),
    crls: path.join(base, 'crls'),
    private: path.join(base, 'private'),
    pubkeys: path.join(base, 'pubkeys'),
  };
}
