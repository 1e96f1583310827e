/**
 * X.509 certificate revocation lists (RFC 5280 5): parsing with the bounded
 * DER reader, signature verification with the issuer's key, freshness
 * (thisUpdate/nextUpdate) and the revocation check of a verified chain
 * against the CRLs of each certificate's issuer (iked's /etc/iked/crls).
 */
import { KeyObject, X509Certificate, constants, verify } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, DerReader, TAG, contextTag, decodeBitStringBytes, decodeTime } from './asn1-reader';
import { decodeDn, dnEquals, formatDnDer } from './x509-dn';
import { KEY_USAGE } from './x509-extensions';
import { parsedCertificate } from './x509-parse';
import { SignatureAlgorithm, decodeSignatureAlgorithm, hashSize, nodeDigestName, signatureAlgorithmName } from './x509-signature-algorithm';

export const CRL_EXT_OID = {
  CRL_NUMBER: '2.5.29.20',
  REASON_CODE: '2.5.29.21',
  INVALIDITY_DATE: '2.5.29.24',
  DELTA_CRL_INDICATOR: '2.5.29.27',
  ISSUING_DISTRIBUTION_POINT: '2.5.29.28',
  CERTIFICATE_ISSUER: '2.5.29.29',
  AUTHORITY_KEY_ID: '2.5.29.35',
} as const;

/** CRL extensions whose critical flag we may accept (we do not support delta or indirect CRLs). */
const UNDERSTOOD_CRL_EXTENSIONS = new Set<string>([CRL_EXT_OID.CRL_NUMBER, CRL_EXT_OID.AUTHORITY_KEY_ID]);
const UNDERSTOOD_ENTRY_EXTENSIONS = new Set<string>([CRL_EXT_OID.REASON_CODE, CRL_EXT_OID.INVALIDITY_DATE]);

/** CRLReason names (RFC 5280 5.3.1). */
const REASONS: Record<number, string> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

export function crlReasonName(code: number): string {
  return REASONS[code] ?? `reason ${code}`;
}

export interface RevokedEntry {
  /** Normalised serial (hex, no leading zero octets). */
  serial: string;
  date: Date;
  /** CRLReason code when the entry has one. */
  reason?: number;
}

export interface ParsedCrl {
  /** DER of the whole CertificateList. */
  raw: Buffer;
  tbs: Buffer;
  signatureAlgorithm: Buffer;
  signatureValue: Buffer;
  /** DER of the issuer Name. */
  issuer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked certificates by normalised serial. */
  revoked: Map<string, RevokedEntry>;
  /** Critical extensions we do not understand (the CRL must then not be used). */
  unsupportedCritical: string[];
  /** Where it was loaded from (for messages). */
  source?: string;
}

/** Hex of an INTEGER's contents without leading zero octets (serials are positive). */
export function normaliseSerial(value: Buffer): string {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  return value.subarray(i).toString('hex');
}

/** "0x1a2b" form of a serial, for messages. */
export function serialLabel(value: Buffer): string {
  return `0x${normaliseSerial(value)}`;
}

function readExtensions(list: DerReader, what: string, onExt: (oid: string, critical: boolean, value: Buffer) => void): void {
  while (!list.done) {
    const ext = list.sequence(`${what} Extension`);
    const oid = ext.oid('extnID');
    const critEl = ext.optional(TAG.BOOLEAN, `extension ${oid} critical`);
    const value = ext.expect(TAG.OCTET_STRING, `extension ${oid} extnValue`);
    ext.finish(`extension ${oid}`);
    onExt(oid, critEl ? critEl.value[0] !== 0 : false, value.value);
  }
}

function isTime(tag: number | undefined): boolean {
  return tag === TAG.UTC_TIME || tag === TAG.GENERALIZED_TIME;
}

