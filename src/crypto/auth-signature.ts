/**
 * Signature authentication for IKE_AUTH (RFC 7296 2.15): producing and
 * checking the AUTH payload data for RSA_SIG (PKCS#1 v1.5 with SHA-1),
 * ECDSA_SHA256_P256/384/521 (RFC 4754: raw r||s) and DIGITAL_SIGNATURE
 * (RFC 7427: AlgorithmIdentifier length, AlgorithmIdentifier, signature),
 * plus the SIGNATURE_HASH_ALGORITHMS notify data.
 */
import { KeyObject, constants, createPublicKey, sign, verify } from 'node:crypto';
import { AUTH, AuthMethod, HASH, HashAlg } from '../wire/iana';
import {
  SignatureAlgorithm,
  decodeSignatureAlgorithm,
  encodeSignatureAlgorithm,
  hashSize,
  nodeDigestName,
  signatureAlgorithmName,
} from './x509-signature-algorithm';

export type VerifyResult = { ok: true; hash?: number } | { ok: false; reason: string };

/** RFC 4754 methods: curve (node name), hash and coordinate size. */
const ECDSA_METHODS: Record<number, { curve: string; hash: number; size: number }> = {
  [AUTH.ECDSA_SHA256_P256]: { curve: 'prime256v1', hash: HASH.SHA2_256, size: 32 },
  [AUTH.ECDSA_SHA384_P384]: { curve: 'secp384r1', hash: HASH.SHA2_384, size: 48 },
  [AUTH.ECDSA_SHA512_P521]: { curve: 'secp521r1', hash: HASH.SHA2_512, size: 66 },
};

function curveOf(key: KeyObject): string | undefined {
  return key.asymmetricKeyDetails?.namedCurve;
}

function curveLabel(curve: string | undefined): string {
  return { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[curve ?? ''] ?? curve ?? 'unknown curve';
}

function keyLabel(key: KeyObject): string {
  const t = key.asymmetricKeyType ?? key.type;
  return t === 'ec' ? `EC ${curveLabel(curveOf(key))}` : t.toUpperCase();
}

/** The AUTH method to use with our private key. EdDSA and RSA-PSS keys always use DIGITAL_SIGNATURE. */
export function authMethodForKey(key: KeyObject, preferRfc7427: boolean): number {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return preferRfc7427 ? AUTH.DIGITAL_SIGNATURE : AUTH.RSA_SIG;
    case 'rsa-pss':
    case 'ed25519':
    case 'ed448':
      return AUTH.DIGITAL_SIGNATURE;
    case 'ec': {
      if (preferRfc7427) return AUTH.DIGITAL_SIGNATURE;
      const curve = curveOf(key);
      for (const [method, m] of Object.entries(ECDSA_METHODS)) if (m.curve === curve) return Number(method);
      return AUTH.DIGITAL_SIGNATURE;
    }
    default:
      throw new Error(`no IKEv2 signature method for a ${key.asymmetricKeyType ?? key.type} key`);
  }
}

/** The hash a key signs with by default under RFC 7427 (IDENTITY for EdDSA). */
export function defaultSignatureHash(key: KeyObject): number {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
    case 'ed448':
      return HASH.IDENTITY;
    case 'ec': {
      const c = curveOf(key);
      return c === 'secp521r1' ? HASH.SHA2_512 : c === 'secp384r1' ? HASH.SHA2_384 : HASH.SHA2_256;
    }
    default:
      return HASH.SHA2_256;
  }
}

/**
 * Picks the RFC 7427 hash for our key from what the peer announced in
 * SIGNATURE_HASH_ALGORITHMS: the key's default if offered, else the
 * strongest SHA-2 offered; undefined when nothing usable was offered.
 */
export function chooseSignatureHash(key: KeyObject, peerHashes: readonly number[]): number | undefined {
  const def = defaultSignatureHash(key);
  if (def === HASH.IDENTITY) return peerHashes.includes(HASH.IDENTITY) ? HASH.IDENTITY : undefined;
  if (peerHashes.includes(def)) return def;
  for (const h of [HASH.SHA2_512, HASH.SHA2_384, HASH.SHA2_256]) if (peerHashes.includes(h)) return h;
  return undefined;
}

