/**
 * Key exchange (transform type 4) by IANA group number: MODP, ECP, Curve25519/448,
 * and the KEMs ML-KEM-512/768/1024 and OpenIKED's sntrup761x25519. For a KEM the
 * initiator's public value is its encapsulation key, the responder's is the
 * ciphertext (respondKeyExchange), and computeSecret on the initiator decapsulates.
 */
import { getCurves } from 'node:crypto';
import { DH, DhGroup } from '../wire/iana';
import { createEcpExchange, ecpRespond } from './ecp-exchange';
import { createEcxExchange, ecxRespond } from './ecx-exchange';
import type { EcxCurve } from './ecx-exchange';
import { UnsupportedTransformError } from './errors';
import type { KeyExchange } from './key-exchange-types';
import { createMlKemExchange, mlkemLengths, mlkemRespond } from './mlkem-exchange';
import { createModpExchange, modpRespond } from './modp-exchange';
import {
  SNTRUP761X25519_INITIATOR_BYTES,
  SNTRUP761X25519_RESPONDER_BYTES,
  createSntrup761X25519Exchange,
  sntrup761X25519Respond,
} from './sntrup761x25519-exchange';

export type { KeyExchange } from './key-exchange-types';

type GroupDef =
  | { kind: 'modp'; node: string; wire: number }
  | { kind: 'ecp'; curve: string; field: number }
  | { kind: 'ecx'; curve: EcxCurve; wire: number }
  | { kind: 'mlkem' }
  | { kind: 'sntrup761x25519' };

/** Whose public value: the initiator's (KEM: encapsulation key) or the responder's (KEM: ciphertext). */
export type KeyExchangeRole = 'initiator' | 'responder';

const DEFS: ReadonlyMap<number, GroupDef> = new Map<number, GroupDef>([
  [DH.MODP_768, { kind: 'modp', node: 'modp1', wire: 96 }],
  [DH.MODP_1024, { kind: 'modp', node: 'modp2', wire: 128 }],
  [DH.MODP_1536, { kind: 'modp', node: 'modp5', wire: 192 }],
  [DH.MODP_2048, { kind: 'modp', node: 'modp14', wire: 256 }],
  [DH.MODP_3072, { kind: 'modp', node: 'modp15', wire: 384 }],
  [DH.MODP_4096, { kind: 'modp', node: 'modp16', wire: 512 }],
  [DH.MODP_6144, { kind: 'modp', node: 'modp17', wire: 768 }],
  [DH.MODP_8192, { kind: 'modp', node: 'modp18', wire: 1024 }],
  [DH.ECP_256, { kind: 'ecp', curve: 'prime256v1', field: 32 }],
  [DH.ECP_384, { kind: 'ecp', curve: 'secp384r1', field: 48 }],
  [DH.ECP_521, { kind: 'ecp', curve: 'secp521r1', field: 66 }],
  [DH.ECP_192, { kind: 'ecp', curve: 'prime192v1', field: 24 }],
  [DH.ECP_224, { kind: 'ecp', curve: 'secp224r1', field: 28 }],
  [DH.BRAINPOOL_P224, { kind: 'ecp', curve: 'brainpoolP224r1', field: 28 }],
  [DH.BRAINPOOL_P256, { kind: 'ecp', curve: 'brainpoolP256r1', field: 32 }],
  [DH.BRAINPOOL_P384, { kind: 'ecp', curve: 'brainpoolP384r1', field: 48 }],
  [DH.BRAINPOOL_P512, { kind: 'ecp', curve: 'brainpoolP512r1', field: 64 }],
  [DH.CURVE25519, { kind: 'ecx', curve: 'X25519', wire: 32 }],
  [DH.CURVE448, { kind: 'ecx', curve: 'X448', wire: 56 }],
  [DH.ML_KEM_512, { kind: 'mlkem' }],
  [DH.ML_KEM_768, { kind: 'mlkem' }],
  [DH.ML_KEM_1024, { kind: 'mlkem' }],
  [DH.SNTRUP761X25519, { kind: 'sntrup761x25519' }],
]);

