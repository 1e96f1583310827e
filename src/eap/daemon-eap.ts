/**
 * The daemon's EapContext: `eap "mschap-v2"` policies authenticate peers
 * against the `user` lines; `eap "radius"` policies use the RADIUS factory
 * when one is registered (src/radius/). As an EAP client (an active policy
 * with `eap "mschap-v2"`), iked.conf has no credential syntax of its own, so
 * the `user` lines are reused: the user whose name is the policy's `srcid`
 * text, or else the only `user` line of the file. The user name is the EAP
 * identity, the password the MSCHAPv2 password.
 */
import type { UserConf } from '../conf/types';
import type { Policy } from '../ikev2/policy/policy';
import type { EapClientSession, EapContext } from '../ikev2/exchange/eap-context';
import type { Engine } from '../ikev2/engine';
import type { IkedConfig } from '../conf/types';
import { EapMschapV2Client } from './eap-client';
import type { EapBackendFactory } from '../ikev2/exchange/eap-backend';
import { LocalUsersBackendFactory } from './local-backend';

export class DaemonEapContext implements EapContext {
  private readonly local: LocalUsersBackendFactory;
  private users: UserConf[];
  /** Set by the RADIUS module for `eap "radius"` policies. */
  radius: EapBackendFactory | null = null;

  constructor(users: UserConf[]) {
    this.users = users;
    this.local = new LocalUsersBackendFactory(users);
  }

  /** A configuration reload. */
  setUsers(users: UserConf[]): void {
    this.users = users;
    this.local.setUsers(users);
  }

  serverFactory(policy: Policy): EapBackendFactory | null {
    const a = policy.conf.auth;
    if (a.method !== 'eap') return null;
    if (a.eap === 'radius') return this.radius;
    if (a.eap === 'mschap-v2') return this.local;
    return null;
  }

  clientFor(policy: Policy): EapClientSession | null {
    const a = policy.conf.auth;
    if (a.method !== 'eap' || a.eap !== 'mschap-v2') return null;
    const want = policy.conf.srcid?.text;
    const u = (want !== undefined ? this.users.find((x) => x.name === want) : undefined) ?? (this.users.length === 1 ? this.users[0] : undefined);
    return u ? { identity: u.name, client: new EapMschapV2Client(u.name, u.password) } : null;
  }
}

/** Attach the daemon's EAP context to an engine (daemon start). */
export function attachDaemonEap(engine: Engine, config: IkedConfig): DaemonEapContext {
  const ctx = new DaemonEapContext(config.users);
  engine.eap = ctx;
  return ctx;
}

/** A configuration reload: new `user` lines. */
export function reloadDaemonEap(engine: Engine, config: IkedConfig): void {
  const ctx = engine.eap;
  if (ctx instanceof DaemonEapContext) ctx.setUsers(config.users);
}
