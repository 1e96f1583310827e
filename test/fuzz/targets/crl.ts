/** DER and PEM CRLs (parseCrlDer, loadCrls): Asn1Error only. */
import fc from 'fast-check';
import { Asn1Error } from '../../../src/crypto/asn1-reader';
import { loadCrls, parseCrlDer } from '../../../src/crypto/x509-crl';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

const seeds = (): Buffer[] => corpus('crl');

function pem(der: Buffer): Buffer {
  return Buffer.from(`-----BEGIN X509 CRL-----\n${der.toString('base64')}\n-----END X509 CRL-----\n`);
}

export const target: FuzzTarget<[Buffer, boolean]> = {
  name: 'crl',
  sources: ['src/crypto/asn1-reader.ts', 'src/crypto/x509-crl.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 4096), fc.nat({ max: 7 }).map((n) => n === 0)),
  run([der, asPem]) {
    if (asPem) {
      decodeOnly('loadCrls(PEM)', () => loadCrls(pem(der)), (e) => e instanceof Asn1Error);
      return;
    }
    const c = decodeOnly('parseCrlDer', () => parseCrlDer(der), (e) => e instanceof Asn1Error);
    if (c) {
      check(!Number.isNaN(c.thisUpdate.getTime()), 'thisUpdate decoded to an invalid Date');
      for (const r of c.revoked.values()) check(!Number.isNaN(r.date.getTime()), 'revocationDate decoded to an invalid Date');
    }
  },
};
