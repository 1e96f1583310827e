/**
 * OCSP responses (parseOcspResponse) from openssl ocsp: Asn1Error, or for an
 * embedded certificate the certificate loader's error; never another.
 */
import { Asn1Error } from '../../../src/crypto/asn1-reader';
import { parseOcspResponse } from '../../../src/crypto/ocsp-response';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';
import { isCertLoadError } from './x509';

const seeds = (): Buffer[] => corpus('ocsp');

export const target: FuzzTarget<Buffer> = {
  name: 'ocsp',
  sources: ['src/crypto/asn1-reader.ts', 'src/crypto/ocsp-response.ts'],
  seeds,
  arbitrary: bytesFrom(seeds, 4096),
  run(der) {
    const r = decodeOnly('parseOcspResponse', () => parseOcspResponse(der), (e) => e instanceof Asn1Error || isCertLoadError(e));
    if (r?.basic) {
      check(r.status === 0, 'a basic response with a non-successful status');
      for (const s of r.basic.responses) check(!Number.isNaN(s.thisUpdate.getTime()), 'thisUpdate decoded to an invalid Date');
    }
  },
};
