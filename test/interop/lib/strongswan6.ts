/**
 * strongSwan 6 (Debian 13's 6.0.1 source with the `ml` plugin, built by
 * ci/strongswan6.sh into its own prefix, next to Debian 12's 5.9.8): the post-quantum
 * peer for RFC 9370 / ML-KEM interop.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SwanInstall } from './charon';
import { interopAvailable } from './netns';

/** The prefix ci/strongswan6.sh installs into (SW6 or ~/.cache/sw6, then /prefix). */
export const SW6_PREFIX = process.env.SW6_PREFIX ?? join(process.env.SW6 ?? join(homedir(), '.cache', 'sw6'), 'prefix');

export const SW6: SwanInstall = {
  charon: join(SW6_PREFIX, 'libexec', 'ipsec', 'charon'),
  swanctl: join(SW6_PREFIX, 'sbin', 'swanctl'),
  pluginDir: join(SW6_PREFIX, 'lib', 'ipsec', 'plugins'),
};

/** The plugins that build has (kernel-libipsec before kernel-netlink; ml needs sha3). */
export const SW6_PLUGINS = [
  'random', 'nonce', 'openssl', 'pem', 'pkcs1', 'pkcs8', 'x509', 'pubkey', 'constraints', 'sha1', 'sha2', 'sha3',
  'hmac', 'kdf', 'aes', 'gcm', 'curve25519', 'ml', 'kernel-libipsec', 'kernel-netlink', 'socket-default', 'vici',
];

/** Why the strongSwan 6 tests cannot run here (null: they can). In CI a missing build is a failure. */
export function strongswan6Available(): string | null {
  const base = interopAvailable();
  if (base) return base;
  if (existsSync(SW6.charon) && existsSync(join(SW6.pluginDir, 'libstrongswan-ml.so'))) return null;
  const why = `strongSwan 6 with ML-KEM not built at ${SW6_PREFIX} (bash ci/strongswan6.sh build; ci/deps.sh does it)`;
  if (process.env.CI) throw new Error(why);
  return why;
}
