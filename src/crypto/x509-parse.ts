/**
 * Loading X.509 certificates (node:crypto X509Certificate) and reading the
 * fields node does not expose as raw DER (subject/issuer Name, SPKI,
 * validity, extensions) from cert.raw with the bounded ASN.1 reader.
 */
import { KeyObject, X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { Asn1Error, DerReader, TAG, contextTag, decodeBitStringBytes, decodeTime } from './asn1-reader';
import { EXT_OID, Extension, parseAltNames, parseBasicConstraints, parseKeyUsage, parseSubjectKeyId } from './x509-extensions';
import type { AltNames, BasicConstraints } from './x509-extensions';

export interface ParsedCertificate {
  tbs: Buffer;
  /** DER AlgorithmIdentifier of the outer signature. */
  signatureAlgorithm: Buffer;
  /** The signature over tbs (BIT STRING contents without the unused-bits octet). */
  signatureValue: Buffer;
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  extensions: Map<string, Extension>;
  basicConstraints?: BasicConstraints;
  keyUsage?: Set<number>;
  altNames: AltNames;
  subjectKeyId?: Buffer;
}

/** Parses a DER Certificate. Errors name the field that was malformed. */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  const top = new DerReader(der, 'certificate');
  const cert = top.sequence('Certificate');
  top.finish('Certificate');
  const tbsEl = cert.expect(TAG.SEQUENCE, 'tbsCertificate');
  const sigAlg = cert.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  const sigValue = decodeBitStringBytes(cert.expect(TAG.BIT_STRING, 'signatureValue').value, 'signatureValue');
  cert.finish('Certificate');

  const tbs = new DerReader(tbsEl.value, 'tbsCertificate');
  tbs.optional(contextTag(0, true), 'version');
  const serial = tbs.expect(TAG.INTEGER, 'serialNumber');
  tbs.expect(TAG.SEQUENCE, 'signature');
  const issuer = tbs.expect(TAG.SEQUENCE, 'issuer Name');
  const validity = tbs.sequence('validity');
  const notBefore = decodeTime(validity.read('notBefore'), 'notBefore');
  const notAfter = decodeTime(validity.read('notAfter'), 'notAfter');
  validity.finish('validity');
  const subject = tbs.expect(TAG.SEQUENCE, 'subject Name');
  const spki = tbs.expect(TAG.SEQUENCE, 'subjectPublicKeyInfo');
  tbs.optional(contextTag(1, false), 'issuerUniqueID');
  tbs.optional(contextTag(2, false), 'subjectUniqueID');
  const extensions = new Map<string, Extension>();
  const extWrap = tbs.optional(contextTag(3, true), 'extensions');
  tbs.finish('tbsCertificate');
  if (extWrap) {
    const outer = new DerReader(extWrap.value, 'extensions');
    const list = outer.sequence('Extensions');
    outer.finish('extensions');
    while (!list.done) {
      const ext = list.sequence('Extension');
      const oid = ext.oid('extnID');
      const critEl = ext.optional(TAG.BOOLEAN, `extension ${oid} critical`);
      const value = ext.expect(TAG.OCTET_STRING, `extension ${oid} extnValue`);
      ext.finish(`extension ${oid}`);
      if (extensions.has(oid)) throw new Asn1Error(`certificate: extension ${oid} appears twice`);
      extensions.set(oid, { critical: critEl ? critEl.value[0] !== 0 : false, value: value.value });
    }
  }
  const bc = extensions.get(EXT_OID.BASIC_CONSTRAINTS);
  const ku = extensions.get(EXT_OID.KEY_USAGE);
  const san = extensions.get(EXT_OID.SUBJECT_ALT_NAME);
  const ski = extensions.get(EXT_OID.SUBJECT_KEY_ID);
  return {
    tbs: tbsEl.raw,
    signatureAlgorithm: sigAlg.raw,
    signatureValue: sigValue,
    serial: serial.value,
    issuer: issuer.raw,
    subject: subject.raw,
    notBefore,
    notAfter,
    spki: spki.raw,
    extensions,
    basicConstraints: bc ? parseBasicConstraints(bc.value) : undefined,
    keyUsage: ku ? parseKeyUsage(ku.value) : undefined,
    altNames: san ? parseAltNames(san.value) : { dns: [], email: [], ip: [], dirName: [] },
    subjectKeyId: ski ? parseSubjectKeyId(ski.value) : undefined,
  };
}

