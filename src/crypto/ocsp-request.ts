/**
 * OCSP requests (RFC 6960 4.1): the SHA-1 CertID of a certificate and its
 * issuer, the DER OCSPRequest with a nonce extension (RFC 8954), and the
 * responder URL of a certificate's authorityInfoAccess extension.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { DerReader, TAG, contextTag, decodeBitStringBytes } from './asn1-reader';
import { DER_NULL, derOid, derTlv } from './x509-der-encode';
import { EXT_OID } from './x509-extensions';
import { parsedCertificate } from './x509-parse';
import { nonce as randomNonce } from './random';

export const OCSP_OID = {
  /** id-pkix-ocsp-nonce */
  NONCE: '1.3.6.1.5.5.7.48.1.2',
  /** id-pkix-ocsp-basic */
  BASIC: '1.3.6.1.5.5.7.48.1.1',
  /** id-ad-ocsp (authorityInfoAccess method) */
  AD_OCSP: '1.3.6.1.5.5.7.48.1',
  /** id-kp-OCSPSigning */
  KP_OCSP_SIGNING: '1.3.6.1.5.5.7.3.9',
  /** id-pkix-ocsp-nocheck */
  NOCHECK: '1.3.6.1.5.5.7.48.1.5',
  SHA1: '1.3.14.3.2.26',
} as const;

/** CertID fields (RFC 6960 4.1.1), SHA-1 hashes. */
export interface CertId {
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** INTEGER contents of the serial number. */
  serial: Buffer;
}

/** The subjectPublicKey BIT STRING bytes of a DER SubjectPublicKeyInfo. */
export function subjectPublicKeyBytes(spki: Buffer): Buffer {
  const top = new DerReader(spki, 'SubjectPublicKeyInfo');
  const seq = top.sequence('SubjectPublicKeyInfo');
  seq.expect(TAG.SEQUENCE, 'algorithm');
  const bits = seq.expect(TAG.BIT_STRING, 'subjectPublicKey');
  seq.finish('SubjectPublicKeyInfo');
  return decodeBitStringBytes(bits.value, 'subjectPublicKey');
}

/** SHA-1 of the issuer's subjectPublicKey (ResponderID byKey and CertID issuerKeyHash). */
export function keyHashSha1(cert: X509Certificate): Buffer {
  return createHash('sha1').update(subjectPublicKeyBytes(parsedCertificate(cert).spki)).digest();
}

/** The SHA-1 CertID of `cert` as issued by `issuer`. */
export function certIdFor(cert: X509Certificate, issuer: X509Certificate): CertId {
  return {
    issuerNameHash: createHash('sha1').update(parsedCertificate(issuer).subject).digest(),
    issuerKeyHash: keyHashSha1(issuer),
    serial: Buffer.from(parsedCertificate(cert).serial),
  };
}

/** DER of a CertID. */
export function encodeCertId(id: CertId): Buffer {
  return derTlv(
    TAG.SEQUENCE,
    derTlv(TAG.SEQUENCE, derOid(OCSP_OID.SHA1), DER_NULL),
    derTlv(TAG.OCTET_STRING, id.issuerNameHash),
    derTlv(TAG.OCTET_STRING, id.issuerKeyHash),
    derTlv(TAG.INTEGER, id.serial),
  );
}

export interface OcspRequest {
  der: Buffer;
  certId: CertId;
  /** The nonce extension's extnValue contents (an OCTET STRING holding the random bytes). */
  nonceValue: Buffer;
}

/** Builds an unsigned OCSPRequest for one certificate with a fresh 16..32-byte nonce. */
export function buildOcspRequest(cert: X509Certificate, issuer: X509Certificate, nonceBytes: Buffer = randomNonce(16)): OcspRequest {
  if (nonceBytes.length < 1 || nonceBytes.length > 32) throw new RangeError(`OCSP nonce of ${nonceBytes.length} bytes (1..32 allowed)`);
  const certId = certIdFor(cert, issuer);
  const nonceValue = derTlv(TAG.OCTET_STRING, nonceBytes);
  const nonceExt = derTlv(TAG.SEQUENCE, derOid(OCSP_OID.NONCE), derTlv(TAG.OCTET_STRING, nonceValue));
  const request = derTlv(TAG.SEQUENCE, encodeCertId(certId));
  const tbsRequest = derTlv(
    TAG.SEQUENCE,
    derTlv(TAG.SEQUENCE, request), // requestList
    derTlv(contextTag(2, true), derTlv(TAG.SEQUENCE, nonceExt)), // requestExtensions
  );
  return { der: derTlv(TAG.SEQUENCE, tbsRequest), certId, nonceValue };
}

/** The OCSP responder URLs (http only) of a certificate's authorityInfoAccess extension. */
export function ocspUrlsOf(cert: X509Certificate): string[] {
  const ext = parsedCertificate(cert).extensions.get(EXT_OID.AUTHORITY_INFO_ACCESS);
  if (!ext) return [];
  const out: string[] = [];
  const r = new DerReader(ext.value, 'authorityInfoAccess');
  const list = r.sequence('AuthorityInfoAccessSyntax');
  r.finish('authorityInfoAccess');
  while (!list.done) {
    const ad = list.sequence('AccessDescription');
    const method = ad.oid('accessMethod');
    const loc = ad.read('accessLocation');
    ad.finish('AccessDescription');
    if (method === OCSP_OID.AD_OCSP && loc.tag === contextTag(6, false)) out.push(loc.value.toString('latin1'));
  }
  return out;
}
