/**
 * What the IKEv2 EAP exchange needs from the daemon (Engine.eap, set by
 * src/eap/daemon-eap.ts): the EAP server backend of a policy (`eap "mschap-v2"`:
 * local users; `eap "radius"`: RADIUS) and, as an EAP client, a client with the
 * credentials of an active policy.
 */
import type { Policy } from '../policy/policy';
import type { EapBackendFactory, EapClient } from './eap-backend';

/** An EAP client for one IKE SA, and the EAP identity it answers with. */
export interface EapClientSession {
  identity: string;
  client: EapClient;
}

export interface EapContext {
  /** The backend factory for an `eap ...` policy, or null if none is available. */
  serverFactory(policy: Policy): EapBackendFactory | null;
  /** A client with our EAP identity and password for an active `eap "mschap-v2"` policy, or null. */
  clientFor(policy: Policy): EapClientSession | null;
}
