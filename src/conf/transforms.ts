/**
 * iked.conf keyword tables (iked's parse.y authxfs, prfxfs, ikeencxfs,
 * ipsecencxfs, groupxfs, esnxfs, methodxfs, cpxfs) mapped to the IANA
 * numbers of src/wire/iana.ts, with iked's lookup (prefix match) and
 * reverse lookup for printing.
 */
import { CFG_ATTR, DH, ENCR, ESN, INTEG, PRF } from '../wire/iana';

/** One keyword: `length` is the key length in bytes used by iked's print_xf. */
export interface XfEntry {
  name: string;
  id: number;
  /** Key (or output) length in bytes; 0 when not applicable. */
  length: number;
  /** Key length in bytes sent as Key Length attribute; 0 = none. */
  keyLength: number;
  /** AEAD cipher: integrity is implicit ("noauth" in iked). */
  noauth: boolean;
}

function xf(name: string, id: number, length = 0, keyLength = 0, noauth = false): XfEntry {
  return { name, id, length, keyLength, noauth };
}

export const AUTH_XFS: readonly XfEntry[] = [
  xf('hmac-md5', INTEG.HMAC_MD5_96, 16),
  xf('hmac-sha1', INTEG.HMAC_SHA1_96, 20),
  xf('hmac-sha2-256', INTEG.HMAC_SHA2_256_128, 32),
  xf('hmac-sha2-384', INTEG.HMAC_SHA2_384_192, 48),
  xf('hmac-sha2-512', INTEG.HMAC_SHA2_512_256, 64),
];

export const PRF_XFS: readonly XfEntry[] = [
  xf('hmac-md5', PRF.HMAC_MD5, 16),
  xf('hmac-sha1', PRF.HMAC_SHA1, 20),
  xf('hmac-sha2-256', PRF.HMAC_SHA2_256, 32),
  xf('hmac-sha2-384', PRF.HMAC_SHA2_384, 48),
  xf('hmac-sha2-512', PRF.HMAC_SHA2_512, 64),
];

export const IKE_ENC_XFS: readonly XfEntry[] = [
  xf('3des', ENCR['3DES'], 24),
  xf('3des-cbc', ENCR['3DES'], 24),
  xf('aes-128', ENCR.AES_CBC, 16, 16),
  xf('aes-192', ENCR.AES_CBC, 24, 24),
  xf('aes-256', ENCR.AES_CBC, 32, 32),
  xf('aes-128-gcm', ENCR.AES_GCM_16, 16, 16, true),
  xf('aes-256-gcm', ENCR.AES_GCM_16, 32, 32, true),
  xf('aes-128-gcm-12', ENCR.AES_GCM_12, 16, 16, true),
  xf('aes-256-gcm-12', ENCR.AES_GCM_12, 32, 32, true),
  // Not in OpenBSD iked's ikesa list: RFC 7634 ChaCha20-Poly1305 for the IKE SA too (strongSwan offers it).
  xf('chacha20-poly1305', ENCR.CHACHA20_POLY1305, 32, 0, true),
];

export const IPSEC_ENC_XFS: readonly XfEntry[] = [
  xf('3des', ENCR['3DES'], 24),
  xf('3des-cbc', ENCR['3DES'], 24),
  xf('aes-128', ENCR.AES_CBC, 16, 16),
  xf('aes-192', ENCR.AES_CBC, 24, 24),
  xf('aes-256', ENCR.AES_CBC, 32, 32),
  xf('aes-128-ctr', ENCR.AES_CTR, 16, 16),
  xf('aes-192-ctr', ENCR.AES_CTR, 24, 24),
  xf('aes-256-ctr', ENCR.AES_CTR, 32, 32),
  xf('aes-128-gcm', ENCR.AES_GCM_16, 16, 16, true),
  xf('aes-192-gcm', ENCR.AES_GCM_16, 24, 24, true),
  xf('aes-256-gcm', ENCR.AES_GCM_16, 32, 32, true),
  xf('aes-128-gmac', ENCR.NULL_AUTH_AES_GMAC, 16, 16, true),
  xf('aes-192-gmac', ENCR.NULL_AUTH_AES_GMAC, 24, 24, true),
  xf('aes-256-gmac', ENCR.NULL_AUTH_AES_GMAC, 32, 32, true),
  xf('blowfish', ENCR.BLOWFISH, 20, 20),
  xf('cast', ENCR.CAST, 16, 16),
  // Fixed key length (RFC 7634): no Key Length attribute on the wire.
  xf('chacha20-poly1305', ENCR.CHACHA20_POLY1305, 32, 0, true),
  xf('null', ENCR.NULL, 0, 0),
];

