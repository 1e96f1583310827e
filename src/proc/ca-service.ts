/**
 * The ca side of authentication: holds the private key and the trust anchors,
 * signs our AUTH payloads and verifies the peer's, with iked's file layout:
 *   DIR/ca/*            trust anchors          DIR/certs/*   our (and peers') certificates
 *   DIR/private/local.key  our private key     DIR/pubkeys/{ipv4,ipv6,fqdn,ufqdn}/ID  raw peer keys
 *   DIR/crls/*          CRLs checked against every certificate of a peer's chain
 *   DIR/ocsp/*          OCSP responder certificates trusted as such (with `set ocsp`)
 * DIR is /etc/iked (IKED_DIR in the environment moves it, for tests and packaging).
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeyObject, X509Certificate, createPublicKey } from 'node:crypto';
import { AUTH, CERT, ID, CertEncoding } from '../wire/iana';
import type { AuthProvider, LocalAuth, PeerCert, SignArgs, VerifiedAndSigned, VerifyArgs, VerifyResult } from '../ikev2/policy/auth-provider';
import type { OcspConf, PolicyConf } from '../conf/types';
import type { Logger } from '../log/logger';
import { Identity, formatIdentity } from '../crypto/identity';
import { CertStore, certMatchesIdentity, verifyChain, spkiSha1, loadCertificate, certificatePublicKey } from '../crypto/x509';
import { loadPrivateKey, privateKeyFromBytes, publicKeyFromRaw, rawPublicKeyData } from '../crypto/keystore';
import { signAuth, verifyAuth, authMethodForKey, chooseSignatureHash, DEFAULT_SIGNATURE_HASHES } from '../crypto/auth-signature';
import { CrlStore } from '../crypto/x509-crl';
import { checkOcsp } from '../crypto/ocsp-check';

/** Global options the ca side needs (from iked.conf `set ...`). */
export interface CaOptions {
  /** `set ocsp URL [tolerate T [maxage T]]`: check the peer's certificate with OCSP. */
  ocsp?: OcspConf;
}

export function ikedDir(): string {
  return process.env.IKED_DIR ?? '/etc/iked';
}

const METHOD_FOR_AUTH: Record<string, number | undefined> = {
  rsa: AUTH.RSA_SIG,
  ecdsa256: AUTH.ECDSA_SHA256_P256,
  ecdsa384: AUTH.ECDSA_SHA384_P384,
  ecdsa521: AUTH.ECDSA_SHA512_P521,
  rfc7427: AUTH.DIGITAL_SIGNATURE,
  signature: AUTH.DIGITAL_SIGNATURE,
};

