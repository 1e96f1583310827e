/**
 * The certificate store: trust anchors (iked's /etc/iked/ca) and other
 * certificates (own and intermediate, /etc/iked/certs), with lookup by
 * CERTREQ authority hash (SHA-1 of the CA's SubjectPublicKeyInfo).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity } from './identity';
import { certMatchesIdentity } from './x509-identity';
import { loadCertificate, loadCertificatesFromPem, parsedCertificate, spkiSha1 } from './x509-parse';

const CERT_FILE = /\.(pem|crt|cer|der)$/i;

export class CertStore {
  private readonly anchorList: X509Certificate[] = [];
  private readonly certList: X509Certificate[] = [];
  private readonly anchorHashMap = new Map<string, X509Certificate[]>();

  constructor() {}

  /** Adds a trust anchor; duplicates (same DER) are ignored. Returns whether it was new. */
  addAnchor(c: X509Certificate): boolean {
    if (this.anchorList.some((a) => a.raw.equals(c.raw))) return false;
    parsedCertificate(c); // a non-CA anchor may pin a peer certificate; verifyChain never uses it as an issuer
    this.anchorList.push(c);
    const key = spkiSha1(c).toString('hex');
    const list = this.anchorHashMap.get(key) ?? [];
    list.push(c);
    this.anchorHashMap.set(key, list);
    return true;
  }

  /** Adds an own, peer or intermediate certificate; duplicates are ignored. */
  addCertificate(c: X509Certificate): boolean {
    if (this.certList.some((a) => a.raw.equals(c.raw))) return false;
    parsedCertificate(c);
    this.certList.push(c);
    return true;
  }

  /** Trust anchors. */
  anchors(): X509Certificate[] {
    return [...this.anchorList];
  }

  /** Non-anchor certificates (candidates for own certificate and intermediates). */
  certificates(): X509Certificate[] {
    return [...this.certList];
  }

  /** Anchors whose SPKI SHA-1 is among the CERTREQ hashes (each 20 bytes). */
  findAnchorsByHash(hashes: Buffer[]): X509Certificate[] {
    const out: X509Certificate[] = [];
    for (const h of hashes) {
      for (const c of this.anchorHashMap.get(h.toString('hex')) ?? []) if (!out.includes(c)) out.push(c);
    }
    return out;
  }

  /** SHA-1 of every anchor's SPKI, for our CERTREQ payload. */
  anchorHashes(): Buffer[] {
    return this.anchorList.map((c) => spkiSha1(c));
  }

  /** Certificates (anchors excluded) carrying this identity. */
  findByIdentity(id: Identity): X509Certificate[] {
    return this.certList.filter((c) => certMatchesIdentity(c, id));
  }

  /**
   * Loads *.pem, *.crt, *.cer and *.der files from a directory (PEM files may
   * hold several certificates) as anchors ('ca') or certificates ('certs').
   * A missing directory loads nothing; a malformed file throws naming it.
   * Returns the number of new certificates added.
   */
  loadDirectory(dir: string, kind: 'ca' | 'certs'): number {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw new Error(`cannot read certificate directory ${dir}: ${(e as Error).message}`);
    }
    let added = 0;
    for (const name of names.filter((n) => CERT_FILE.test(n)).sort()) {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      const data = readFileSync(path);
      let certs: X509Certificate[];
      try {
        certs = data.toString('latin1').includes('-----BEGIN') ? loadCertificatesFromPem(data) : [loadCertificate(data)];
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
      if (certs.length === 0) throw new Error(`${path}: no certificate found`);
      for (const c of certs) if (kind === 'ca' ? this.addAnchor(c) : this.addCertificate(c)) added++;
    }
    return added;
  }
}
