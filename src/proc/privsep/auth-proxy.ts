/**
 * The engine's AuthProvider under privilege separation: signatures and
 * verifications are one round trip each to the ca process, which holds the
 * private key (the responder's verify-then-sign is one round trip for both). CERTREQ data and hash algorithms are pushed by the ca after
 * every (re)load, so the synchronous calls are answered locally.
 */
import type { AuthProvider, LocalAuth, PeerCert, SignArgs, VerifiedAndSigned, VerifyArgs, VerifyResult } from '../../ikev2/policy/auth-provider';
import type { Identity } from '../../crypto/identity';
import type { PolicyConf } from '../../conf/types';
import type { FrameChannel } from './frame-channel';
import { CA_SIGN, CA_VERIFY, CA_VERIFY_SIGN, CaInfo, CaOptionsMsg, M, caInfoCheck, withoutPsk } from './messages';
import { decodeLocalAuth, decodeVerifiedAndSigned, decodeVerifyResult, encodeSignRequest, encodeVerifyRequest, encodeVerifySignRequest } from './auth-codec';

export class AuthProxy implements AuthProvider {
  private info: CaInfo | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly ca: FrameChannel) {
    ca.handle(M.caInfo, caInfoCheck, (info) => {
      this.info = info;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves once the ca has sent its first CaInfo. */
  ready(): Promise<void> {
    if (this.info) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  sign(policy: string, localId: Identity, octets: Buffer, peerHashAlgs: number[]): Promise<LocalAuth> {
    return this.ca.requestBinary(CA_SIGN, encodeSignRequest({ policy, localId, octets, peerHashAlgs }), decodeLocalAuth);
  }

  verify(policy: string, remoteId: Identity, method: number, data: Buffer, octets: Buffer, certs: PeerCert[]): Promise<VerifyResult> {
    return this.ca.requestBinary(CA_VERIFY, encodeVerifyRequest({ policy, remoteId, method, data, octets, certs }), decodeVerifyResult);
  }

  /** One round trip for the responder's IKE_AUTH (the ca signs only for a verified peer). */
  verifyThenSign(v: VerifyArgs, s: SignArgs): Promise<VerifiedAndSigned> {
    return this.ca.requestBinary(CA_VERIFY_SIGN, encodeVerifySignRequest({ v, s }), decodeVerifiedAndSigned);
  }

  certRequest(_policy: string): Buffer | null {
    return this.info?.certRequest ?? null;
  }

  hashAlgorithms(): number[] {
    return this.info?.hashAlgorithms ?? [];
  }

  /** Ask the ca to reload keys and certificates for these policies (and new global options, when given). */
  load(policies: PolicyConf[], options?: CaOptionsMsg): void {
    this.ca.notify(M.caLoad, options ? { policies: withoutPsk(policies), options } : { policies: withoutPsk(policies) });
  }
}
