/**
 * Elliptic-curve Diffie-Hellman over prime curves (RFC 5903, RFC 6954): public value
 * x | y without the 0x04 prefix, secret = x. On the crypto addon when it is in use
 * (native-kx.ts), else via crypto.createECDH.
 */
import { createECDH } from 'node:crypto';
import type { ECDH } from 'node:crypto';
import { DhGroup } from '../wire/iana';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';
import { KX_ECP, nativeCrypto } from './native-crypto';
import { createNativeExchange, nativeGroup, nativeRespond } from './native-kx';
import type { NativeGroup } from './native-kx';

function nativeEcp(group: number, curve: string, fieldBytes: number): NativeGroup | null {
  const addon = nativeCrypto();
  return addon ? nativeGroup(addon, KX_ECP, curve, group, 2 * fieldBytes, fieldBytes) : null;
}

function allZero(b: Buffer): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

/** The shared secret with the peer's wire value (x | y): its length and the point are checked. */
function ecpSecret(ecdh: ECDH, group: number, fieldBytes: number, peer: Buffer): Buffer {
  const name = DhGroup.name(group);
  const wireLen = 2 * fieldBytes;
  if (peer.length !== wireLen) {
    throw new KeyExchangeError(`${name}: peer public value is ${peer.length} bytes, expected ${wireLen}`);
  }
  const point = Buffer.allocUnsafe(wireLen + 1);
  point[0] = 0x04;
  peer.copy(point, 1);
  let secret: Buffer;
  try {
    secret = ecdh.computeSecret(point);
  } catch (e) {
    throw new KeyExchangeError(`${name}: peer public value is not a valid point: ${(e as Error).message}`);
  }
  if (secret.length !== fieldBytes || allZero(secret)) {
    secret.fill(0);
    throw new KeyExchangeError(`${name}: degenerate shared secret`);
  }
  return secret;
}

export function createEcpExchange(group: number, curve: string, fieldBytes: number, privateKey?: Buffer): KeyExchange {
  const native = nativeEcp(group, curve, fieldBytes);
  if (native) return createNativeExchange(native, privateKey);
  let ecdh: ECDH | null = createECDH(curve);
  let uncompressed: Buffer;
  if (privateKey) {
    ecdh.setPrivateKey(privateKey);
    uncompressed = ecdh.getPublicKey();
  } else uncompressed = ecdh.generateKeys(); // returns the public point: no second encoding
  const publicKey = uncompressed.subarray(1);
  const name = DhGroup.name(group);
  return {
    group,
    publicKey,
    computeSecret(peer: Buffer): Buffer {
      if (!ecdh) throw new Error(`${name}: key exchange already disposed`);
      return ecpSecret(ecdh, group, fieldBytes, peer);
    },
    dispose(): void {
      ecdh = null;
    },
  };
}

/**
 * One ECDH object per curve for the responder's one-step exchanges: it gets a fresh
 * key pair every time, and creating an object (which builds the curve's group) costs
 * a sixth of a whole exchange.
 */
const responderEcdh = new Map<string, ECDH>();

/** The responder's side in one step: a fresh key pair, our public value and the shared secret. */
export function ecpRespond(group: number, curve: string, fieldBytes: number, peer: Buffer): { publicKey: Buffer; secret: Buffer } {
  const native = nativeEcp(group, curve, fieldBytes);
  if (native) return nativeRespond(native, peer);
  let ecdh = responderEcdh.get(curve);
  if (!ecdh) responderEcdh.set(curve, (ecdh = createECDH(curve)));
  const publicKey = ecdh.generateKeys().subarray(1); // the public point, x | y
  return { publicKey, secret: ecpSecret(ecdh, group, fieldBytes, peer) };
}