let curves: Set<string> | null = null;

function available(def: GroupDef): boolean {
  if (def.kind !== 'ecp') return true;
  if (!curves) curves = new Set(getCurves());
  return curves.has(def.curve);
}

function defOf(group: number): GroupDef {
  const def = DEFS.get(group);
  if (!def || !available(def)) {
    throw new UnsupportedTransformError(`unsupported key exchange group ${DhGroup.name(group)} (${group})`);
  }
  return def;
}

/** True if this build (and the linked OpenSSL) can do the group. */
export function isSupportedGroup(group: number): boolean {
  const def = DEFS.get(group);
  return def !== undefined && available(def);
}

/** All supported group numbers. */
export function supportedGroups(): number[] {
  return [...DEFS.keys()].filter(isSupportedGroup);
}

/** True for a KEM group: the two public values differ in kind and length. */
export function isKemGroup(group: number): boolean {
  const kind = DEFS.get(group)?.kind;
  return kind === 'mlkem' || kind === 'sntrup761x25519';
}

/**
 * Length of a public value in the KE payload: the initiator's (the default) or the
 * responder's. The two are equal except for KEMs (ML-KEM-768: ek 1184, ciphertext 1088).
 */
export function keyExchangeLength(group: number, role: KeyExchangeRole = 'initiator'): number {
  const def = defOf(group);
  switch (def.kind) {
    case 'ecp':
      return 2 * def.field;
    case 'modp':
    case 'ecx':
      return def.wire;
    case 'mlkem': {
      const len = mlkemLengths(group);
      return role === 'initiator' ? len.encapsulationKey : len.ciphertext;
    }
    case 'sntrup761x25519':
      return role === 'initiator' ? SNTRUP761X25519_INITIATOR_BYTES : SNTRUP761X25519_RESPONDER_BYTES;
  }
}

/** A fresh ephemeral key pair for a group; UnsupportedTransformError if unknown. */
export function createKeyExchange(group: number): KeyExchange {
  const def = defOf(group);
  switch (def.kind) {
    case 'modp':
      return createModpExchange(group, def.node, def.wire);
    case 'ecp':
      return createEcpExchange(group, def.curve, def.field);
    case 'ecx':
      return createEcxExchange(group, def.curve);
    case 'mlkem':
      return createMlKemExchange(group);
    case 'sntrup761x25519':
      return createSntrup761X25519Exchange();
  }
}

/**
 * The responder's side of a key exchange in one step (the peer's value is at hand):
 * a fresh ephemeral key pair, our public value and the shared secret. KeyExchangeError
 * on a bad peer value.
 */
export function respondKeyExchange(group: number, peer: Buffer): { publicKey: Buffer; secret: Buffer } {
  const def = defOf(group);
  if (def.kind === 'ecp') return ecpRespond(group, def.curve, def.field, peer);
  if (def.kind === 'mlkem') return mlkemRespond(group, peer);
  if (def.kind === 'sntrup761x25519') return sntrup761X25519Respond(peer);
  if (def.kind === 'ecx') return ecxRespond(group, def.curve, peer);
  return modpRespond(group, def.node, def.wire, peer);
}

/**
 * A key exchange with a given private key, for known-answer tests only (ECP:
 * big-endian scalar; Curve25519/448: raw RFC 7748 scalar; ML-KEM: the 64-byte seed
 * d || z or an expanded decapsulation key). MODP and sntrup761x25519 are not offered.
 */
export function importKeyExchange(group: number, privateKey: Buffer): KeyExchange {
  const def = defOf(group);
  switch (def.kind) {
    case 'ecp':
      return createEcpExchange(group, def.curve, def.field, privateKey);
    case 'ecx':
      return createEcxExchange(group, def.curve, privateKey);
    case 'mlkem':
      return createMlKemExchange(group, privateKey);
    case 'modp':
    case 'sntrup761x25519':
      throw new UnsupportedTransformError(`importing a private key is not supported for ${DhGroup.name(group)}`);
  }
}