export const GROUP_XFS: readonly XfEntry[] = [
  xf('none', DH.NONE),
  xf('modp768', DH.MODP_768),
  xf('grp1', DH.MODP_768),
  xf('modp1024', DH.MODP_1024),
  xf('grp2', DH.MODP_1024),
  xf('modp1536', DH.MODP_1536),
  xf('grp5', DH.MODP_1536),
  xf('modp2048', DH.MODP_2048),
  xf('grp14', DH.MODP_2048),
  xf('modp3072', DH.MODP_3072),
  xf('grp15', DH.MODP_3072),
  xf('modp4096', DH.MODP_4096),
  xf('grp16', DH.MODP_4096),
  xf('modp6144', DH.MODP_6144),
  xf('grp17', DH.MODP_6144),
  xf('modp8192', DH.MODP_8192),
  xf('grp18', DH.MODP_8192),
  xf('ecp256', DH.ECP_256),
  xf('grp19', DH.ECP_256),
  xf('ecp384', DH.ECP_384),
  xf('grp20', DH.ECP_384),
  xf('ecp521', DH.ECP_521),
  xf('grp21', DH.ECP_521),
  xf('modp1024-160', DH.MODP_1024_160),
  xf('grp22', DH.MODP_1024_160),
  xf('modp2048-224', DH.MODP_2048_224),
  xf('grp23', DH.MODP_2048_224),
  xf('modp2048-256', DH.MODP_2048_256),
  xf('grp24', DH.MODP_2048_256),
  xf('ecp192', DH.ECP_192),
  xf('grp25', DH.ECP_192),
  xf('ecp224', DH.ECP_224),
  xf('grp26', DH.ECP_224),
  xf('brainpool224', DH.BRAINPOOL_P224),
  xf('grp27', DH.BRAINPOOL_P224),
  xf('brainpool256', DH.BRAINPOOL_P256),
  xf('grp28', DH.BRAINPOOL_P256),
  xf('brainpool384', DH.BRAINPOOL_P384),
  xf('grp29', DH.BRAINPOOL_P384),
  xf('brainpool512', DH.BRAINPOOL_P512),
  xf('grp30', DH.BRAINPOOL_P512),
  xf('curve25519', DH.CURVE25519),
  xf('grp31', DH.CURVE25519),
  // Not in OpenBSD iked (RFC 8031 group 32), accepted here since OpenSSL has X448.
  xf('curve448', DH.CURVE448),
  xf('grp32', DH.CURVE448),
  // FIPS 203 ML-KEM (IANA 35..37, the RFC 9370 key exchange registry): not in OpenBSD iked; alone
  // after `group` or, with a classic group, as an additional key exchange (`ke1` .. `ke7`).
  xf('mlkem512', DH.ML_KEM_512),
  xf('mlkem768', DH.ML_KEM_768),
  xf('mlkem1024', DH.ML_KEM_1024),
  // OpenIKED's Streamlined NTRU Prime + X25519 hybrid (private-use 1035): accepted and printed as
  // OpenIKED does; the key exchange itself is not implemented yet, so proposals skip it when choosing.
  xf('sntrup761x25519', DH.SNTRUP761X25519),
];

export const ESN_XFS: readonly XfEntry[] = [xf('esn', ESN.YES), xf('noesn', ESN.NO)];

export type AuthMethodName = 'rsa' | 'ecdsa256' | 'ecdsa384' | 'ecdsa521' | 'rfc7427' | 'signature';

/** iked's methodxfs ("none" is listed but refused in policies). */
export const METHOD_NAMES: readonly string[] = ['none', 'rsa', 'ecdsa256', 'ecdsa384', 'ecdsa521', 'rfc7427', 'signature'];

/** A config payload keyword: `length` of iked's cpxfs is the address family. */
export interface CpEntry {
  name: string;
  type: number;
  family: 4 | 6;
}

export const CP_XFS: readonly CpEntry[] = [
  { name: 'address', type: CFG_ATTR.INTERNAL_IP4_ADDRESS, family: 4 },
  { name: 'netmask', type: CFG_ATTR.INTERNAL_IP4_NETMASK, family: 4 },
  { name: 'name-server', type: CFG_ATTR.INTERNAL_IP4_DNS, family: 4 },
  { name: 'netbios-server', type: CFG_ATTR.INTERNAL_IP4_NBNS, family: 4 },
  { name: 'dhcp-server', type: CFG_ATTR.INTERNAL_IP4_DHCP, family: 4 },
  { name: 'address', type: CFG_ATTR.INTERNAL_IP6_ADDRESS, family: 6 },
  { name: 'name-server', type: CFG_ATTR.INTERNAL_IP6_DNS, family: 6 },
  { name: 'netbios-server', type: CFG_ATTR.INTERNAL_IP6_NBNS, family: 6 },
  { name: 'dhcp-server', type: CFG_ATTR.INTERNAL_IP6_DHCP, family: 6 },
  { name: 'protected-subnet', type: CFG_ATTR.INTERNAL_IP4_SUBNET, family: 4 },
  { name: 'protected-subnet', type: CFG_ATTR.INTERNAL_IP6_SUBNET, family: 6 },
  { name: 'access-server', type: CFG_ATTR.INTERNAL_IP4_SERVER, family: 4 },
  { name: 'access-server', type: CFG_ATTR.INTERNAL_IP6_SERVER, family: 6 },
];

/**
 * iked's parse_xf(): the first entry whose name starts with `name` (so "aes"
 * selects "aes-128", as in iked).
 */
export function lookupXf(name: string, table: readonly XfEntry[]): XfEntry | undefined {
  for (let i = 0; i < table.length; i++) if (table[i].name.startsWith(name)) return table[i];
  return undefined;
}

/** parse_xf() on cpxfs: prefix match, and family when known (0 = first match). */
export function lookupCp(name: string, family: 0 | 4 | 6): CpEntry | undefined {
  for (let i = 0; i < CP_XFS.length; i++) {
    const e = CP_XFS[i];
    if (e.name.startsWith(name) && (family === 0 || e.family === family)) return e;
  }
  return undefined;
}

/** Prefix lookup in a plain keyword list (methodxfs). */
export function lookupName(name: string, names: readonly string[]): string | undefined {
  for (let i = 0; i < names.length; i++) if (names[i].startsWith(name)) return names[i];
  return undefined;
}

/** iked's print_xf(): name for an id, matching the key length in bytes when given. */
export function xfName(id: number, lengthBytes: number, table: readonly XfEntry[]): string {
  for (const e of table) if (e.id === id && (lengthBytes === 0 || lengthBytes === e.length)) return e.name;
  return 'unknown';
}

export function cpName(type: number): string {
  for (const e of CP_XFS) if (e.type === type) return e.name;
  return 'unknown';
}