function rfc7427Algorithm(key: KeyObject, hash: number | undefined, rsaPss: boolean): SignatureAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
    case 'ed448':
      if (hash !== undefined && hash !== HASH.IDENTITY) {
        throw new Error(`${keyLabel(key)} keys sign with hash IDENTITY, not ${HashAlg.name(hash)}`);
      }
      return { scheme: key.asymmetricKeyType, hash: HASH.IDENTITY };
    case 'rsa':
    case 'rsa-pss': {
      const h = hash ?? HASH.SHA2_256;
      if (h === HASH.IDENTITY) throw new Error('RSA signatures need a real hash, not IDENTITY');
      if (rsaPss || key.asymmetricKeyType === 'rsa-pss') return { scheme: 'rsa-pss', hash: h, saltLength: hashSize(h) };
      return { scheme: 'rsa-pkcs1', hash: h };
    }
    case 'ec': {
      const h = hash ?? defaultSignatureHash(key);
      if (h === HASH.IDENTITY) throw new Error('ECDSA signatures need a real hash, not IDENTITY');
      return { scheme: 'ecdsa', hash: h };
    }
    default:
      throw new Error(`no RFC 7427 signature for a ${key.asymmetricKeyType ?? key.type} key`);
  }
}

function rawSign(key: KeyObject, alg: SignatureAlgorithm, octets: Buffer, ieee: boolean): Buffer {
  const digest = nodeDigestName(alg.hash);
  switch (alg.scheme) {
    case 'rsa-pkcs1':
      return sign(digest, octets, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss':
      return sign(digest, octets, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: alg.saltLength ?? hashSize(alg.hash),
      });
    case 'ecdsa':
      return sign(digest, octets, { key, dsaEncoding: ieee ? 'ieee-p1363' : 'der' });
    case 'ed25519':
    case 'ed448':
      return sign(null, octets, key);
  }
}

function rawVerify(key: KeyObject, alg: SignatureAlgorithm, octets: Buffer, sig: Buffer, ieee: boolean): boolean {
  const digest = nodeDigestName(alg.hash);
  switch (alg.scheme) {
    case 'rsa-pkcs1':
      return verify(digest, octets, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
    case 'rsa-pss':
      return verify(
        digest,
        octets,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 20 },
        sig,
      );
    case 'ecdsa':
      return verify(digest, octets, { key, dsaEncoding: ieee ? 'ieee-p1363' : 'der' }, sig);
    case 'ed25519':
    case 'ed448':
      return verify(null, octets, key, sig);
  }
}

/**
 * Signs the AUTH octets (RFC 7296 2.15) and returns the AUTH payload data.
 * `hash` (HASH.*) selects the RFC 7427 hash for DIGITAL_SIGNATURE (default:
 * SHA2_256 for RSA and P-256, SHA2_384 for P-384, SHA2_512 for P-521,
 * IDENTITY for EdDSA). `options.rsaPss` makes an RSA key sign with
 * RSASSA-PSS (salt = hash length) instead of PKCS#1 v1.5.
 */
export function signAuth(
  key: KeyObject,
  octets: Buffer,
  method: number,
  hash?: number,
  options: { rsaPss?: boolean } = {},
): Buffer {
  if (key.type !== 'private') throw new Error(`signing needs a private key, got a ${key.type} key`);
  if (method === AUTH.RSA_SIG) {
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`AUTH RSA_SIG needs an RSA key, got ${keyLabel(key)}`);
    return rawSign(key, { scheme: 'rsa-pkcs1', hash: HASH.SHA1 }, octets, false);
  }
  const ec = ECDSA_METHODS[method];
  if (ec) {
    if (key.asymmetricKeyType !== 'ec' || curveOf(key) !== ec.curve) {
      throw new Error(`AUTH ${AuthMethod.name(method)} needs an EC ${curveLabel(ec.curve)} key, got ${keyLabel(key)}`);
    }
    return rawSign(key, { scheme: 'ecdsa', hash: ec.hash }, octets, true);
  }
  if (method === AUTH.DIGITAL_SIGNATURE) {
    const alg = rfc7427Algorithm(key, hash, options.rsaPss ?? false);
    const algId = encodeSignatureAlgorithm(alg);
    if (algId.length > 255) throw new Error('AlgorithmIdentifier longer than 255 bytes');
    return Buffer.concat([Buffer.from([algId.length]), algId, rawSign(key, alg, octets, false)]);
  }
  throw new Error(`AUTH method ${AuthMethod.name(method)} is not a signature method`);
}

