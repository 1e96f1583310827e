/**
 * `ikectl ca ...`: a small certificate authority for iked, as OpenBSD's
 * ikectl(8) does it (usr.sbin/ikectl/ikeca.c), through the system openssl
 * binary (execFile, never a shell).
 */
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaCommand, CertPurpose } from './ikectl-command';
import { CaPaths, caPaths, HostPaths, hostPaths, ikedDirs, rooted } from './ikectl-ca-paths';
import { caEnv, extensionSection, hostType, IKECA_CNF } from './ikectl-ca-config';

export class CaError extends Error {}

export interface CaIo {
  /** prefix of every default path ('' = the real /etc) */
  root: string;
  /** where export archives are written and relative paths resolve */
  cwd: string;
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  /** read one passphrase (prompting with `prompt`); null at end of input */
  readPassword(prompt: string): Promise<string | null>;
  /** openssl binary, default "openssl" from PATH */
  openssl?: string;
  /** tar binary, default "tar" */
  tar?: string;
}

export const CA_DAYS = 4500;
export const CERT_DAYS = 365;
export const RSA_BITS = '2048';

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim().split('\n').filter(Boolean).slice(-3).join('; ');
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') reject(new CaError(`${file} binary not available`));
        else reject(new CaError(`${path.basename(file)} ${args[0]} failed${detail ? `: ${detail}` : ''}`));
        return;
      }
      resolve(String(stdout));
    });
  });
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Copy a file and force its mode (fcopy in ikeca.c). */
function fcopy(src: string, dst: string, mode: number): void {
  let data: Buffer;
  try {
    data = fs.readFileSync(src);
  } catch (e) {
    throw new CaError(`open ${src}: ${(e as Error).message}`);
  }
  try {
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.writeFileSync(dst, data, { mode });
    fs.chmodSync(dst, mode);
  } catch (e) {
    throw new CaError(`open ${dst}: ${(e as Error).message}`);
  } finally {
    if (mode === 0o600) data.fill(0);
  }
}

/** Create (or truncate) a file with mode 0600 before a tool writes a secret into it. */
function precreatePrivate(p: string): void {
  fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
  fs.writeFileSync(p, '', { mode: 0o600 });
  fs.chmodSync(p, 0o600);
}

function randomSerial(): string {
  const b = crypto.randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex').toUpperCase() + '\n';
}

export class IkeCa {
  readonly p: CaPaths;
  private readonly openssl: string;

  constructor(
    readonly name: string,
    private readonly io: CaIo,
  ) {
    this.p = caPaths(io.root, name);
    this.openssl = io.openssl ?? 'openssl';
  }

  private ssl(args: string[], extra: Record<string, string> = {}): Promise<string> {
    return run(this.openssl, args, caEnv(this.io.env, this.p.caDir, extra), this.io.cwd);
  }

  private userPath(p: string): string {
    return path.resolve(this.io.cwd, p);
  }

  private async newPassword(given: string | undefined, what: 'CA' | 'export'): Promise<string> {
    if (given !== undefined) {
      if (given === '') throw new CaError('password not set');
      return given;
    }
    const label = what === 'CA' ? 'CA passphrase:' : 'Export passphrase:';
    const pass = await this.io.readPassword(label);
    if (pass === null || pass === '') throw new CaError('password not set');
    const again = await this.io.readPassword(what === 'CA' ? 'Retype CA passphrase:' : 'Retype export passphrase:');
    if (again !== pass) throw new CaError('passphrase does not match!');
    return pass;
  }

