/**
 * What the protocol engine asks of the holder of private keys and trust anchors
 * (the ca process under privilege separation). PSK stays in the engine.
 */
import type { Identity } from '../crypto/identity';

export interface PeerCert {
  encoding: number; // CERT.*
  data: Buffer;
}

export interface LocalAuth {
  method: number; // AUTH.*
  data: Buffer;
  certs: PeerCert[]; // our chain, leaf first
}

export type VerifyResult = { ok: true; detail?: string } | { ok: false; reason: string };

export interface AuthProvider {
  /** Sign our AUTH octets with the key for this policy. */
  sign(policy: string, localId: Identity, octets: Buffer, peerHashAlgs: number[]): Promise<LocalAuth>;
  /** Verify the peer's AUTH (certificate chain or raw public key). */
  verify(policy: string, remoteId: Identity, method: number, data: Buffer, octets: Buffer, certs: PeerCert[]): Promise<VerifyResult>;
  /** CERTREQ data (SHA-1 hashes of our trust anchors' keys), or null. */
  certRequest(policy: string): Buffer | null;
  /** Hash algorithms for SIGNATURE_HASH_ALGORITHMS. */
  hashAlgorithms(): number[];
}

/** An AuthProvider for configurations that only use PSK. */
export const noCertificates: AuthProvider = {
  async sign(policy) {
    throw new Error(`policy '${policy}': no private key available for signature authentication`);
  },
  async verify(policy) {
    return { ok: false, reason: `policy '${policy}': no certificates or public keys loaded` };
  },
  certRequest() {
    return null;
  },
  hashAlgorithms() {
    return [];
  },
};
