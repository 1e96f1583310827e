/**
 * Signature AlgorithmIdentifiers (RFC 5280 / RFC 4055 / RFC 5758 / RFC 8410)
 * as used in certificates and in RFC 7427 AUTH payloads. The encodings are
 * those of RFC 7427 Appendix A (hash parameters as NULL, PSS salt length =
 * hash length, trailer field omitted), which is what strongSwan sends.
 */
import { HASH, HashAlg } from '../wire/iana';
import { Asn1Error, DerReader, TAG, contextTag, decodeSmallInteger } from './asn1-reader';
import { DER_NULL, derOid, derSmallInteger, derTlv } from './x509-der-encode';

export type SignatureScheme = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'ed25519' | 'ed448';

export interface SignatureAlgorithm {
  scheme: SignatureScheme;
  /** HASH.* (IDENTITY for EdDSA). */
  hash: number;
  /** RSASSA-PSS salt length in bytes. */
  saltLength?: number;
}

interface HashInfo {
  id: number;
  oid: string;
  /** node:crypto digest name. */
  node: string;
  size: number;
}

const HASHES: HashInfo[] = [
  { id: HASH.SHA1, oid: '1.3.14.3.2.26', node: 'sha1', size: 20 },
  { id: HASH.SHA2_256, oid: '2.16.840.1.101.3.4.2.1', node: 'sha256', size: 32 },
  { id: HASH.SHA2_384, oid: '2.16.840.1.101.3.4.2.2', node: 'sha384', size: 48 },
  { id: HASH.SHA2_512, oid: '2.16.840.1.101.3.4.2.3', node: 'sha512', size: 64 },
];

const RSA_PKCS1: Record<number, string> = {
  [HASH.SHA1]: '1.2.840.113549.1.1.5',
  [HASH.SHA2_256]: '1.2.840.113549.1.1.11',
  [HASH.SHA2_384]: '1.2.840.113549.1.1.12',
  [HASH.SHA2_512]: '1.2.840.113549.1.1.13',
};
const ECDSA: Record<number, string> = {
  [HASH.SHA1]: '1.2.840.10045.4.1',
  [HASH.SHA2_256]: '1.2.840.10045.4.3.2',
  [HASH.SHA2_384]: '1.2.840.10045.4.3.3',
  [HASH.SHA2_512]: '1.2.840.10045.4.3.4',
};
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';
const OID_ED25519 = '1.3.101.112';
const OID_ED448 = '1.3.101.113';

function hashInfo(id: number): HashInfo {
  const h = HASHES.find((x) => x.id === id);
  if (!h) throw new Error(`hash ${HashAlg.name(id)} has no signature algorithm here`);
  return h;
}

/** node:crypto digest name of a HASH.* id (null for IDENTITY). */
export function nodeDigestName(hash: number): string | null {
  if (hash === HASH.IDENTITY) return null;
  return hashInfo(hash).node;
}

/** Output size in bytes of a HASH.* id. */
export function hashSize(hash: number): number {
  return hashInfo(hash).size;
}

function hashAlgId(h: HashInfo): Buffer {
  return derTlv(TAG.SEQUENCE, derOid(h.oid), DER_NULL);
}

/** Encodes the AlgorithmIdentifier DER for a signature algorithm. */
export function encodeSignatureAlgorithm(alg: SignatureAlgorithm): Buffer {
  switch (alg.scheme) {
    case 'rsa-pkcs1': {
      const oid = RSA_PKCS1[alg.hash];
      if (!oid) throw new Error(`no PKCS#1 v1.5 signature with ${HashAlg.name(alg.hash)}`);
      return derTlv(TAG.SEQUENCE, derOid(oid), DER_NULL);
    }
    case 'ecdsa': {
      const oid = ECDSA[alg.hash];
      if (!oid) throw new Error(`no ECDSA signature with ${HashAlg.name(alg.hash)}`);
      return derTlv(TAG.SEQUENCE, derOid(oid));
    }
    case 'rsa-pss': {
      const h = hashInfo(alg.hash);
      const salt = alg.saltLength ?? h.size;
      const params: Buffer[] = [];
      if (h.id !== HASH.SHA1) {
        params.push(derTlv(contextTag(0, true), hashAlgId(h)));
        params.push(derTlv(contextTag(1, true), derTlv(TAG.SEQUENCE, derOid(OID_MGF1), hashAlgId(h))));
      }
      if (salt !== 20) params.push(derTlv(contextTag(2, true), derSmallInteger(salt)));
      return derTlv(TAG.SEQUENCE, derOid(OID_RSASSA_PSS), derTlv(TAG.SEQUENCE, ...params));
    }
    case 'ed25519':
      return derTlv(TAG.SEQUENCE, derOid(OID_ED25519));
    case 'ed448':
      return derTlv(TAG.SEQUENCE, derOid(OID_ED448));
  }
}

function hashByOid(oid: string, what: string): HashInfo {
  const h = HASHES.find((x) => x.oid === oid);
  if (!h) throw new Asn1Error(`${what}: unsupported hash algorithm ${oid}`);
  return h;
}