function keyFits(key: KeyObject, alg: SignatureAlgorithm): boolean {
  const t = key.asymmetricKeyType;
  switch (alg.scheme) {
    case 'rsa-pkcs1':
      return t === 'rsa';
    case 'rsa-pss':
      return t === 'rsa' || t === 'rsa-pss';
    case 'ecdsa':
      return t === 'ec';
    case 'ed25519':
    case 'ed448':
      return t === alg.scheme;
  }
}

function checked(fn: () => boolean, what: string): VerifyResult | undefined {
  try {
    return fn() ? undefined : { ok: false, reason: `${what}: signature does not verify` };
  } catch (e) {
    return { ok: false, reason: `${what}: ${(e as Error).message}` };
  }
}

/**
 * Verifies AUTH payload data (`data`) over the AUTH octets with the peer's
 * public key. On success reports the hash used (HASH.*).
 */
export function verifyAuth(pub: KeyObject, method: number, data: Buffer, octets: Buffer): VerifyResult {
  const key = pub.type === 'private' ? createPublicKey(pub) : pub;
  if (key.type !== 'public') return { ok: false, reason: `verification needs a public key, got a ${key.type} key` };
  const mname = `AUTH ${AuthMethod.name(method)}`;
  if (method === AUTH.RSA_SIG) {
    if (key.asymmetricKeyType !== 'rsa') return { ok: false, reason: `${mname} with a ${keyLabel(key)} key` };
    return checked(() => rawVerify(key, { scheme: 'rsa-pkcs1', hash: HASH.SHA1 }, octets, data, false), mname) ?? {
      ok: true,
      hash: HASH.SHA1,
    };
  }
  const ec = ECDSA_METHODS[method];
  if (ec) {
    if (key.asymmetricKeyType !== 'ec' || curveOf(key) !== ec.curve) {
      return { ok: false, reason: `${mname} with a ${keyLabel(key)} key (needs EC ${curveLabel(ec.curve)})` };
    }
    if (data.length !== 2 * ec.size) {
      return { ok: false, reason: `${mname}: signature of ${data.length} bytes, expected ${2 * ec.size} (r||s)` };
    }
    return checked(() => rawVerify(key, { scheme: 'ecdsa', hash: ec.hash }, octets, data, true), mname) ?? {
      ok: true,
      hash: ec.hash,
    };
  }
  if (method !== AUTH.DIGITAL_SIGNATURE) return { ok: false, reason: `${mname} is not a signature method` };

  if (data.length < 1 || data[0] === 0 || 1 + data[0] > data.length) {
    return { ok: false, reason: `${mname}: AlgorithmIdentifier length ${data[0] ?? 'missing'} does not fit in ${data.length} bytes` };
  }
  const algId = data.subarray(1, 1 + data[0]);
  const sig = data.subarray(1 + data[0]);
  let alg: SignatureAlgorithm;
  try {
    alg = decodeSignatureAlgorithm(algId);
  } catch (e) {
    return { ok: false, reason: `${mname}: ${(e as Error).message}` };
  }
  const what = `${mname} ${signatureAlgorithmName(alg)}`;
  if (!keyFits(key, alg)) return { ok: false, reason: `${what} does not match the peer's ${keyLabel(key)} key` };
  if (sig.length === 0) return { ok: false, reason: `${what}: empty signature` };
  return checked(() => rawVerify(key, alg, octets, sig, false), what) ?? { ok: true, hash: alg.hash };
}

/** What we announce by default in SIGNATURE_HASH_ALGORITHMS. */
export const DEFAULT_SIGNATURE_HASHES: readonly number[] = [HASH.SHA2_256, HASH.SHA2_384, HASH.SHA2_512];

/**
 * Notify data for SIGNATURE_HASH_ALGORITHMS (RFC 7427 4): 2-byte HASH ids.
 * Add HASH.IDENTITY to announce EdDSA support.
 */
export function signatureHashAlgorithmsData(hashes: readonly number[] = DEFAULT_SIGNATURE_HASHES): Buffer {
  const out = Buffer.alloc(hashes.length * 2);
  hashes.forEach((h, i) => out.writeUInt16BE(h, i * 2));
  return out;
}

/** Parses SIGNATURE_HASH_ALGORITHMS notify data into HASH ids (unknown ids kept). */
export function parseSignatureHashAlgorithms(data: Buffer): number[] {
  if (data.length % 2 !== 0) {
    throw new Error(`SIGNATURE_HASH_ALGORITHMS data of ${data.length} bytes is not a list of 2-byte ids`);
  }
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push(data.readUInt16BE(i));
  return out;
}
