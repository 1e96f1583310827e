/**
 * The contract between the IKEv2 EAP exchange (src/ikev2/exchange/eap.ts,
 * responder side) and whatever authenticates the peer: the local `user`
 * lines (src/eap/local-backend.ts, EAP-MSCHAPv2) or a RADIUS server
 * (src/radius/, RFC 3579).
 *
 * All messages are complete EAP packets (RFC 3748 section 4: Code,
 * Identifier, Length, Data), exactly as carried in the IKEv2 EAP payload.
 */

export type EapStep =
  /** Send `message` (an EAP Request) to the peer and wait for its response. */
  | { kind: 'request'; message: Buffer }
  /**
   * Authentication succeeded: send `message` (EAP-Success); `msk` is the
   * Master Session Key used as the shared secret of the IKEv2 AUTH payloads
   * (RFC 7296 section 2.16). `identity` is the authenticated EAP identity.
   * `attributes` are backend specific extras (e.g. RADIUS attributes by
   * name, for configuration payloads). The exchange zeroes `msk` when done.
   */
  | { kind: 'success'; message: Buffer; msk: Buffer; identity: string; attributes?: Record<string, Buffer[]> }
  /** Authentication failed: send `message` (EAP-Failure); `reason` is logged. */
  | { kind: 'failure'; message: Buffer; reason: string };

/** One EAP conversation with one peer (one IKE SA). */
export interface EapServerBackend {
  /**
   * Begin the conversation. `peerIdentity` is the IKEv2 IDi of the peer as
   * text (e.g. "alice" or "10.0.0.1"); the backend usually starts with an
   * EAP-Request/Identity regardless.
   */
  start(peerIdentity: string): Promise<EapStep>;
  /** Feed the peer's EAP Response (a full EAP packet); get the next step. */
  step(eapResponse: Buffer): Promise<EapStep>;
  /** Release resources (timers, sockets, secrets). Idempotent. */
  close(reason: 'done' | 'aborted'): void;
}

/** Creates one backend per IKE SA for a policy configured with `eap ...`. */
export interface EapBackendFactory {
  /** `ikeSaSpi` is the SA's SPIs as hex text, for logs and RADIUS State. */
  create(policyName: string, ikeSaSpi: string): EapServerBackend;
}
