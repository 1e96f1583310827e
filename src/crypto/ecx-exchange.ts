/**
 * Curve25519 / Curve448 key exchange with raw little-endian public values
 * (RFC 8031): on the crypto addon when it is in use (native-kx.ts), else via
 * node:crypto X25519/X448 keys. JWK import/export is used there for raw keys
 * because it is much faster than DER in OpenSSL 3.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DhGroup } from '../wire/iana';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';
import { fillRandom } from './random';
import { KX_ECX, nativeCrypto } from './native-crypto';
import { createNativeExchange, nativeGroup, nativeRespond } from './native-kx';
import type { NativeGroup } from './native-kx';

export type EcxCurve = 'X25519' | 'X448';

const PKCS8_PREFIX: Record<EcxCurve, string> = {
  X25519: '302e020100300506032b656e04220420',
  X448: '3046020100300506032b656f043a0438',
};

export function ecxKeyLength(curve: EcxCurve): number {
  return curve === 'X25519' ? 32 : 56;
}

function allZero(b: Buffer): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

function nativeEcx(group: number, curve: EcxCurve): NativeGroup | null {
  const addon = nativeCrypto();
  const len = ecxKeyLength(curve);
  return addon ? nativeGroup(addon, KX_ECX, len, group, len, len) : null;
}

/** The responder's side in one step: a fresh key pair, our public value and the shared secret. */
export function ecxRespond(group: number, curve: EcxCurve, peer: Buffer): { publicKey: Buffer; secret: Buffer } {
  const native = nativeEcx(group, curve);
  if (native) return nativeRespond(native, peer);
  const kx = createEcxExchange(group, curve);
  try {
    return { publicKey: kx.publicKey, secret: kx.computeSecret(peer) };
  } finally {
    kx.dispose();
  }
}

export function createEcxExchange(group: number, curve: EcxCurve, privateKey?: Buffer): KeyExchange {
  const native = nativeEcx(group, curve);
  if (native) return createNativeExchange(native, privateKey);
  const len = ecxKeyLength(curve);
  const name = DhGroup.name(group);
  if (privateKey && privateKey.length !== len) throw new RangeError(`${name}: private key must be ${len} bytes`);
  // A random scalar imported rather than generateKeyPairSync: on Node 20.20.2 a GC inside the
  // JWK export below can free that call's KeyGenJob, whose destructor waits for the mutex the
  // export holds (a self-deadlock: 20,000 exchanges in a loop hung twice out of two).
  const scalar = privateKey ?? fillRandom(Buffer.alloc(len));
  const der = Buffer.concat([Buffer.from(PKCS8_PREFIX[curve], 'hex'), scalar]);
  if (!privateKey) scalar.fill(0);
  let priv: KeyObject | null = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const pub = createPublicKey(priv);
  const x = pub.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error(`${name}: OpenSSL did not export a raw public key`);
  const publicKey = Buffer.from(x, 'base64url');
  return {
    group,
    publicKey,
    computeSecret(peer: Buffer): Buffer {
      if (!priv) throw new Error(`${name}: key exchange already disposed`);
      if (peer.length !== len) {
        throw new KeyExchangeError(`${name}: peer public value is ${peer.length} bytes, expected ${len}`);
      }
      let secret: Buffer;
      try {
        const peerKey = createPublicKey({
          key: { kty: 'OKP', crv: curve, x: peer.toString('base64url') },
          format: 'jwk',
        });
        secret = diffieHellman({ privateKey: priv, publicKey: peerKey });
      } catch (e) {
        throw new KeyExchangeError(`${name}: key agreement failed (low-order peer value?): ${(e as Error).message}`);
      }
      if (allZero(secret)) {
        throw new KeyExchangeError(`${name}: all-zero shared secret (low-order peer value)`);
      }
      return secret;
    },
    dispose(): void {
      priv = null;
    },
  };
}
