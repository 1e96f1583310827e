/**
 * MSCHAPv2 computations (RFC 2759 section 8) and the key derivation of
 * RFC 3079 section 3 as used for the EAP-MSCHAPv2 MSK (the 64-byte MSK of
 * Windows and strongSwan: MasterReceiveKey | MasterSendKey | 32 zero bytes).
 * DES through OpenSSL: single DES is only in the legacy provider, so it is
 * computed as two-key triple DES with both keys equal (E(D(E(x))) = E(x)).
 */
import { createCipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { md4 } from './md4';

const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The password as MSCHAPv2 sees it: UTF-16LE ("Unicode"). Caller zeroes. */
export function passwordUnicode(password: string): Buffer {
  return Buffer.from(password, 'utf16le');
}

/** NtPasswordHash: MD4 of the UTF-16LE password (16 bytes). */
export function ntPasswordHash(password: string): Buffer {
  const u = passwordUnicode(password);
  try {
    return md4(u);
  } finally {
    u.fill(0);
  }
}

/** HashNtPasswordHash: MD4 of the NT hash. */
export function hashNtPasswordHash(passwordHash: Buffer): Buffer {
  return md4(passwordHash);
}

/** ChallengeHash: first 8 bytes of SHA1(PeerChallenge | AuthenticatorChallenge | UserName). */
export function challengeHash(peerChallenge: Buffer, authChallenge: Buffer, userName: string): Buffer {
  if (peerChallenge.length !== 16 || authChallenge.length !== 16) throw new Error('MSCHAPv2 challenges must be 16 bytes');
  return sha1(peerChallenge, authChallenge, Buffer.from(userName, 'utf8')).subarray(0, 8);
}

/** A 7-byte key spread over 8 bytes with (odd) parity bits, as DES wants. */
function desKey(k7: Buffer): Buffer {
  const out = Buffer.alloc(8);
  let bits = 0n;
  for (const b of k7) bits = (bits << 8n) | BigInt(b);
  for (let i = 0; i < 8; i++) {
    const v = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
    let ones = 0;
    for (let x = v; x; x >>= 1) ones += x & 1;
    out[i] = v | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}

function desEncrypt(clear8: Buffer, key7: Buffer): Buffer {
  const k = desKey(key7);
  const kk = Buffer.concat([k, k]);
  try {
    const c = createCipheriv('des-ede-ecb', kk, null);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(clear8), c.final()]);
  } finally {
    k.fill(0);
    kk.fill(0);
  }
}

/** ChallengeResponse: 24 bytes, three DES encryptions of the challenge under the zero-padded hash. */
export function challengeResponse(challenge: Buffer, passwordHash: Buffer): Buffer {
  const z = Buffer.alloc(21);
  passwordHash.copy(z);
  try {
    return Buffer.concat([desEncrypt(challenge, z.subarray(0, 7)), desEncrypt(challenge, z.subarray(7, 14)), desEncrypt(challenge, z.subarray(14, 21))]);
  } finally {
    z.fill(0);
  }
}

/** GenerateNTResponse (RFC 2759 8.1) from the password hash. */
export function generateNtResponse(authChallenge: Buffer, peerChallenge: Buffer, userName: string, passwordHash: Buffer): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authChallenge, userName), passwordHash);
}

const MAGIC1 = Buffer.from('Magic server to client signing constant', 'ascii');
const MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'ascii');

/** GenerateAuthenticatorResponse (RFC 2759 8.7): "S=" and 40 upper-case hex digits. */
export function authenticatorResponse(passwordHash: Buffer, ntResponse: Buffer, peerChallenge: Buffer, authChallenge: Buffer, userName: string): string {
  const hh = hashNtPasswordHash(passwordHash);
  const digest = sha1(hh, ntResponse, MAGIC1);
  hh.fill(0);
  const out = sha1(digest, challengeHash(peerChallenge, authChallenge, userName), MAGIC2);
  return 'S=' + out.toString('hex').toUpperCase();
}

/** Constant-time comparison of two authenticator responses ("S=..." strings). */
export function authenticatorResponseMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toUpperCase(), 'ascii');
  const b = Buffer.from(received.toUpperCase(), 'ascii');
  return a.length === b.length && timingSafeEqual(a, b);
}

const KEY_MAGIC1 = Buffer.from('This is the MPPE Master Key', 'ascii');
const KEY_MAGIC2 = Buffer.from('On the client side, this is the send key; on the server side, it is the receive key.', 'ascii');
const KEY_MAGIC3 = Buffer.from('On the client side, this is the receive key; on the server side, it is the send key.', 'ascii');
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);

/** GetMasterKey (RFC 3079 3.4): 16 bytes. */
export function masterKey(passwordHashHash: Buffer, ntResponse: Buffer): Buffer {
  return sha1(passwordHashHash, ntResponse, KEY_MAGIC1).subarray(0, 16);
}

/** GetAsymmetricStartKey (RFC 3079 3.4) for 128-bit keys. */
export function asymmetricStartKey(master: Buffer, isSend: boolean, isServer: boolean): Buffer {
  const magic = isSend === isServer ? KEY_MAGIC3 : KEY_MAGIC2;
  return sha1(master, SHS_PAD1, magic, SHS_PAD2).subarray(0, 16);
}

/**
 * The EAP-MSCHAPv2 MSK (64 bytes), the same on both sides:
 * MasterReceiveKey | MasterSendKey (server's view) | 32 zero bytes.
 */
export function mschapv2Msk(passwordHash: Buffer, ntResponse: Buffer): Buffer {
  const hh = hashNtPasswordHash(passwordHash);
  const mk = masterKey(hh, ntResponse);
  const recv = asymmetricStartKey(mk, false, true);
  const send = asymmetricStartKey(mk, true, true);
  const msk = Buffer.concat([recv, send, Buffer.alloc(32)]);
  for (const b of [hh, mk, recv, send]) b.fill(0);
  return msk;
}
