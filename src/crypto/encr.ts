/**
 * IKEv2 encryption algorithms (transform type 1) through OpenSSL:
 * AES-CBC (RFC 3602), AES-CTR (RFC 5930), AES-GCM (RFC 5282),
 * ChaCha20-Poly1305 (RFC 7634) and 3DES-CBC.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherChaCha20Poly1305Types, CipherGCMTypes } from 'node:crypto';
import { ENCR, EncrId } from '../wire/iana';
import { IntegrityError, UnsupportedTransformError } from './errors';

export interface EncrAlg {
  id: number;
  name: string;
  /** Cipher key size in bits (excluding salt/nonce). */
  keyBits: number;
  /** Bytes of keying material, including the 4-byte salt for CTR, GCM and ChaCha20-Poly1305. */
  keyLen: number;
  /** Bytes of explicit IV carried in each message. */
  ivLen: number;
  /** Padding alignment: the cipher block for CBC, 1 for CTR and AEAD. */
  blockSize: number;
  aead: boolean;
  /** AEAD tag bytes; 0 for non-AEAD ciphers. */
  icvLen: number;
  /** Returns ciphertext, with the tag appended for AEAD. */
  encrypt(key: Buffer, iv: Buffer, plain: Buffer, aad?: Buffer): Buffer;
  /** Returns plaintext; throws IntegrityError on a bad AEAD tag. */
  decrypt(key: Buffer, iv: Buffer, data: Buffer, aad?: Buffer): Buffer;
}

function checkKeyIv(alg: EncrAlg, key: Buffer, iv: Buffer): void {
  if (key.length !== alg.keyLen) {
    throw new RangeError(`${alg.name}: key must be ${alg.keyLen} bytes, got ${key.length}`);
  }
  if (iv.length !== alg.ivLen) {
    throw new RangeError(`${alg.name}: IV must be ${alg.ivLen} bytes, got ${iv.length}`);
  }
}

function cbc(id: number, cipher: string, keyBits: number, block: number): EncrAlg {
  const alg: EncrAlg = {
    id,
    name: `${EncrId.name(id)}_${keyBits}`,
    keyBits,
    keyLen: keyBits / 8,
    ivLen: block,
    blockSize: block,
    aead: false,
    icvLen: 0,
    encrypt(key, iv, plain) {
      checkKeyIv(alg, key, iv);
      if (plain.length % block !== 0) {
        throw new RangeError(`${alg.name}: plaintext length ${plain.length} is not a multiple of ${block}`);
      }
      const c = createCipheriv(cipher, key, iv);
      c.setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]);
    },
    decrypt(key, iv, data) {
      checkKeyIv(alg, key, iv);
      if (data.length % block !== 0) {
        throw new RangeError(`${alg.name}: ciphertext length ${data.length} is not a multiple of ${block}`);
      }
      const d = createDecipheriv(cipher, key, iv);
      d.setAutoPadding(false);
      return Buffer.concat([d.update(data), d.final()]);
    },
  };
  return alg;
}

/** AES-CTR per RFC 3686/5930: keymat = key | 4-byte nonce; counter block = nonce | IV | 0x00000001. */
function ctr(keyBits: number): EncrAlg {
  const cipher = `aes-${keyBits}-ctr`;
  const klen = keyBits / 8;
  const run = (key: Buffer, iv: Buffer, data: Buffer): Buffer => {
    checkKeyIv(alg, key, iv);
    const counter = Buffer.alloc(16);
    key.copy(counter, 0, klen, klen + 4);
    iv.copy(counter, 4);
    counter.writeUInt32BE(1, 12);
    const c = createCipheriv(cipher, key.subarray(0, klen), counter);
    return Buffer.concat([c.update(data), c.final()]);
  };
  const alg: EncrAlg = {
    id: ENCR.AES_CTR,
    name: `${EncrId.name(ENCR.AES_CTR)}_${keyBits}`,
    keyBits,
    keyLen: klen + 4,
    ivLen: 8,
    blockSize: 1,
    aead: false,
    icvLen: 0,
    encrypt: (key, iv, plain) => run(key, iv, plain),
    decrypt: (key, iv, data) => run(key, iv, data),
  };
  return alg;
}

type AeadCipherName = CipherGCMTypes | CipherChaCha20Poly1305Types;

function aeadCipher(name: AeadCipherName, key: Buffer, nonce: Buffer, authTagLength: number) {
  return name === 'chacha20-poly1305'
    ? createCipheriv(name, key, nonce, { authTagLength })
    : createCipheriv(name, key, nonce, { authTagLength });
}

