/**
 * The EAP backend of `eap "mschap-v2"` policies: EAP-MSCHAPv2 against the
 * `user "name" "password"` lines of iked.conf.
 */
import type { UserConf } from '../conf/types';
import type { EapBackendFactory, EapServerBackend } from '../ikev2/exchange/eap-backend';
import { MschapV2Server } from './eap-server';

export class LocalUsersBackendFactory implements EapBackendFactory {
  private users = new Map<string, string>();

  constructor(users: UserConf[]) {
    this.setUsers(users);
  }

  /** Replace the user table (configuration reload). */
  setUsers(users: UserConf[]): void {
    this.users = new Map(users.map((u) => [u.name, u.password]));
  }

  create(_policyName: string, _ikeSaSpi: string): EapServerBackend {
    return new MschapV2Server((name) => this.users.get(name) ?? null);
  }
}
