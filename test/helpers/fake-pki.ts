/** A stand-in for a gateway's certificate in engine tests: an HMAC key both sides know. */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { AuthProvider, PeerCert } from '../../src/ikev2/policy/auth-provider';
import { AUTH, CERT } from '../../src/wire/iana';

/** Signs with HMAC over a fixed made-up chain; verifies the same. */
export function fakePki(): AuthProvider {
  const key = randomBytes(32);
  const chain: PeerCert[] = [{ encoding: CERT.X509_SIG, data: randomBytes(300) }];
  const digest = (c: PeerCert[]): string => createHash('sha256').update(Buffer.concat(c.map((x) => x.data))).digest('hex');
  return {
    async sign(_p, _id, octets) {
      return { method: AUTH.RSA_SIG, data: createHmac('sha256', key).update(octets).digest(), certs: chain };
    },
    async verify(_p, _id, method, data, octets, certs) {
      if (method !== AUTH.RSA_SIG || digest(certs) !== digest(chain)) return { ok: false, reason: 'bad certificate' };
      return createHmac('sha256', key).update(octets).digest().equals(data) ? { ok: true } : { ok: false, reason: 'bad signature' };
    },
    certRequest: () => null,
    hashAlgorithms: () => [],
  };
}
