/**
 * The openssl configuration `ikectl ca` uses, after OpenBSD's
 * /etc/ssl/ikeca.cnf: the subject and the extensions come from environment
 * variables (CERT_CN, CERTIP, CERTFQDN, CERTUSERFQDN, ...) set per call.
 */
import { isIP } from 'node:net';

export const IKECA_CNF = `# ikectl ca configuration (after OpenBSD's ikeca.cnf)
CERT_C			= $ENV::CERT_C
CERT_ST			= $ENV::CERT_ST
CERT_L			= $ENV::CERT_L
CERT_O			= $ENV::CERT_O
CERT_OU			= $ENV::CERT_OU

[ req ]
default_bits		= 2048
default_md		= sha256
distinguished_name	= req_distinguished_name
prompt			= no
string_mask		= utf8only

[ req_distinguished_name ]
C			= $ENV::CERT_C
ST			= $ENV::CERT_ST
L			= $ENV::CERT_L
O			= $ENV::CERT_O
OU			= $ENV::CERT_OU
CN			= $ENV::CERT_CN

[ x509v3_CA ]
basicConstraints	= critical,CA:true,pathlen:$ENV::CERTPATHLEN
keyUsage		= critical,keyCertSign,cRLSign
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid:always

[ x509v3_IPAddr ]
basicConstraints	= CA:FALSE
keyUsage		= $ENV::CERTUSAGE
extendedKeyUsage	= $ENV::EXTCERTUSAGE
subjectAltName		= IP:$ENV::CERTIP
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid

[ x509v3_FQDN ]
basicConstraints	= CA:FALSE
keyUsage		= $ENV::CERTUSAGE
extendedKeyUsage	= $ENV::EXTCERTUSAGE
subjectAltName		= DNS:$ENV::CERTFQDN
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid

[ x509v3_Email ]
basicConstraints	= CA:FALSE
keyUsage		= $ENV::CERTUSAGE
extendedKeyUsage	= $ENV::EXTCERTUSAGE
subjectAltName		= email:$ENV::CERTUSERFQDN
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid

[ ca ]
default_ca		= CA_default

[ CA_default ]
dir			= $ENV::CADIR
database		= $dir/index.txt
serial			= $dir/serial.txt
crlnumber		= $dir/crlnumber.txt
new_certs_dir		= $dir/newcerts
default_md		= sha256
default_days		= 365
default_crl_days	= 30
policy			= policy_any
unique_subject		= no
copy_extensions		= none
email_in_dn		= no

[ policy_any ]
countryName		= optional
stateOrProvinceName	= optional
localityName		= optional
organizationName	= optional
organizationalUnitName	= optional
commonName		= supplied
`;

export type HostType = 'ip' | 'fqdn' | 'email';

/** ikectl's classification of a HOST word: IP address, user@fqdn, or FQDN. */
export function hostType(host: string): HostType {
  if (isIP(host)) return 'ip';
  if (host.includes('@')) return 'email';
  return 'fqdn';
}

export function extensionSection(t: HostType): string {
  return t === 'ip' ? 'x509v3_IPAddr' : t === 'email' ? 'x509v3_Email' : 'x509v3_FQDN';
}

/** Environment for an openssl call: subject defaults (overridable like ikeca.cnf's) plus `extra`. */
export function caEnv(base: NodeJS.ProcessEnv, caDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const pick = (k: string, d: string): string => base[k] ?? d;
  return {
    PATH: base.PATH ?? '/usr/bin:/bin',
    CADIR: caDir,
    CERT_C: pick('CERT_C', 'XX'),
    CERT_ST: pick('CERT_ST', 'None'),
    CERT_L: pick('CERT_L', 'None'),
    CERT_O: pick('CERT_O', 'iked'),
    CERT_OU: pick('CERT_OU', 'ikectl'),
    CERT_CN: 'unset',
    CERTPATHLEN: '1',
    CERTUSAGE: 'critical,digitalSignature,keyEncipherment',
    EXTCERTUSAGE: 'serverAuth,clientAuth',
    CERTIP: '0.0.0.0',
    CERTFQDN: 'nohost.nodomain',
    CERTUSERFQDN: 'nobody@nohost.nodomain',
    ...extra,
  };
}