  /** ca_setup: the CA directories, passphrase file, configuration and database. */
  async setup(create: boolean, password?: string): Promise<void> {
    const p = this.p;
    if (!create && !exists(p.caDir)) throw new CaError(`CA '${this.name}' does not exist`);
    fs.mkdirSync(p.caDir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(p.privDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(p.privDir, 0o700);
    fs.mkdirSync(p.newCerts, { recursive: true, mode: 0o755 });
    if (!exists(p.passFile) || (create && password !== undefined)) {
      const pass = Buffer.from((await this.newPassword(password, 'CA')) + '\n', 'utf8');
      precreatePrivate(p.passFile);
      fs.writeFileSync(p.passFile, pass, { mode: 0o600 });
      pass.fill(0);
    }
    if (!exists(p.cnfFile)) fs.writeFileSync(p.cnfFile, IKECA_CNF, { mode: 0o644 });
    if (!exists(p.index)) fs.writeFileSync(p.index, '', { mode: 0o644 });
    if (!exists(p.serial)) fs.writeFileSync(p.serial, randomSerial(), { mode: 0o644 });
    if (!exists(p.crlNumber)) fs.writeFileSync(p.crlNumber, '01\n', { mode: 0o644 });
  }

  private passin(): string[] {
    return ['-passin', `file:${this.p.passFile}`];
  }

  async create(password?: string): Promise<void> {
    await this.setup(true, password);
    const p = this.p;
    precreatePrivate(p.caKey);
    await this.ssl(['genrsa', '-aes256', '-out', p.caKey, '-passout', `file:${p.passFile}`, RSA_BITS]);
    fs.chmodSync(p.caKey, 0o600);
    precreatePrivate(p.caCsr);
    await this.ssl(['req', '-new', '-key', p.caKey, '-config', p.cnfFile, '-out', p.caCsr, ...this.passin()], {
      CERT_CN: `VPN CA ${this.name}`,
    });
    await this.ssl([
      'x509', '-req', '-days', String(CA_DAYS), '-sha256', '-in', p.caCsr, '-signkey', p.caKey,
      '-extfile', p.cnfFile, '-extensions', 'x509v3_CA', '-out', p.caCrt, ...this.passin(),
    ]);
    fs.chmodSync(p.caCrt, 0o644);
  }

  delete(): void {
    if (!exists(this.p.caDir)) throw new CaError(`CA '${this.name}' does not exist`);
    fs.rmSync(this.p.caDir, { recursive: true, force: true });
  }

  install(dir?: string): void {
    const p = this.p;
    if (!exists(p.caCrt)) throw new CaError(`CA '${this.name}' does not exist`);
    const base = dir ? this.userPath(dir) : p.iked;
    const d = ikedDirs(base);
    const dst = path.join(d.ca, 'ca.crt');
    fcopy(p.caCrt, dst, 0o644);
    this.io.out(`certificate for CA '${this.name}' installed into ${dst}`);
    if (exists(p.caCrl)) {
      const crl = path.join(d.crls, 'ca.crl');
      fcopy(p.caCrl, crl, 0o644);
      this.io.out(`CRL for CA '${this.name}' installed to ${crl}`);
    }
  }

  host(host: string): HostPaths {
    return hostPaths(this.p, host);
  }

  async keyCreate(host: string): Promise<void> {
    const h = this.host(host);
    if (exists(h.key)) return; // as ikectl: never recreate an existing key
    precreatePrivate(h.key);
    await this.ssl(['genrsa', '-out', h.key, RSA_BITS]);
    fs.chmodSync(h.key, 0o600);
  }

  keyDelete(host: string): void {
    fs.rmSync(this.host(host).key, { force: true });
  }

  keyImport(host: string, file: string): void {
    const src = this.userPath(file);
    if (!exists(src)) throw new CaError(`could not access keyfile ${file}`);
    fcopy(src, this.host(host).key, 0o600);
  }

  async keyInstall(host: string, dir?: string): Promise<void> {
    const h = this.host(host);
    if (!exists(h.key)) throw new CaError(`key for '${host}' does not exist`);
    const base = dir ? this.userPath(dir) : this.p.iked;
    const d = ikedDirs(base);
    const local = path.join(d.private, 'local.key');
    fs.mkdirSync(d.private, { recursive: true, mode: 0o700 });
    fcopy(h.key, local, 0o600);
    await this.ssl(['pkey', '-in', local, '-pubout', '-out', path.join(base, 'local.pub')]);
  }

  async certCreate(host: string, purpose?: CertPurpose): Promise<void> {
    const p = this.p;
    if (!exists(p.caCrt) || !exists(p.caKey)) throw new CaError(`CA '${this.name}' has no certificate; run 'ca ${this.name} create'`);
    const h = this.host(host);
    await this.keyCreate(host);
    const type = hostType(host);
    let name = host;
    if (type === 'fqdn' && host === 'local') name = os.hostname();
    precreatePrivate(h.csr);
    await this.ssl(['req', '-new', '-key', h.key, '-out', h.csr, '-config', p.cnfFile], { CERT_CN: name });
    const ext: Record<string, string> = {};
    if (type === 'ip') ext.CERTIP = name;
    else if (type === 'email') ext.CERTUSERFQDN = name;
    else ext.CERTFQDN = name;
    if (purpose === 'server') ext.EXTCERTUSAGE = 'serverAuth';
    else if (purpose === 'client') ext.EXTCERTUSAGE = 'clientAuth';
    else if (purpose === 'ocsp') {
      ext.EXTCERTUSAGE = 'OCSPSigning';
      ext.CERTUSAGE = 'critical,digitalSignature';
    }
    await this.ssl(
      [
        'ca', '-batch', '-notext', '-config', p.cnfFile, '-keyfile', p.caKey, '-cert', p.caCrt,
        '-extfile', p.cnfFile, '-extensions', extensionSection(type), '-days', String(CERT_DAYS),
        '-in', h.csr, '-out', h.crt, ...this.passin(),
      ],
      ext,
    );
    fs.chmodSync(h.crt, 0o644);
  }

  certDelete(host: string): void {
    const h = this.host(host);
    for (const f of [h.crt, h.key, h.csr, h.pfx]) fs.rmSync(f, { force: true });
  }

  async certInstall(host: string, dir?: string): Promise<void> {
    const h = this.host(host);
    if (!exists(h.crt)) throw new CaError(`certificate for '${host}' does not exist`);
    await this.keyInstall(host, dir);
    const base = dir ? this.userPath(dir) : this.p.iked;
    const dst = path.join(ikedDirs(base).certs, `${host}.crt`);
    fcopy(h.crt, dst, 0o644);
    this.io.out(`certificate for '${host}' installed into ${dst}`);
  }

  async certRevoke(host: string): Promise<void> {
    const p = this.p;
    const h = this.host(host);
    if (!exists(h.crt)) throw new CaError(`Problem with certificate for '${host}'`);
    const common = ['-config', p.cnfFile, '-keyfile', p.caKey, '-cert', p.caCrt, ...this.passin()];
    await this.ssl(['ca', '-revoke', h.crt, ...common]);
    await this.ssl(['ca', '-gencrl', '-out', p.caCrl, ...common]);
    fs.chmodSync(p.caCrl, 0o644);
    this.io.out(`certificate for '${host}' revoked, CRL updated in ${p.caCrl}`);
  }

  /**
   * Export as ikectl does: PKCS#12 files (host key+cert+CA, and CA only)
   * plus a tarball NAME.tgz in the current directory with ca/, certs/,
   * crls/, private/, export/ and local.pub. (OpenBSD also builds a .zip
   * with Windows helper files when zip(1) is installed; not done here.)
   */
  async exportBundle(host: string | undefined, peer: string | undefined, password: string | undefined): Promise<string> {
    const p = this.p;
    if (!exists(p.caCrt)) throw new CaError(`CA '${this.name}' does not exist`);
    const h = host !== undefined ? this.host(host) : null;
    if (h && (!exists(h.crt) || !exists(h.key))) throw new CaError(`certificate for '${host}' does not exist`);
    const oname = (host ?? 'ca').replace(/:/g, '_');
    const pass = await this.newPassword(password, 'export');
    const env = { EXPASS: pass };
    try {
      if (h) {
        const pfx = path.join(p.privDir, `${oname}.pfx`);
        precreatePrivate(pfx);
        await this.ssl(
          ['pkcs12', '-export', '-name', host as string, '-certfile', p.caCrt, '-inkey', h.key, '-in', h.crt,
            '-out', pfx, '-passout', 'env:EXPASS'],
          env,
        );
      }
      await this.ssl(
        ['pkcs12', '-export', '-caname', this.name, '-name', this.name, '-nokeys', '-in', p.caCrt,
          '-out', p.caPfx, '-passout', 'env:EXPASS'],
        env,
      );
    } finally {
      env.EXPASS = '';
    }

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ikectl.'));
    try {
      const d = ikedDirs(tmp);
      const exp = path.join(tmp, 'export');
      for (const dir of [d.ca, d.certs, d.crls, d.private, exp]) fs.mkdirSync(dir, { mode: 0o700 });
      if (peer !== undefined) fs.writeFileSync(path.join(exp, 'peer.txt'), peer, { mode: 0o644 });
      fcopy(p.caPfx, path.join(exp, 'ca.pfx'), 0o644);
      fcopy(p.caCrt, path.join(d.ca, 'ca.crt'), 0o644);
      if (exists(p.caCrl)) fcopy(p.caCrl, path.join(d.crls, 'ca.crl'), 0o644);
      if (h && host !== undefined) {
        fcopy(path.join(p.privDir, `${oname}.pfx`), path.join(exp, `${oname}.pfx`), 0o644);
        fcopy(h.key, path.join(d.private, `${host}.key`), 0o600);
        fcopy(h.key, path.join(d.private, 'local.key'), 0o600);
        fcopy(h.crt, path.join(d.certs, `${host}.crt`), 0o644);
        await this.ssl(['pkey', '-in', h.key, '-pubout', '-out', path.join(tmp, 'local.pub')]);
      }
      const out = path.join(this.io.cwd, `${oname}.tgz`);
      await run(this.io.tar ?? 'tar', ['-zcf', out, '-C', tmp, '.'], { PATH: this.io.env.PATH ?? '/usr/bin:/bin' }, this.io.cwd);
      fs.chmodSync(out, 0o600);
      this.io.out(`exported files in ${out}`);
      return out;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** `show ca NAME certificates [HOST]`: subject, fingerprint and dates of each certificate. */
  async showCerts(host?: string): Promise<string[]> {
    const p = this.p;
    if (!exists(p.caDir)) throw new CaError(`CA '${this.name}' does not exist`);
    const files = host !== undefined
      ? [`${host}.crt`]
      : fs.readdirSync(p.caDir).filter((f) => f.endsWith('.crt') && f.length > 4).sort();
    const out: string[] = [];
    for (const f of files) {
      const full = path.join(p.caDir, f);
      if (!exists(full)) throw new CaError(`certificate for '${host}' does not exist`);
      const text = await this.ssl(['x509', '-subject', '-fingerprint', '-dates', '-noout', '-in', full]);
      out.push(...text.trimEnd().split('\n'), '');
    }
    return out;
  }
}

export async function runCaCommand(cmd: CaCommand, io: CaIo): Promise<void> {
  const ca = new IkeCa(cmd.ca, io);
  switch (cmd.op) {
    case 'ca-create':
      return ca.create(cmd.password);
    case 'ca-delete':
      return ca.delete();
    case 'ca-install':
      return ca.install(cmd.path);
    case 'ca-export':
      await ca.setup(false);
      await ca.exportBundle(undefined, cmd.peer, cmd.password);
      return;
    case 'ca-show-certs':
      for (const l of await ca.showCerts(cmd.host)) io.out(l);
      return;
  }
  await ca.setup(false);
  switch (cmd.op) {
    case 'cert-create':
      return ca.certCreate(cmd.host, cmd.purpose);
    case 'cert-delete':
      return ca.certDelete(cmd.host);
    case 'cert-install':
      return ca.certInstall(cmd.host, cmd.path);
    case 'cert-export':
      await ca.exportBundle(cmd.host, cmd.peer, cmd.password);
      return;
    case 'cert-revoke':
      return ca.certRevoke(cmd.host);
    case 'key-create':
      return ca.keyCreate(cmd.host);
    case 'key-delete':
      return ca.keyDelete(cmd.host);
    case 'key-install':
      return ca.keyInstall(cmd.host, cmd.path);
    case 'key-import':
      return ca.keyImport(cmd.host, cmd.file);
  }
}

export { rooted };
