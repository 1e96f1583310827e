/**
 * Private and public key files (iked's /etc/iked/private/local.key and
 * /etc/iked/pubkeys/...), and the RFC 7670 raw public key encoding
 * (CERT encoding RAW_PUBKEY: the DER SubjectPublicKeyInfo).
 */
import { KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

type KeyType = 'pkcs8' | 'pkcs1' | 'sec1';

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Loads a private key: PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY",
 * SEC1 "EC PRIVATE KEY") or DER (PKCS#8, PKCS#1, SEC1). Refuses a file that
 * group or others may read (as iked does) and encrypted keys.
 */
export function loadPrivateKey(path: string): KeyObject {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new Error(`cannot read private key ${path}: ${describe(e)}`);
  }
  if (!st.isFile()) throw new Error(`private key ${path} is not a regular file`);
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    throw new Error(
      `private key ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it`,
    );
  }
  const data = readFileSync(path);
  try {
    return privateKeyFromBytes(data, path);
  } finally {
    data.fill(0);
  }
}

/** Parses private key bytes (PEM or DER); `what` names the source in errors. */
export function privateKeyFromBytes(data: Buffer, what = 'private key'): KeyObject {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    if (/ENCRYPTED/.test(text)) throw new Error(`${what}: encrypted private keys are not supported`);
    try {
      return createPrivateKey({ key: data, format: 'pem' });
    } catch (e) {
      throw new Error(`${what}: not a usable PEM private key (${describe(e)})`);
    }
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as KeyType[]) {
    try {
      return createPrivateKey({ key: data, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  throw new Error(`${what}: not a PEM or DER (PKCS#8, PKCS#1, SEC1) private key`);
}

/**
 * Loads a public key: PEM "PUBLIC KEY" (SPKI), "RSA PUBLIC KEY" (PKCS#1),
 * a PEM certificate (its key), or DER SPKI / PKCS#1.
 */
export function loadPublicKey(path: string): KeyObject {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read public key ${path}: ${describe(e)}`);
  }
  const text = data.toString('latin1');
  try {
    if (text.includes('-----BEGIN CERTIFICATE')) return new X509Certificate(data).publicKey;
    if (text.includes('-----BEGIN')) return createPublicKey({ key: data, format: 'pem' });
  } catch (e) {
    throw new Error(`public key ${path}: ${describe(e)}`);
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: data, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  throw new Error(`public key ${path}: not a PEM or DER (SPKI, PKCS#1) public key`);
}

/** RFC 7670 RAW_PUBKEY CERT data: the DER SubjectPublicKeyInfo (of the public half of a private key). */
export function rawPublicKeyData(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.type !== 'public') throw new Error(`a ${key.type} key has no public key`);
  return pub.export({ type: 'spki', format: 'der' });
}

/** The public key in RAW_PUBKEY CERT data. */
export function publicKeyFromRaw(data: Buffer): KeyObject {
  try {
    return createPublicKey({ key: data, format: 'der', type: 'spki' });
  } catch (e) {
    throw new Error(`RAW_PUBKEY data is not a DER SubjectPublicKeyInfo (${describe(e)})`);
  }
}
