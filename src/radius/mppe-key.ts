/**
 * MS-MPPE-Send-Key / MS-MPPE-Recv-Key (RFC 2548 section 2.4.2-2.4.3):
 * Salt (2 bytes, high bit set) then the key, prefixed by its length and
 * zero-padded to a multiple of 16, encrypted with
 *   b(1) = MD5(Secret + Request-Authenticator + Salt), c(1) = p(1) xor b(1),
 *   b(i) = MD5(Secret + c(i-1)),                       c(i) = p(i) xor b(i).
 * MD5 from node:crypto.
 */
import { createHash, randomBytes } from 'node:crypto';

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function secretBytes(secret: string | Buffer): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}

/** Decrypt an MS-MPPE key attribute value; the result is a fresh buffer the caller zeroes. */
export function decryptMppeKey(value: Buffer, secret: string | Buffer, requestAuthenticator: Buffer): Buffer {
  if (value.length < 18 || (value.length - 2) % 16 !== 0) {
    throw new Error(`MS-MPPE key attribute of ${value.length} bytes: expected a 2-byte salt and a multiple of 16 bytes`);
  }
  if ((value[0] & 0x80) === 0) throw new Error('MS-MPPE key attribute: salt lacks its high bit (RFC 2548 2.4.2)');
  const s = secretBytes(secret);
  const salt = value.subarray(0, 2);
  const c = value.subarray(2);
  const plain = Buffer.alloc(c.length);
  let prev: Buffer = Buffer.concat([requestAuthenticator, salt]);
  for (let off = 0; off < c.length; off += 16) {
    const b = md5(s, prev);
    for (let i = 0; i < 16; i++) plain[off + i] = c[off + i] ^ b[i];
    b.fill(0);
    prev = c.subarray(off, off + 16);
  }
  const keyLen = plain[0];
  if (keyLen === 0 || keyLen > plain.length - 1) {
    plain.fill(0);
    throw new Error(`MS-MPPE key attribute: decrypted key length ${keyLen} does not fit ${c.length - 1} bytes (wrong shared secret?)`);
  }
  const key = Buffer.from(plain.subarray(1, 1 + keyLen));
  plain.fill(0);
  return key;
}

/** Encrypt an MS-MPPE key (test servers; a NAS only decrypts). */
export function encryptMppeKey(key: Buffer, secret: string | Buffer, requestAuthenticator: Buffer, salt: Buffer = randomBytes(2)): Buffer {
  if (key.length < 1 || key.length > 239) throw new RangeError(`MS-MPPE key of ${key.length} bytes: must be 1-239`);
  const s = secretBytes(secret);
  const saltOut = Buffer.from(salt);
  saltOut[0] |= 0x80;
  const padded = Buffer.alloc(Math.ceil((key.length + 1) / 16) * 16);
  padded[0] = key.length;
  key.copy(padded, 1);
  const out = Buffer.alloc(2 + padded.length);
  saltOut.copy(out, 0);
  let prev: Buffer = Buffer.concat([requestAuthenticator, saltOut]);
  for (let off = 0; off < padded.length; off += 16) {
    const b = md5(s, prev);
    for (let i = 0; i < 16; i++) out[2 + off + i] = padded[off + i] ^ b[i];
    prev = out.subarray(2 + off, 2 + off + 16);
  }
  padded.fill(0);
  return out;
}