/** Parses a DER CertificateList. Errors name the malformed field. */
export function parseCrlDer(der: Buffer): ParsedCrl {
  const top = new DerReader(der, 'CRL');
  const outerEl = top.expect(TAG.SEQUENCE, 'CertificateList');
  top.finish('CertificateList');
  const outer = new DerReader(outerEl.value, 'CertificateList');
  const tbsEl = outer.expect(TAG.SEQUENCE, 'tbsCertList');
  const sigAlg = outer.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  const sigValue = decodeBitStringBytes(outer.expect(TAG.BIT_STRING, 'signatureValue').value, 'CRL signatureValue');
  outer.finish('CertificateList');

  const tbs = new DerReader(tbsEl.value, 'tbsCertList');
  tbs.optional(TAG.INTEGER, 'version');
  tbs.expect(TAG.SEQUENCE, 'signature');
  const issuer = tbs.expect(TAG.SEQUENCE, 'issuer Name');
  const thisUpdate = decodeTime(tbs.read('thisUpdate'), 'CRL thisUpdate');
  const nextUpdate = isTime(tbs.peekTag()) ? decodeTime(tbs.read('nextUpdate'), 'CRL nextUpdate') : undefined;
  const revoked = new Map<string, RevokedEntry>();
  const unsupportedCritical: string[] = [];
  if (tbs.peekTag() === TAG.SEQUENCE) {
    const list = tbs.sequence('revokedCertificates');
    while (!list.done) {
      const entry = list.sequence('revoked certificate');
      const serial = normaliseSerial(entry.expect(TAG.INTEGER, 'userCertificate').value);
      const date = decodeTime(entry.read('revocationDate'), 'revocationDate');
      let reason: number | undefined;
      if (!entry.done) {
        readExtensions(entry.sequence('crlEntryExtensions'), 'CRL entry', (oid, critical, value) => {
          if (oid === CRL_EXT_OID.REASON_CODE) {
            const r = new DerReader(value, 'reasonCode');
            const el = r.expect(0x0a, 'CRLReason'); // ENUMERATED
            r.finish('reasonCode');
            if (el.value.length !== 1) throw new Asn1Error(`CRL entry ${serial}: CRLReason of ${el.value.length} bytes`);
            reason = el.value[0];
          } else if (critical && !UNDERSTOOD_ENTRY_EXTENSIONS.has(oid)) {
            unsupportedCritical.push(`entry extension ${oid}`);
          }
        });
      }
      entry.finish('revoked certificate');
      revoked.set(serial, { serial, date, reason });
    }
  }
  const extWrap = tbs.optional(contextTag(0, true), 'crlExtensions');
  tbs.finish('tbsCertList');
  if (extWrap) {
    const r = new DerReader(extWrap.value, 'crlExtensions');
    readExtensions(r.sequence('Extensions'), 'CRL', (oid, critical) => {
      if (critical && !UNDERSTOOD_CRL_EXTENSIONS.has(oid)) unsupportedCritical.push(`extension ${oid}`);
    });
    r.finish('crlExtensions');
  }
  return {
    raw: outerEl.raw,
    tbs: tbsEl.raw,
    signatureAlgorithm: sigAlg.raw,
    signatureValue: sigValue,
    issuer: issuer.raw,
    thisUpdate,
    nextUpdate,
    revoked,
    unsupportedCritical,
  };
}

const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/g;

/** Loads every CRL of a PEM text (X509 CRL blocks), or one DER CRL. */
export function loadCrls(data: Buffer, source = 'CRL input'): ParsedCrl[] {
  const text = data.toString('latin1');
  if (!text.includes('-----BEGIN')) return [{ ...parseCrlDer(data), source }];
  const out: ParsedCrl[] = [];
  for (const m of text.matchAll(PEM_CRL)) {
    const der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
    out.push({ ...parseCrlDer(der), source: `${source} #${out.length + 1}` });
  }
  return out;
}

/**
 * Verifies a signature over `tbs` made with the algorithm of the DER
 * AlgorithmIdentifier `algId` (certificates, CRLs, OCSP responses).
 * Returns a reason when it does not verify.
 */
export function verifySignedData(tbs: Buffer, algId: Buffer, signature: Buffer, key: KeyObject): string | undefined {
  let alg: SignatureAlgorithm;
  try {
    alg = decodeSignatureAlgorithm(algId);
  } catch (e) {
    return (e as Error).message;
  }
  const name = signatureAlgorithmName(alg);
  const digest = nodeDigestName(alg.hash);
  const check = (): boolean => {
    switch (alg.scheme) {
      case 'rsa-pkcs1':
        return verify(digest, tbs, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'rsa-pss':
        return verify(digest, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? hashSize(alg.hash) }, signature);
      case 'ecdsa':
        return verify(digest, tbs, { key, dsaEncoding: 'der' }, signature);
      case 'ed25519':
      case 'ed448':
        return verify(null, tbs, key, signature);
    }
  };
  try {
    const ok = check();
    return ok ? undefined : `${name} signature does not verify`;
  } catch (e) {
    return `${name} signature: ${(e as Error).message}`;
  }
}

export function namesEqual(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    return dnEquals(decodeDn(a), decodeDn(b));
  } catch {
    return false;
  }
}

function dnLabel(der: Buffer): string {
  try {
    return formatDnDer(der);
  } catch {
    return '(unreadable name)';
  }
}

