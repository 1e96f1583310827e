/**
 * A key exchange on the iked_crypto addon: our private value lives in a Buffer of its own,
 * zeroed on dispose; the responder's one-step exchange keeps it inside the addon. The peer's
 * value is checked there (point on the curve, 1 < y < p-1, no all-zero secret).
 */
import { DhGroup } from '../wire/iana';
import { KeyExchangeError } from './errors';
import type { KeyExchange } from './key-exchange-types';
import { KX_BAD_PEER, KX_DEGENERATE, KX_ECP, KX_OK } from './native-crypto';
import type { CryptoAddon, KxKind } from './native-crypto';

/** A group the addon does, with its wire lengths. */
export interface NativeGroup {
  addon: CryptoAddon;
  kind: KxKind;
  index: number;
  group: number;
  name: string;
  privLen: number;
  pubLen: number;
  secretLen: number;
}

const known = new Map<number, NativeGroup | null>();

/**
 * The addon's form of an IANA group (key: ECP curve name, X25519/X448 key bytes, MODP prime
 * bytes); null when the addon does not have it (the caller then uses node:crypto).
 */
export function nativeGroup(addon: CryptoAddon, kind: KxKind, key: string | number, group: number, pubLen: number, secretLen: number): NativeGroup | null {
  let g = known.get(group);
  if (g === undefined || (g && g.addon !== addon)) {
    const index = addon.kxGroup(kind, key);
    const privLen = index < 0 ? 0 : addon.kxPrivateLength(kind, index);
    g = privLen > 0 ? { addon, kind, index, group, name: DhGroup.name(group), privLen, pubLen, secretLen } : null;
    known.set(group, g);
  }
  return g;
}

function check(g: NativeGroup, rc: number): void {
  if (rc === KX_OK) return;
  if (rc === KX_BAD_PEER) throw new KeyExchangeError(`${g.name}: peer public value is not valid for the group`);
  if (rc === KX_DEGENERATE) throw new KeyExchangeError(`${g.name}: degenerate shared secret (low-order peer value?)`);
  throw new Error(`${g.name}: the crypto addon failed (status ${rc})`);
}

function checkPeer(g: NativeGroup, peer: Buffer): void {
  if (peer.length !== g.pubLen) {
    throw new KeyExchangeError(`${g.name}: peer public value is ${peer.length} bytes, expected ${g.pubLen}`);
  }
}

/** A fresh key pair, or one from a given private value (known-answer tests; ECP scalars are left-padded). */
export function createNativeExchange(g: NativeGroup, privateKey?: Buffer): KeyExchange {
  const priv = Buffer.alloc(g.privLen);
  if (privateKey) {
    if (privateKey.length > g.privLen || (g.kind !== KX_ECP && privateKey.length !== g.privLen)) {
      throw new RangeError(`${g.name}: private key must be ${g.privLen} bytes`);
    }
    privateKey.copy(priv, g.privLen - privateKey.length);
  }
  const publicKey = Buffer.allocUnsafe(g.pubLen);
  check(g, g.addon.kxPublic(g.kind, g.index, priv, !privateKey, publicKey));
  let live = true;
  return {
    group: g.group,
    publicKey,
    computeSecret(peer: Buffer): Buffer {
      if (!live) throw new Error(`${g.name}: key exchange already disposed`);
      checkPeer(g, peer);
      const secret = Buffer.allocUnsafeSlow(g.secretLen);
      const rc = g.addon.kxSecret(g.kind, g.index, priv, peer, secret);
      if (rc !== KX_OK) secret.fill(0);
      check(g, rc);
      return secret;
    },
    dispose(): void {
      priv.fill(0);
      live = false;
    },
  };
}

/** The responder's side in one call: a fresh private value that never leaves the addon. */
export function nativeRespond(g: NativeGroup, peer: Buffer): { publicKey: Buffer; secret: Buffer } {
  checkPeer(g, peer);
  const publicKey = Buffer.allocUnsafe(g.pubLen);
  const secret = Buffer.allocUnsafeSlow(g.secretLen);
  const rc = g.addon.kxRespond(g.kind, g.index, peer, publicKey, secret);
  if (rc !== KX_OK) secret.fill(0);
  check(g, rc);
  return { publicKey, secret };
}
