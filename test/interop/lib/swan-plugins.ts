/**
 * strongSwan plugins a test loads, and the Debian package that ships each. A test
 * that needs a plugin checks its file before starting charon: a missing one fails
 * with the package to install (ci/deps.sh installs them all), instead of charon
 * answering an EAP request with EAP_NAK or a proposal with NO_PROPOSAL_CHOSEN.
 */
import { existsSync } from 'node:fs';

export const PLUGIN_DIR = '/usr/lib/ipsec/plugins';

/** Debian 12's packages, from `dpkg -L` of each. */
const PACKAGE_OF: Record<string, string> = {};
const PACKAGES: Record<string, string[]> = {
  libstrongswan: [
    'aes', 'attr', 'constraints', 'dnskey', 'drbg', 'fips-prf', 'gmp', 'hmac', 'kdf', 'kernel-netlink', 'md5',
    'mgf1', 'nonce', 'pem', 'pgp', 'pkcs1', 'pkcs12', 'pkcs7', 'pkcs8', 'pubkey', 'random', 'rc2', 'resolve',
    'revocation', 'sha1', 'sha2', 'sshkey', 'x509', 'xcbc',
  ],
  'libstrongswan-standard-plugins': ['aesni', 'agent', 'connmark', 'gcm', 'openssl'],
  'libcharon-extra-plugins': [
    'addrblock', 'certexpire', 'dhcp', 'eap-aka', 'eap-gtc', 'eap-identity', 'eap-md5', 'eap-radius', 'eap-tls',
    'eap-tnc', 'eap-ttls', 'error-notify', 'farp', 'forecast', 'ha', 'kernel-libipsec', 'led', 'lookip',
    'tnc-tnccs', 'unity', 'xauth-eap', 'xauth-pam',
  ],
  'libcharon-extauth-plugins': ['eap-mschapv2', 'xauth-generic'],
  'strongswan-charon': ['socket-default', 'stroke', 'updown', 'counters', 'bypass-lan', 'vici'],
};
for (const [pkg, plugins] of Object.entries(PACKAGES)) for (const p of plugins) PACKAGE_OF[p] = pkg;

/** The Debian package that ships a plugin (undefined when we do not know it). */
export function pluginPackage(plugin: string): string | undefined {
  return PACKAGE_OF[plugin];
}

/** Plugins of `plugins` whose shared object is missing under `dir`. */
export function missingPlugins(plugins: readonly string[], dir = PLUGIN_DIR): string[] {
  return plugins.filter((p) => !existsSync(`${dir}/libstrongswan-${p}.so`));
}

/** Throws, naming the package to install, when a plugin is missing. */
export function requirePlugins(plugins: readonly string[], dir = PLUGIN_DIR): void {
  const missing = missingPlugins(plugins, dir);
  if (!missing.length) return;
  const what = missing.map((p) => {
    const pkg = pluginPackage(p);
    return `'${p}' (${dir}/libstrongswan-${p}.so): apt-get install ${pkg ?? 'the strongSwan package that ships it (dpkg -S)'}`;
  });
  throw new Error(`strongSwan plugin${missing.length > 1 ? 's' : ''} missing: ${what.join('; ')} (ci/deps.sh installs them)`);
}
