/**
 * The contract between the IKEv2 EAP exchange (src/ikev2/exchange/eap.ts) and
 * the EAP methods above the engine. As responder: whatever authenticates the
 * peer, the local `user` lines (src/eap/local-backend.ts, EAP-MSCHAPv2) or a
 * RADIUS server (src/radius/, RFC 3579). As initiator: an EAP client
 * (src/eap/eap-client.ts). The engine defines what it needs; src/eap and
 * src/radius implement it (they sit above the engine).
 *
 * All messages are complete EAP packets (RFC 3748 section 4: Code,
 * Identifier, Length, Data), exactly as carried in the IKEv2 EAP payload.
 */

import type { CfgAttribute, IdPayload, Payload } from '../payloads/payload-types';

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

/** One step of an EAP client (the initiator's side). */
export type EapClientStep =
  | { kind: 'response'; message: Buffer }
  | { kind: 'success'; msk: Buffer }
  | { kind: 'failure'; reason: string };

/** An EAP client for one IKE SA: answers the authenticator's packets. */
export interface EapClient {
  /** Handle one EAP packet from the authenticator. */
  handle(message: Buffer): EapClientStep;
  /** Wipe secrets. Idempotent. */
  dispose(): void;
}

/**
 * Key prefix under which the EAP relay puts CP attributes in
 * EapStep.attributes: `config:<CFG_ATTR number>` -> values.
 */
export const CONFIG_ATTRIBUTE_PREFIX = 'config:';

/** Read the CP attributes back out of EapStep.attributes (for the CP code). */
export function configAttributesFromEap(attributes: Record<string, Buffer[]> | undefined): CfgAttribute[] {
  const out: CfgAttribute[] = [];
  if (!attributes) return out;
  for (const [k, values] of Object.entries(attributes)) {
    if (!k.startsWith(CONFIG_ATTRIBUTE_PREFIX)) continue;
    const type = Number(k.slice(CONFIG_ATTRIBUTE_PREFIX.length));
    if (!Number.isInteger(type)) continue;
    for (const value of values) out.push({ type, value });
  }
  return out;
}

/** Responder's EAP conversation with one initiator. */
export interface ResponderEap {
  backend: EapServerBackend;
  /** The first IKE_AUTH request's payloads (SA, TSi, TSr, CP...), answered at the end. */
  first: Payload[];
  /** The initiator's ID payload, for its MSK AUTH. */
  idI: IdPayload;
  msk: Buffer | null;
  identity: string;
  attributes?: Record<string, Buffer[]>;
  done: boolean;
}