/** Why this CRL cannot be used to judge certificates of `issuer` at `now`, or undefined. */
export function crlProblem(crl: ParsedCrl, issuer: X509Certificate, now: Date = new Date()): string | undefined {
  const ip = parsedCertificate(issuer);
  const who = `CRL of ${dnLabel(crl.issuer)}${crl.source ? ` (${crl.source})` : ''}`;
  if (!namesEqual(crl.issuer, ip.subject)) return `${who} is not issued by ${dnLabel(ip.subject)}`;
  if (ip.keyUsage && !ip.keyUsage.has(KEY_USAGE.cRLSign)) return `${who}: issuer keyUsage does not allow cRLSign`;
  const sig = verifySignedData(crl.tbs, crl.signatureAlgorithm, crl.signatureValue, issuer.publicKey);
  if (sig) return `${who}: ${sig} with the key of ${dnLabel(ip.subject)}`;
  if (crl.unsupportedCritical.length) return `${who}: unsupported critical ${crl.unsupportedCritical.join(', ')}`;
  if (crl.thisUpdate.getTime() > now.getTime()) return `${who} is not yet valid (thisUpdate ${crl.thisUpdate.toISOString()})`;
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) return `${who} has expired (nextUpdate ${crl.nextUpdate.toISOString()})`;
  return undefined;
}

export type RevocationResult = { ok: true } | { ok: false; reason: string };

/** The CRLs of iked's crls/ directory, by issuer name. */
export class CrlStore {
  private readonly list: ParsedCrl[] = [];

  get size(): number {
    return this.list.length;
  }

  clear(): void {
    this.list.length = 0;
  }

  add(crl: ParsedCrl): void {
    if (!this.list.some((c) => c.raw.equals(crl.raw))) this.list.push(crl);
  }

  /** CRLs naming this issuer (signatures not yet checked). */
  forIssuerName(name: Buffer): ParsedCrl[] {
    return this.list.filter((c) => namesEqual(c.issuer, name));
  }

  /** Loads one PEM (possibly several CRLs) or DER file; throws naming it. Returns the number added. */
  loadFile(path: string): number {
    const before = this.list.length;
    let crls: ParsedCrl[];
    try {
      crls = loadCrls(readFileSync(path), path);
    } catch (e) {
      throw new Error(`${path}: not a valid CRL (${(e as Error).message})`);
    }
    if (crls.length === 0) throw new Error(`${path}: no X509 CRL block found`);
    for (const c of crls) this.add(c);
    return this.list.length - before;
  }

  /**
   * Loads every regular file of `dir` as PEM or DER CRLs. A missing
   * directory loads nothing; a malformed file throws naming it.
   * Returns the number of CRLs added.
   */
  loadDirectory(dir: string): number {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw new Error(`cannot read CRL directory ${dir}: ${(e as Error).message}`);
    }
    const before = this.list.length;
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      const path = join(dir, name);
      if (statSync(path).isFile()) this.loadFile(path);
    }
    return this.list.length - before;
  }

  /**
   * Checks each certificate of a verified chain (leaf first, each issued by
   * the next) against the CRLs of its issuer. An issuer without a CRL is
   * not checked; an issuer whose CRLs are all unusable (bad signature,
   * expired, not yet valid) fails, naming the first problem.
   */
  checkChain(chain: X509Certificate[], now: Date = new Date()): RevocationResult {
    for (let i = 0; i + 1 < chain.length; i++) {
      const cert = chain[i];
      const issuer = chain[i + 1];
      const cp = parsedCertificate(cert);
      const crls = this.forIssuerName(cp.issuer);
      if (crls.length === 0) continue;
      let usable = 0;
      let firstProblem: string | undefined;
      for (const crl of crls) {
        const problem = crlProblem(crl, issuer, now);
        if (problem) {
          firstProblem ??= problem;
          continue;
        }
        usable++;
        const entry = crl.revoked.get(normaliseSerial(cp.serial));
        if (entry && entry.date.getTime() <= now.getTime()) {
          const why = entry.reason !== undefined ? `, ${crlReasonName(entry.reason)}` : '';
          return {
            ok: false,
            reason: `certificate ${dnLabel(cp.subject)} (serial ${serialLabel(cp.serial)}) revoked by CRL of ${dnLabel(crl.issuer)} on ${entry.date.toISOString()}${why}`,
          };
        }
      }
      if (usable === 0) return { ok: false, reason: `cannot check revocation of ${dnLabel(cp.subject)}: ${firstProblem}` };
    }
    return { ok: true };
  }
}
