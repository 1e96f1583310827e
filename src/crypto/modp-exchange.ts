/**
 * Finite-field Diffie-Hellman over the RFC 2409/3526 MODP groups: on the crypto addon when
 * it is in use (native-kx.ts), else via node:crypto's DiffieHellman.
 */
import { getDiffieHellman } from 'node:crypto';
import type { DiffieHellmanGroup } from 'node:crypto';
import { DhGroup } from '../wire/iana';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';
import { KX_MODP, nativeCrypto } from './native-crypto';
import { createNativeExchange, nativeGroup, nativeRespond } from './native-kx';
import type { NativeGroup } from './native-kx';

interface ModpParams {
  /** Name for crypto.getDiffieHellman. */
  node: string;
  /** Prime length in bytes (the wire length of public values and secrets). */
  len: number;
  /** p - 1, big-endian, len bytes. */
  pMinus1: Buffer;
}

const params = new Map<number, ModpParams>();

/** Left-pad a big-endian integer to len bytes. */
function leftPad(b: Buffer, len: number): Buffer {
  if (b.length === len) return b;
  if (b.length > len) throw new KeyExchangeError(`value of ${b.length} bytes exceeds the ${len}-byte prime`);
  const out = Buffer.alloc(len);
  b.copy(out, len - b.length);
  b.fill(0);
  return out;
}

export function modpParams(group: number, nodeName: string): ModpParams {
  let p = params.get(group);
  if (!p) {
    const prime = getDiffieHellman(nodeName).getPrime();
    const pMinus1 = Buffer.from(prime);
    // p is odd, so p - 1 only clears the lowest bit.
    pMinus1[pMinus1.length - 1] &= 0xfe;
    p = { node: nodeName, len: prime.length, pMinus1 };
    params.set(group, p);
  }
  return p;
}

/** True if 1 < y < p - 1 (RFC 7296 2.12 / NIST SP 800-56A public key check). */
function validPeer(y: Buffer, pMinus1: Buffer): boolean {
  if (Buffer.compare(y, pMinus1) >= 0) return false;
  for (let i = 0; i < y.length - 1; i++) if (y[i] !== 0) return true;
  return y[y.length - 1] > 1;
}

function nativeModp(group: number, primeBytes: number): NativeGroup | null {
  const addon = nativeCrypto();
  return addon ? nativeGroup(addon, KX_MODP, primeBytes, group, primeBytes, primeBytes) : null;
}

/** The responder's side in one step: a fresh key pair, our public value and the shared secret. */
export function modpRespond(group: number, nodeName: string, primeBytes: number, peer: Buffer): { publicKey: Buffer; secret: Buffer } {
  const native = nativeModp(group, primeBytes);
  if (native) return nativeRespond(native, peer);
  const kx = createModpExchange(group, nodeName, primeBytes);
  try {
    return { publicKey: kx.publicKey, secret: kx.computeSecret(peer) };
  } finally {
    kx.dispose();
  }
}

export function createModpExchange(group: number, nodeName: string, primeBytes: number): KeyExchange {
  const native = nativeModp(group, primeBytes);
  if (native) return createNativeExchange(native);
  const prm = modpParams(group, nodeName);
  let dh: DiffieHellmanGroup | null = getDiffieHellman(nodeName);
  const publicKey = leftPad(dh.generateKeys(), prm.len);
  const name = DhGroup.name(group);
  return {
    group,
    publicKey,
    computeSecret(peer: Buffer): Buffer {
      if (!dh) throw new Error(`${name}: key exchange already disposed`);
      if (peer.length !== prm.len) {
        throw new KeyExchangeError(`${name}: peer public value is ${peer.length} bytes, expected ${prm.len}`);
      }
      if (!validPeer(peer, prm.pMinus1)) {
        throw new KeyExchangeError(`${name}: peer public value is outside 1 < y < p-1`);
      }
      let secret: Buffer;
      try {
        secret = dh.computeSecret(peer);
      } catch (e) {
        throw new KeyExchangeError(`${name}: OpenSSL rejected the peer public value: ${(e as Error).message}`);
      }
      return leftPad(secret, prm.len);
    },
    dispose(): void {
      dh = null;
    },
  };
}
