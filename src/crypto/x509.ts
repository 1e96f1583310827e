/**
 * X.509 for IKEv2: the public face of the certificate code.
 * Loading, raw subject DN, CERTREQ hashes, identity matching, chain
 * verification and the certificate store.
 */
export {
  loadCertificate,
  loadCertificatesFromPem,
  subjectDnDer,
  issuerDnDer,
  spkiDer,
  spkiSha1,
  parsedCertificate,
  certificatePublicKey,
} from './x509-parse';
export type { ParsedCertificate } from './x509-parse';
export { certMatchesIdentity } from './x509-identity';
export { verifyChain } from './x509-chain';
export type { ChainResult } from './x509-chain';
export { CertStore } from './x509-store';
export { formatDnDer } from './x509-dn';