function aeadDecipher(name: AeadCipherName, key: Buffer, nonce: Buffer, authTagLength: number) {
  return name === 'chacha20-poly1305'
    ? createDecipheriv(name, key, nonce, { authTagLength })
    : createDecipheriv(name, key, nonce, { authTagLength });
}

/** AEAD with a 4-byte salt at the end of the keymat and nonce = salt | 8-byte IV (RFC 5282, RFC 7634). */
function aead(id: number, cipher: AeadCipherName, keyBits: number, tagLen: number): EncrAlg {
  const klen = keyBits / 8;
  const nonceOf = (key: Buffer, iv: Buffer): Buffer => Buffer.concat([key.subarray(klen, klen + 4), iv]);
  const alg: EncrAlg = {
    id,
    name: id === ENCR.CHACHA20_POLY1305 ? EncrId.name(id) : `${EncrId.name(id)}_${keyBits}`,
    keyBits,
    keyLen: klen + 4,
    ivLen: 8,
    blockSize: 1,
    aead: true,
    icvLen: tagLen,
    encrypt(key, iv, plain, aad) {
      checkKeyIv(alg, key, iv);
      const c = aeadCipher(cipher, key.subarray(0, klen), nonceOf(key, iv), tagLen);
      if (aad) c.setAAD(aad, { plaintextLength: plain.length });
      return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    },
    decrypt(key, iv, data, aad) {
      checkKeyIv(alg, key, iv);
      if (data.length < tagLen) {
        throw new RangeError(`${alg.name}: ciphertext of ${data.length} bytes is shorter than the ${tagLen}-byte tag`);
      }
      const ctLen = data.length - tagLen;
      const d = aeadDecipher(cipher, key.subarray(0, klen), nonceOf(key, iv), tagLen);
      d.setAuthTag(data.subarray(ctLen));
      if (aad) d.setAAD(aad, { plaintextLength: ctLen });
      const plain = d.update(data.subarray(0, ctLen));
      try {
        d.final();
      } catch {
        plain.fill(0);
        throw new IntegrityError(`${alg.name}: authentication tag mismatch`);
      }
      return plain;
    },
  };
  return alg;
}

const AES_BITS = [128, 192, 256];
const GCM_TAG: ReadonlyMap<number, number> = new Map([
  [ENCR.AES_GCM_8, 8],
  [ENCR.AES_GCM_12, 12],
  [ENCR.AES_GCM_16, 16],
]);

const cache = new Map<string, EncrAlg>();

function build(id: number, keyBits: number | undefined): EncrAlg {
  const label = `${EncrId.name(id)} (${id})`;
  const needAesBits = (): number => {
    if (keyBits === undefined) {
      throw new UnsupportedTransformError(`${label} requires a key length attribute (128, 192 or 256)`);
    }
    if (!AES_BITS.includes(keyBits)) {
      throw new UnsupportedTransformError(`${label} with key length ${keyBits} is not supported (128, 192 or 256)`);
    }
    return keyBits;
  };
  switch (id) {
    case ENCR.AES_CBC: {
      const b = needAesBits();
      return cbc(id, `aes-${b}-cbc`, b, 16);
    }
    case ENCR.AES_CTR:
      return ctr(needAesBits());
    case ENCR.AES_GCM_8:
    case ENCR.AES_GCM_12:
    case ENCR.AES_GCM_16: {
      const b = needAesBits();
      return aead(id, `aes-${b}-gcm` as CipherGCMTypes, b, GCM_TAG.get(id) as number);
    }
    case ENCR.CHACHA20_POLY1305:
      if (keyBits !== undefined && keyBits !== 256) {
        throw new UnsupportedTransformError(`${label} only has a 256-bit key, not ${keyBits}`);
      }
      return aead(id, 'chacha20-poly1305', 256, 16);
    case ENCR['3DES']:
      if (keyBits !== undefined && keyBits !== 192) {
        throw new UnsupportedTransformError(`${label} has a fixed 192-bit key, not ${keyBits}`);
      }
      return cbc(id, 'des-ede3-cbc', 192, 8);
    default:
      throw new UnsupportedTransformError(`unsupported ENCR transform ${label}`);
  }
}

/**
 * The cipher for an IANA ENCR transform id and key length attribute (bits).
 * AES ciphers require keyBits; ChaCha20-Poly1305 defaults to 256 and 3DES to 192.
 */
export function encrById(id: number, keyBits?: number): EncrAlg {
  const k = `${id}/${keyBits ?? ''}`;
  let alg = cache.get(k);
  if (!alg) {
    const built = build(id, keyBits);
    // one object per cipher and key size, whether or not the default was spelled out
    const canonical = `${id}/${built.keyBits}`;
    alg = cache.get(canonical) ?? built;
    cache.set(canonical, alg);
    cache.set(k, alg);
  }
  return alg;
}
