/**
 * Elliptic-curve Diffie-Hellman over prime curves (RFC 5903, RFC 6954),
 * via crypto.createECDH: public value x | y without the 0x04 prefix, secret = x.
 */
import { createECDH } from 'node:crypto';
import type { ECDH } from 'node:crypto';
import { DhGroup } from '../ikev2/iana';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';

function allZero(b: Buffer): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

export function createEcpExchange(group: number, curve: string, fieldBytes: number, privateKey?: Buffer): KeyExchange {
  let ecdh: ECDH | null = createECDH(curve);
  if (privateKey) ecdh.setPrivateKey(privateKey);
  else ecdh.generateKeys();
  const uncompressed = ecdh.getPublicKey();
  const publicKey = Buffer.from(uncompressed.subarray(1));
  const wireLen = 2 * fieldBytes;
  const name = DhGroup.name(group);
  return {
    group,
    publicKey,
    computeSecret(peer: Buffer): Buffer {
      if (!ecdh) throw new Error(`${name}: key exchange already disposed`);
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
    },
    dispose(): void {
      ecdh = null;
    },
  };
}
