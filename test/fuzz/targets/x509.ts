/**
 * DER certificates: parseCertificateDer (our reader: Asn1Error only) and
 * loadCertificate (OpenSSL's X509Certificate, then our reader: Asn1Error or
 * the "not a valid X.509 certificate" Error) on mutated openssl-made certificates.
 */
import { Asn1Error } from '../../../src/crypto/asn1-reader';
import { loadCertificate, parseCertificateDer } from '../../../src/crypto/x509-parse';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

const seeds = (): Buffer[] => corpus('x509');

export const isCertLoadError = (e: unknown): boolean =>
  e instanceof Asn1Error || (e instanceof Error && e.constructor === Error && /not a valid X\.509 certificate|no CERTIFICATE block/.test(e.message));

export const target: FuzzTarget<Buffer> = {
  name: 'x509',
  sources: ['src/crypto/asn1-reader.ts', 'src/crypto/x509-parse.ts', 'src/crypto/x509-extensions.ts'],
  seeds,
  arbitrary: bytesFrom(seeds, 4096),
  run(der) {
    const p = decodeOnly('parseCertificateDer', () => parseCertificateDer(der), (e) => e instanceof Asn1Error);
    if (p) {
      check(p.tbs.length > 0 && p.tbs.length < der.length, 'tbsCertificate is not a proper part of the certificate');
      check(!Number.isNaN(p.notBefore.getTime()) && !Number.isNaN(p.notAfter.getTime()), 'validity decoded to an invalid Date');
    }
    decodeOnly('loadCertificate', () => loadCertificate(der), isCertLoadError);
  },
};
