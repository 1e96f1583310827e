/**
 * Does a certificate carry an IKE identity? A DN must equal the subject (or
 * a directoryName subjectAltName); FQDN, RFC822 and IP identities must be in
 * subjectAltName; a KEY_ID must equal the subjectKeyIdentifier or the SHA-1
 * of the SubjectPublicKeyInfo.
 */
import { X509Certificate } from 'node:crypto';
import { ID } from '../wire/iana';
import type { Identity } from './identity';
import { decodeDn, dnEquals } from './x509-dn';
import { parsedCertificate, spkiSha1 } from './x509-parse';

function sameDn(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    return dnEquals(decodeDn(a), decodeDn(b));
  } catch {
    return false;
  }
}

export function certMatchesIdentity(cert: X509Certificate, id: Identity): boolean {
  const p = parsedCertificate(cert);
  switch (id.type) {
    case ID.DER_ASN1_DN:
      return sameDn(p.subject, id.data) || p.altNames.dirName.some((d) => sameDn(d, id.data));
    case ID.FQDN: {
      const name = id.data.toString('utf8').toLowerCase();
      return p.altNames.dns.some((d) => d.toLowerCase() === name);
    }
    case ID.RFC822_ADDR: {
      const name = id.data.toString('utf8').toLowerCase();
      return p.altNames.email.some((e) => e.toLowerCase() === name);
    }
    case ID.IPV4_ADDR:
    case ID.IPV6_ADDR:
      return p.altNames.ip.some((ip) => ip.equals(id.data));
    case ID.KEY_ID:
      return (p.subjectKeyId?.equals(id.data) ?? false) || spkiSha1(cert).equals(id.data);
    default:
      return false;
  }
}
