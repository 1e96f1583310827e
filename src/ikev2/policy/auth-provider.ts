/**
 * What the protocol engine asks of the holder of private keys and trust anchors
 * (the ca process under privilege separation). PSK stays in the engine.
 */
import type { Identity } from '../../crypto/identity';

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

/** What verify takes, as one value. */
export interface VerifyArgs {
  policy: string;
  remoteId: Identity;
  method: number;
  data: Buffer;
  octets: Buffer;
  certs: PeerCert[];
}

/** What sign takes, as one value. */
export interface SignArgs {
  policy: string;
  localId: Identity;
  octets: Buffer;
  peerHashAlgs: number[];
}

export interface VerifiedAndSigned {
  verified: VerifyResult;
  /** null when the peer did not verify (nothing is signed for it) */
  signed: LocalAuth | null;
}

export interface AuthProvider {
  /** Sign our AUTH octets with the key for this policy. */
  sign(policy: string, localId: Identity, octets: Buffer, peerHashAlgs: number[]): Promise<LocalAuth>;
  /** Verify the peer's AUTH (certificate chain or raw public key). */
  verify(policy: string, remoteId: Identity, method: number, data: Buffer, octets: Buffer, certs: PeerCert[]): Promise<VerifyResult>;
  /** CERTREQ data (SHA-1 hashes of our trust anchors' keys), or null. */
  certRequest(policy: string): Buffer | null;
  /** Hash algorithms for SIGNATURE_HASH_ALGORITHMS. */
  hashAlgorithms(): number[];
  /**
   * The responder's IKE_AUTH in one call: verify the peer, then, only if it verified,
   * sign ours (under privilege separation one round trip to the ca instead of two).
   * Optional: verifyThenSign() falls back to verify and sign.
   */
  verifyThenSign?(v: VerifyArgs, s: SignArgs): Promise<VerifiedAndSigned>;
}

/** Verify the peer, then sign ours if it verified: in one call where the provider offers it. */
export async function verifyThenSign(auth: AuthProvider, v: VerifyArgs, s: SignArgs): Promise<VerifiedAndSigned> {
  if (auth.verifyThenSign) return auth.verifyThenSign(v, s);
  const verified = await auth.verify(v.policy, v.remoteId, v.method, v.data, v.octets, v.certs);
  if (!verified.ok) return { verified, signed: null };
  return { verified, signed: await auth.sign(s.policy, s.localId, s.octets, s.peerHashAlgs) };
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