export class CaService implements AuthProvider {
  readonly store = new CertStore();
  /** CRLs of DIR/crls, reloaded by every load(). */
  readonly crls = new CrlStore();
  private ocsp: OcspConf | undefined;
  /** Certificates of DIR/ocsp: responders trusted to sign OCSP answers. */
  private ocspResponders: X509Certificate[] = [];
  private key: KeyObject | null = null;
  private policies = new Map<string, PolicyConf>();
  /** Our certificate per local identity (null: none, raw public key), until the next load(). */
  private readonly ourCerts = new Map<string, X509Certificate | null>();
  /** DER of our certificate chains (leaf first, signatures checked once), until the next load(). */
  private readonly chains = new Map<X509Certificate, Buffer[]>();
  /** Our raw public key data (RFC 7670), until the next load(). */
  private rawPub: Buffer | null = null;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    /** the private key's bytes (null: none) instead of DIR/private/local.key: a confined ca gets them from the parent; zeroed after use */
    private readonly readKey?: () => Buffer | null,
  ) {}

  /**
   * (Re)load keys, certificates and CRLs; missing files are fine for PSK-only
   * setups. `options` replaces the OCSP settings; without it they are kept.
   */
  load(policies: PolicyConf[], options?: CaOptions): void {
    if (options) this.ocsp = options.ocsp ? { ...options.ocsp } : undefined;
    this.loadRevocation();
    this.policies = new Map(policies.map((p) => [p.name, p]));
    this.ourCerts.clear();
    this.chains.clear();
    this.rawPub = null;
    const caDir = path.join(this.dir, 'ca');
    const certDir = path.join(this.dir, 'certs');
    if (fs.existsSync(caDir)) this.log.debug(`ca: ${this.store.loadDirectory(caDir, 'ca')} trust anchors from ${caDir}`);
    if (fs.existsSync(certDir)) this.log.debug(`ca: ${this.store.loadDirectory(certDir, 'certs')} certificates from ${certDir}`);
    const keyFile = path.join(this.dir, 'private', 'local.key');
    const handed = this.readKey?.();
    if (handed) {
      try {
        this.key = privateKeyFromBytes(handed, keyFile);
      } finally {
        handed.fill(0);
      }
      this.log.debug(`ca: private key received for ${keyFile}`);
    } else if (!this.readKey && fs.existsSync(keyFile)) {
      this.key = loadPrivateKey(keyFile);
      this.log.debug(`ca: private key loaded from ${keyFile}`);
    } else if (policies.some((p) => p.auth.method !== 'psk' && p.auth.method !== 'eap')) {
      this.log.warn(`ca: ${keyFile} not found: signature authentication will fail`);
    }
  }

  /** DIR/crls (CRLs) and DIR/ocsp (trusted OCSP responders); a bad file is logged and skipped. */
  private loadRevocation(): void {
    this.crls.clear();
    const crlDir = path.join(this.dir, 'crls');
    if (fs.existsSync(crlDir)) {
      for (const name of fs.readdirSync(crlDir).sort()) {
        const file = path.join(crlDir, name);
        if (name.startsWith('.') || !fs.statSync(file).isFile()) continue;
        try {
          this.crls.loadFile(file);
        } catch (e) {
          this.log.error(`ca: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      this.log.debug(`ca: ${this.crls.size} CRLs from ${crlDir}`);
    }
    this.ocspResponders = [];
    const ocspDir = path.join(this.dir, 'ocsp');
    if (this.ocsp && fs.existsSync(ocspDir)) {
      const responders = new CertStore();
      try {
        responders.loadDirectory(ocspDir, 'certs');
      } catch (e) {
        this.log.error(`ca: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.ocspResponders = responders.certificates();
    }
    if (this.ocsp) this.log.debug(`ca: OCSP enabled (fallback responder ${this.ocsp.url}, tolerate ${this.ocsp.tolerate}s, maxage ${this.ocsp.maxAge}s)`);
  }

  private ourCertificate(id: Identity): X509Certificate | null {
    if (!this.key) return null;
    const k = `${id.type}/${id.data.toString('hex')}`;
    const known = this.ourCerts.get(k);
    if (known !== undefined) return known;
    const pub = createPublicKey(this.key).export({ type: 'spki', format: 'der' });
    let found: X509Certificate | null = null;
    for (const c of this.store.certificates()) {
      if (!c.publicKey.export({ type: 'spki', format: 'der' }).equals(pub)) continue;
      if (certMatchesIdentity(c, id)) {
        found = c;
        break;
      }
    }
    if (this.ourCerts.size >= 1024) this.ourCerts.clear(); // identities are few; bound it anyway
    this.ourCerts.set(k, found);
    return found;
  }

  /** The responder's IKE_AUTH: the peer verified first; ours signed only for a verified peer. */
  async verifyThenSign(v: VerifyArgs, s: SignArgs): Promise<VerifiedAndSigned> {
    const verified = await this.verify(v.policy, v.remoteId, v.method, v.data, v.octets, v.certs);
    if (!verified.ok) return { verified, signed: null };
    return { verified, signed: await this.sign(s.policy, s.localId, s.octets, s.peerHashAlgs) };
  }

  async sign(policy: string, localId: Identity, octets: Buffer, peerHashAlgs: number[]): Promise<LocalAuth> {
    if (!this.key) throw new Error(`policy '${policy}': no private key (${path.join(this.dir, 'private', 'local.key')})`);
    const conf = this.policies.get(policy);
    const wanted = conf && conf.authExplicit ? METHOD_FOR_AUTH[conf.auth.method] : undefined;
    const method = wanted ?? authMethodForKey(this.key, peerHashAlgs.length > 0);
    const hash = method === AUTH.DIGITAL_SIGNATURE ? chooseSignatureHash(this.key, peerHashAlgs) : undefined;
    const data = signAuth(this.key, octets, method, hash);
    const cert = this.ourCertificate(localId);
    if (!cert) {
      // RFC 7670: without a certificate, our raw public key (the peer must know it)
      this.log.debug(`policy '${policy}': no certificate for ${formatIdentity(localId)}: sending our raw public key`);
      this.rawPub ??= rawPublicKeyData(createPublicKey(this.key));
      return { method, data, certs: [{ encoding: CERT.RAW_PUBKEY, data: Buffer.from(this.rawPub) }] };
    }
    let chain = this.chains.get(cert);
    if (!chain) {
      chain = this.chainOf(cert).map((c) => Buffer.from(c.raw));
      this.chains.set(cert, chain);
    }
    const certs: PeerCert[] = chain.map((d) => ({ encoding: CERT.X509_SIG, data: Buffer.from(d) }));
    return { method, data, certs };
  }

  /** The leaf and the intermediates up to (not including) a trust anchor, from certs/. */
  private chainOf(leaf: X509Certificate): X509Certificate[] {
    const chain = [leaf];
    const anchors = this.store.anchors();
    let cur = leaf;
    for (let depth = 0; depth < 8; depth++) {
      if (anchors.some((a) => cur.checkIssued(a) && cur.verify(a.publicKey))) break;
      const up = this.store.certificates().find((c) => c !== cur && !chain.includes(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
      if (!up) break;
      chain.push(up);
      cur = up;
    }
    return chain;
  }

  async verify(policy: string, remoteId: Identity, method: number, data: Buffer, octets: Buffer, certs: PeerCert[]): Promise<VerifyResult> {
    const x509 = certs.filter((c) => c.encoding === CERT.X509_SIG);
    let pub: KeyObject;
    let verified: X509Certificate[] | null = null;
    if (x509.length) {
      let chain: X509Certificate[];
      try {
        chain = x509.map((c) => loadCertificate(c.data));
      } catch (e) {
        return { ok: false, reason: `bad certificate: ${e instanceof Error ? e.message : String(e)}` };
      }
      const leaf = chain[0];
      const r = verifyChain(leaf, chain.slice(1), this.store.anchors());
      if (!r.ok) return { ok: false, reason: r.reason };
      const revocation = this.crls.checkChain(r.chain);
      if (!revocation.ok) return revocation;
      verified = r.chain;
      if (!certMatchesIdentity(leaf, remoteId)) return { ok: false, reason: `certificate ${leaf.subject.replace(/\n/g, ', ')} does not match identity ${formatIdentity(remoteId)}` };
      pub = certificatePublicKey(leaf);
    } else {
      const raw = certs.find((c) => c.encoding === CERT.RAW_PUBKEY);
      if (raw) {
        pub = publicKeyFromRaw(raw.data);
        const known = this.peerPublicKey(remoteId);
        if (!known || !known.export({ type: 'spki', format: 'der' }).equals(pub.export({ type: 'spki', format: 'der' }))) {
          return { ok: false, reason: `raw public key of ${formatIdentity(remoteId)} is not in ${path.join(this.dir, 'pubkeys')}` };
        }
      } else {
        const known = this.peerPublicKey(remoteId);
        if (!known) {
          const seen = certs.map((c) => CertEncoding.name(c.encoding)).join(', ') || 'none';
          return { ok: false, reason: `no certificate from peer (got: ${seen}) and no public key for ${formatIdentity(remoteId)}` };
        }
        pub = known;
      }
    }
    const v = verifyAuth(pub, method, data, octets);
    if (!v.ok) return { ok: false, reason: v.reason };
    if (verified && verified.length > 1 && this.ocsp) {
      // iked: only a "good" answer passes; no answer fails the authentication
      const o = await checkOcsp(verified[0], verified[1], this.ocsp, { trustedResponders: this.ocspResponders });
      if (!o.ok) return { ok: false, reason: o.reason };
      this.log.debug(`ca: OCSP: ${verified[0].subject.replace(/\n/g, ', ')} is good (${o.url})`);
    }
    return { ok: true };
  }

  /** iked's pubkeys/{ipv4,ipv6,fqdn,ufqdn}/ID files. */
  private peerPublicKey(id: Identity): KeyObject | null {
    const sub = id.type === ID.IPV4_ADDR ? 'ipv4' : id.type === ID.IPV6_ADDR ? 'ipv6' : id.type === ID.FQDN ? 'fqdn' : id.type === ID.RFC822_ADDR ? 'ufqdn' : null;
    if (!sub) return null;
    const file = path.join(this.dir, 'pubkeys', sub, formatIdentity(id));
    if (!fs.existsSync(file)) return null;
    try {
      return createPublicKey(fs.readFileSync(file));
    } catch {
      return null;
    }
  }

  certRequest(): Buffer | null {
    const anchors = this.store.anchors();
    if (!anchors.length) return null;
    return Buffer.concat(anchors.map((a) => spkiSha1(a)));
  }

  hashAlgorithms(): number[] {
    return [...DEFAULT_SIGNATURE_HASHES];
  }

  /** Drop the private key (zeroing what Node lets us reach). */
  close(): void {
    this.key = null;
  }
}
