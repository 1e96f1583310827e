/**
 * The body of the Encrypted (SK) payload: IV | ciphertext | ICV
 * (RFC 7296 section 3.14; AEAD per RFC 5282 / RFC 7634). Sealed and opened in one call
 * on the crypto addon when it is in use and has the suite (native-sk.ts), else node:crypto.
 */
import { timingSafeEqual } from 'node:crypto';
import { fillRandom } from './random';
import type { EncrAlg } from './encr';
import { IntegrityError } from './errors';
import type { IntegAlg } from './integ';
import { SK_BAD_ICV, nativeCrypto } from './native-crypto';
import { nativeSkSuite } from './native-sk';

export interface SkSuite {
  encr: EncrAlg;
  /** null for AEAD ciphers. */
  integ: IntegAlg | null;
}

function checkSuite(s: SkSuite): number {
  if (s.encr.aead) {
    if (s.integ) throw new Error(`SK: ${s.encr.name} is AEAD and must not be combined with ${s.integ.name}`);
    return s.encr.icvLen;
  }
  if (!s.integ) throw new Error(`SK: ${s.encr.name} is not AEAD and needs an integrity algorithm`);
  return s.integ.icvLen;
}

function padLength(blockSize: number, plainLen: number): number {
  return (blockSize - ((plainLen + 1) % blockSize)) % blockSize;
}

/** Bytes of SK payload body for plainLen bytes of inner payloads: IV + plaintext + padding + pad-length + ICV. */
export function skBodyLength(s: SkSuite, plainLen: number): number {
  const icv = checkSuite(s);
  return s.encr.ivLen + plainLen + padLength(s.encr.blockSize, plainLen) + 1 + icv;
}

/**
 * Encrypt `plain` (the inner payloads) into `out`, which must be exactly
 * skBodyLength(s, plain.length) bytes: random IV | ciphertext | ICV.
 * `aad` is every byte of the message before the SK body (IKE header through
 * the SK generic payload header, whose lengths must already be final).
 */
export function skSeal(
  s: SkSuite,
  encKey: Buffer,
  integKey: Buffer | null,
  aad: Buffer,
  plain: Buffer,
  out: Buffer,
): void {
  const icvLen = checkSuite(s);
  const { encr } = s;
  const pad = padLength(encr.blockSize, plain.length);
  const total = encr.ivLen + plain.length + pad + 1 + icvLen;
  if (out.length !== total) {
    throw new RangeError(`SK: output buffer is ${out.length} bytes, need exactly ${total}`);
  }
  const addon = nativeCrypto();
  const native = addon && nativeSkSuite(addon, encr, s.integ);
  if (native) {
    const rc = addon.skSeal(native.ci, native.di, native.icvLen, encKey, integKey, aad, plain, out);
    if (rc !== 0) throw new Error(`SK: the crypto addon could not seal with ${encr.name} (status ${rc})`);
    return;
  }
  const iv = out.subarray(0, encr.ivLen);
  fillRandom(iv);
  const padded = Buffer.alloc(plain.length + pad + 1);
  plain.copy(padded);
  padded[padded.length - 1] = pad;
  try {
    if (encr.aead) {
      const ctTag = encr.encrypt(encKey, iv, padded, aad);
      ctTag.copy(out, encr.ivLen);
      return;
    }
    const integ = s.integ as IntegAlg;
    if (!integKey) throw new Error(`SK: ${integ.name} needs an integrity key`);
    const ct = encr.encrypt(encKey, iv, padded);
    ct.copy(out, encr.ivLen);
    const icv = integ.compute(integKey, aad, out.subarray(0, encr.ivLen + ct.length));
    icv.copy(out, encr.ivLen + ct.length);
  } finally {
    padded.fill(0);
  }
}

/**
 * Verify and decrypt an SK payload body; returns the inner payload bytes
 * with padding and pad length removed. IntegrityError on a bad ICV or tag
 * (checked before decrypting); Error on impossible lengths.
 */
export function skOpen(s: SkSuite, encKey: Buffer, integKey: Buffer | null, aad: Buffer, body: Buffer): Buffer {
  const icvLen = checkSuite(s);
  const { encr } = s;
  const minLen = encr.ivLen + icvLen + Math.max(encr.blockSize, 1);
  if (body.length < minLen) {
    throw new Error(
      `SK: body of ${body.length} bytes is too short for ${encr.name} (IV ${encr.ivLen} + ICV ${icvLen} + at least ${Math.max(encr.blockSize, 1)})`,
    );
  }
  const iv = body.subarray(0, encr.ivLen);
  const ctLen = body.length - encr.ivLen - icvLen;
  if (ctLen % encr.blockSize !== 0) {
    throw new Error(`SK: ciphertext of ${ctLen} bytes is not a multiple of the ${encr.name} block size ${encr.blockSize}`);
  }
  let plain: Buffer;
  const addon = nativeCrypto();
  const native = addon && nativeSkSuite(addon, encr, s.integ);
  if (native) {
    plain = Buffer.allocUnsafe(ctLen);
    const n = addon.skOpen(native.ci, native.di, native.icvLen, encKey, integKey, aad, body, plain);
    if (n === SK_BAD_ICV) throw new IntegrityError(`SK: ${s.integ?.name ?? encr.name} ICV mismatch`);
    if (n !== ctLen) throw new Error(`SK: the crypto addon could not open with ${encr.name} (status ${n})`);
  } else if (encr.aead) {
    plain = encr.decrypt(encKey, iv, body.subarray(encr.ivLen), aad);
  } else {
    const integ = s.integ as IntegAlg;
    if (!integKey) throw new Error(`SK: ${integ.name} needs an integrity key`);
    const signedEnd = encr.ivLen + ctLen;
    const expect = integ.compute(integKey, aad, body.subarray(0, signedEnd));
    const got = body.subarray(signedEnd);
    if (!timingSafeEqual(expect, got)) {
      throw new IntegrityError(`SK: ${integ.name} ICV mismatch`);
    }
    plain = encr.decrypt(encKey, iv, body.subarray(encr.ivLen, signedEnd));
  }
  const padLen = plain[plain.length - 1];
  if (padLen + 1 > plain.length) {
    plain.fill(0);
    throw new Error(`SK: pad length ${padLen} exceeds the ${plain.length - 1} bytes of decrypted data`);
  }
  return plain.subarray(0, plain.length - 1 - padLen);
}
