/**
 * The RSA-2048 PKI of the rsa-ecp256 case, made with the openssl CLI in a temp dir:
 * a CA, a server certificate (SAN DNS:srv.load.test) and one client certificate
 * shared by all load clients (SAN DNS:client.load.test). Laid out for iked
 * ($IKED_DIR/{ca,certs,private}) and for swanctl (x509ca, x509, private).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaService } from '../src/proc/ca-service';
import type { AuthProvider } from '../src/ikev2/policy/auth-provider';
import { CLIENT_CERT_ID, SERVER_ID } from './bench-configs';
import { silentLogger } from './silent-logger';

export interface BenchPki {
  root: string;
  /** IKED_DIR of our responder and of the load client. */
  serverDir: string;
  clientDir: string;
  /** Files for charon's swanctl directory. */
  swanctlFiles(): { x509ca: Record<string, Buffer>; x509: Record<string, Buffer>; private: Record<string, Buffer> };
  authProviders(): { responder: AuthProvider; client: AuthProvider };
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, san: string): void {
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/O=iked bench/CN=${san}`, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n`);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
}

function ikedLayout(root: string, dir: string, name: string): string {
  const d = join(root, dir);
  for (const sub of ['ca', 'certs', 'private']) mkdirSync(join(d, sub), { recursive: true });
  copyFileSync(join(root, 'pki', 'ca.crt'), join(d, 'ca', 'ca.crt'));
  copyFileSync(join(root, 'pki', `${name}.crt`), join(d, 'certs', `${name}.crt`));
  copyFileSync(join(root, 'pki', `${name}.key`), join(d, 'private', 'local.key'));
  chmodSync(join(d, 'private', 'local.key'), 0o600);
  return d;
}

export async function benchPki(): Promise<BenchPki> {
  const root = mkdtempSync(join(tmpdir(), 'iked-bench-pki-'));
  const p = join(root, 'pki');
  mkdirSync(p);
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'ca.key'], p);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=iked bench/CN=iked bench CA', '-days', '30', '-sha256', '-out', 'ca.crt'], p);
  issue(p, 'server', SERVER_ID);
  issue(p, 'client', CLIENT_CERT_ID);
  const serverDir = ikedLayout(root, 'server', 'server');
  const clientDir = ikedLayout(root, 'client', 'client');
  const read = (f: string): Buffer => readFileSync(join(p, f));
  return {
    root,
    serverDir,
    clientDir,
    swanctlFiles: () => ({ x509ca: { 'ca.crt': read('ca.crt') }, x509: { 'server.crt': read('server.crt') }, private: { 'server.key': read('server.key') } }),
    authProviders: () => {
      const responder = new CaService(serverDir, silentLogger());
      responder.load([]);
      const client = new CaService(clientDir, silentLogger());
      client.load([]);
      return { responder, client };
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