const cache = new WeakMap<X509Certificate, ParsedCertificate>();

/** The parsed fields of a certificate (cached per object). */
export function parsedCertificate(cert: X509Certificate): ParsedCertificate {
  let p = cache.get(cert);
  if (!p) {
    p = parseCertificateDer(cert.raw);
    cache.set(cert, p);
  }
  return p;
}

const PEM_CERT = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----[\s\S]+?-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;

/*
 * Certificates received again and again (every IKE_AUTH of a peer carries its
 * certificate) are parsed once: by DER, a bounded set of recent ones. An
 * X509Certificate is immutable; what depends on time or revocation is checked anew.
 */
const byDer = new Map<string, X509Certificate>();
const MAX_CACHED_CERTS = 4096;

/** The certificate's public key, extracted once per certificate object. */
const publicKeys = new WeakMap<X509Certificate, KeyObject>();
export function certificatePublicKey(cert: X509Certificate): KeyObject {
  let k = publicKeys.get(cert);
  if (!k) publicKeys.set(cert, (k = cert.publicKey));
  return k;
}

function fromDer(der: Buffer, what: string): X509Certificate {
  const k = der.toString('latin1');
  let cert = byDer.get(k);
  if (cert) return cert;
  cert = fromBytes(der, what);
  if (byDer.size >= MAX_CACHED_CERTS) byDer.delete(byDer.keys().next().value as string);
  byDer.set(k, cert);
  return cert;
}

function fromBytes(data: Buffer | string, what: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(data);
  } catch (e) {
    throw new Error(`${what}: not a valid X.509 certificate (${(e as Error).message})`);
  }
  parsedCertificate(cert); // fail early on anything our reader cannot handle
  return cert;
}

/** Loads one certificate from PEM (the first CERTIFICATE block) or DER. */
export function loadCertificate(pemOrDer: Buffer): X509Certificate {
  const text = pemOrDer.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const all = loadCertificatesFromPem(text);
    if (all.length === 0) throw new Error('no CERTIFICATE block in PEM input');
    return all[0];
  }
  return fromDer(pemOrDer, 'DER input');
}

/** Loads every CERTIFICATE block of a PEM text (a bundle); other blocks are skipped. */
export function loadCertificatesFromPem(pem: Buffer | string): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  const blocks = text.match(PEM_CERT) ?? [];
  return blocks.map((b, i) => fromBytes(b.replace(/(X509 |TRUSTED )CERTIFICATE/g, 'CERTIFICATE'), `PEM certificate #${i + 1}`));
}

/** Raw DER of the subject Name, exactly as in the certificate. */
export function subjectDnDer(cert: X509Certificate): Buffer {
  return parsedCertificate(cert).subject;
}

/** Raw DER of the issuer Name, exactly as in the certificate. */
export function issuerDnDer(cert: X509Certificate): Buffer {
  return parsedCertificate(cert).issuer;
}

/** DER SubjectPublicKeyInfo of a certificate or key (a private key yields its public half). */
export function spkiDer(src: X509Certificate | KeyObject): Buffer {
  if (src instanceof X509Certificate) return parsedCertificate(src).spki;
  const pub = src.type === 'private' ? createPublicKey(src) : src;
  if (pub.type !== 'public') throw new Error(`a ${src.type} key has no SubjectPublicKeyInfo`);
  return pub.export({ type: 'spki', format: 'der' });
}

/** SHA-1 of the DER SubjectPublicKeyInfo: the CERTREQ certification authority hash (RFC 7296 3.7). */
export function spkiSha1(src: X509Certificate | KeyObject): Buffer {
  return createHash('sha1').update(spkiDer(src)).digest();
}
