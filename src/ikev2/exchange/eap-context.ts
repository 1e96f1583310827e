/**
 * What the IKEv2 EAP exchange needs from the daemon: the EAP server backend
 * of a policy (`eap "mschap-v2"`: local users; `eap "radius"`: RADIUS) and,
 * as an EAP client, the credentials of an active policy. Attached to an
 * engine with setEapContext (src/proc/daemon.ts, privsep/engine-main.ts).
 */
import type { Engine } from '../engine';
import type { Policy } from '../policy/policy';
import type { EapBackendFactory } from '../../eap/backend';

export interface EapClientCredentials {
  identity: string;
  password: string;
}

export interface EapContext {
  /** The backend factory for an `eap ...` policy, or null if none is available. */
  serverFactory(policy: Policy): EapBackendFactory | null;
  /** Our EAP identity and password for an active `eap "mschap-v2"` policy, or null. */
  clientCredentials(policy: Policy): EapClientCredentials | null;
}

const contexts = new WeakMap<Engine, EapContext>();

export function setEapContext(e: Engine, ctx: EapContext): void {
  contexts.set(e, ctx);
}

export function eapContext(e: Engine): EapContext | null {
  return contexts.get(e) ?? null;
}