/** Reads a hash AlgorithmIdentifier whose parameters are absent or NULL. */
function readHashAlgId(r: DerReader, what: string): HashInfo {
  const seq = r.sequence(what);
  const h = hashByOid(seq.oid(`${what} algorithm`), what);
  if (!seq.done) seq.expect(TAG.NULL, `${what} parameters`);
  seq.finish(what);
  return h;
}

function decodePssParams(params: DerReader | undefined): { hash: number; saltLength: number } {
  let hash = hashInfo(HASH.SHA1);
  let mgfHash = hashInfo(HASH.SHA1);
  let salt = 20;
  if (params) {
    const hashEl = params.optional(contextTag(0, true), 'RSASSA-PSS hashAlgorithm');
    if (hashEl) {
      const r = new DerReader(hashEl.value, 'RSASSA-PSS hashAlgorithm');
      hash = readHashAlgId(r, 'hashAlgorithm');
      r.finish('hashAlgorithm');
    }
    const mgfEl = params.optional(contextTag(1, true), 'RSASSA-PSS maskGenAlgorithm');
    if (mgfEl) {
      const r = new DerReader(mgfEl.value, 'RSASSA-PSS maskGenAlgorithm');
      const mgf = r.sequence('maskGenAlgorithm');
      const mgfOid = mgf.oid('maskGenAlgorithm algorithm');
      if (mgfOid !== OID_MGF1) throw new Asn1Error(`RSASSA-PSS: unsupported mask generation function ${mgfOid}`);
      mgfHash = readHashAlgId(mgf, 'MGF1 hash');
      mgf.finish('maskGenAlgorithm');
      r.finish('maskGenAlgorithm');
    }
    const saltEl = params.optional(contextTag(2, true), 'RSASSA-PSS saltLength');
    if (saltEl) {
      const r = new DerReader(saltEl.value, 'RSASSA-PSS saltLength');
      salt = decodeSmallInteger(r.expect(TAG.INTEGER, 'saltLength').value, 'RSASSA-PSS saltLength');
      r.finish('saltLength');
    }
    const trailerEl = params.optional(contextTag(3, true), 'RSASSA-PSS trailerField');
    if (trailerEl) {
      const r = new DerReader(trailerEl.value, 'RSASSA-PSS trailerField');
      const t = decodeSmallInteger(r.expect(TAG.INTEGER, 'trailerField').value, 'RSASSA-PSS trailerField');
      if (t !== 1) throw new Asn1Error(`RSASSA-PSS: unsupported trailerField ${t}`);
    }
    params.finish('RSASSA-PSS-params');
  }
  if (mgfHash.id !== hash.id) {
    throw new Asn1Error(`RSASSA-PSS: MGF1 with ${mgfHash.node} differs from message hash ${hash.node} (unsupported)`);
  }
  return { hash: hash.id, saltLength: salt };
}

/** Decodes a signature AlgorithmIdentifier. Throws naming what is unsupported. */
export function decodeSignatureAlgorithm(der: Buffer): SignatureAlgorithm {
  const top = new DerReader(der, 'signature AlgorithmIdentifier');
  const seq = top.sequence('AlgorithmIdentifier');
  top.finish('AlgorithmIdentifier');
  const oid = seq.oid('algorithm');
  for (const [hash, o] of Object.entries(RSA_PKCS1)) {
    if (o === oid) {
      if (!seq.done) seq.expect(TAG.NULL, 'parameters');
      seq.finish('AlgorithmIdentifier');
      return { scheme: 'rsa-pkcs1', hash: Number(hash) };
    }
  }
  for (const [hash, o] of Object.entries(ECDSA)) {
    if (o === oid) {
      seq.finish('AlgorithmIdentifier (ECDSA takes no parameters)');
      return { scheme: 'ecdsa', hash: Number(hash) };
    }
  }
  if (oid === OID_RSASSA_PSS) {
    const params = seq.done ? undefined : seq.sequence('RSASSA-PSS-params');
    seq.finish('AlgorithmIdentifier');
    return { scheme: 'rsa-pss', ...decodePssParams(params) };
  }
  if (oid === OID_ED25519 || oid === OID_ED448) {
    seq.finish('AlgorithmIdentifier (EdDSA takes no parameters)');
    return { scheme: oid === OID_ED25519 ? 'ed25519' : 'ed448', hash: HASH.IDENTITY };
  }
  throw new Asn1Error(`unsupported signature algorithm ${oid}`);
}

/** A short name for logs, e.g. "sha256WithRSAEncryption", "RSASSA-PSS/sha256/salt32". */
export function signatureAlgorithmName(alg: SignatureAlgorithm): string {
  switch (alg.scheme) {
    case 'rsa-pkcs1':
      return `${hashInfo(alg.hash).node}WithRSAEncryption`;
    case 'ecdsa':
      return `ecdsa-with-${hashInfo(alg.hash).node.toUpperCase()}`;
    case 'rsa-pss':
      return `RSASSA-PSS/${hashInfo(alg.hash).node}/salt${alg.saltLength ?? hashInfo(alg.hash).size}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
  }
}
