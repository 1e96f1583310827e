/**
 * IANA IKEv2 registries: the one table of numbers used by the codec, the
 * crypto layer, the config parser and every log line.
 * Source: https://www.iana.org/assignments/ikev2-parameters (RFC 7296 and updates).
 */

/** A registry: name -> number, and number -> name for logs. */
export interface Registry<T extends Record<string, number>> {
  readonly byName: T;
  name(n: number): string;
}

function registry<T extends Record<string, number>>(label: string, table: T): Registry<T> {
  const rev = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) if (!rev.has(v)) rev.set(v, k);
  return {
    byName: table,
    name(n: number): string {
      return rev.get(n) ?? `${label}_${n}`;
    },
  };
}

export const EXCHANGE = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
  IKE_SESSION_RESUME: 38,
  IKE_INTERMEDIATE: 43,
  IKE_FOLLOWUP_KE: 44,
} as const;
export const ExchangeType = registry('EXCHANGE', EXCHANGE);

/** Header flags (RFC 7296 3.1). */
export const FLAG = { INITIATOR: 0x08, VERSION: 0x10, RESPONSE: 0x20 } as const;

export const PAYLOAD = {
  NONE: 0,
  SA: 33,
  KE: 34,
  IDi: 35,
  IDr: 36,
  CERT: 37,
  CERTREQ: 38,
  AUTH: 39,
  NONCE: 40,
  NOTIFY: 41,
  DELETE: 42,
  VENDOR: 43,
  TSi: 44,
  TSr: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
  GSPM: 49,
  SKF: 53,
} as const;
export const PayloadType = registry('PAYLOAD', PAYLOAD);

export const PROTOCOL = { IKE: 1, AH: 2, ESP: 3 } as const;
export const ProtocolId = registry('PROTO', PROTOCOL);

export const TRANSFORM = {
  ENCR: 1,
  PRF: 2,
  INTEG: 3,
  DH: 4,
  ESN: 5,
  /** RFC 9370 Additional Key Exchange 1..7 (transform types 6..12) */
  ADDKE1: 6,
  ADDKE2: 7,
  ADDKE3: 8,
  ADDKE4: 9,
  ADDKE5: 10,
  ADDKE6: 11,
  ADDKE7: 12,
} as const;

/** The transform type of RFC 9370 additional key exchange n (1..7). */
export function addKeTransformType(n: number): number {
  return TRANSFORM.ADDKE1 + n - 1;
}
export const TransformType = registry('TRANSFORM', TRANSFORM);

export const ENCR = {
  DES_IV64: 1,
  DES: 2,
  '3DES': 3,
  RC5: 4,
  IDEA: 5,
  CAST: 6,
  BLOWFISH: 7,
  '3IDEA': 8,
  DES_IV32: 9,
  NULL: 11,
  AES_CBC: 12,
  AES_CTR: 13,
  AES_CCM_8: 14,
  AES_CCM_12: 15,
  AES_CCM_16: 16,
  AES_GCM_8: 18,
  AES_GCM_12: 19,
  AES_GCM_16: 20,
  NULL_AUTH_AES_GMAC: 21,
  CAMELLIA_CBC: 23,
  CAMELLIA_CTR: 24,
  CAMELLIA_CCM_8: 25,
  CAMELLIA_CCM_12: 26,
  CAMELLIA_CCM_16: 27,
  CHACHA20_POLY1305: 28,
} as const;
export const EncrId = registry('ENCR', ENCR);

export const PRF = {
  HMAC_MD5: 1,
  HMAC_SHA1: 2,
  HMAC_TIGER: 3,
  AES128_XCBC: 4,
  HMAC_SHA2_256: 5,
  HMAC_SHA2_384: 6,
  HMAC_SHA2_512: 7,
  AES128_CMAC: 8,
} as const;
export const PrfId = registry('PRF', PRF);

export const INTEG = {
  NONE: 0,
  HMAC_MD5_96: 1,
  HMAC_SHA1_96: 2,
  DES_MAC: 3,
  KPDK_MD5: 4,
  AES_XCBC_96: 5,
  HMAC_MD5_128: 6,
  HMAC_SHA1_160: 7,
  AES_CMAC_96: 8,
  AES_128_GMAC: 9,
  AES_192_GMAC: 10,
  AES_256_GMAC: 11,
  HMAC_SHA2_256_128: 12,
  HMAC_SHA2_384_192: 13,
  HMAC_SHA2_512_256: 14,
} as const;
export const IntegId = registry('INTEG', INTEG);

export const DH = {
  NONE: 0,
  MODP_768: 1,
  MODP_1024: 2,
  MODP_1536: 5,
  MODP_2048: 14,
  MODP_3072: 15,
  MODP_4096: 16,
  MODP_6144: 17,
  MODP_8192: 18,
  ECP_256: 19,
  ECP_384: 20,
  ECP_521: 21,
  MODP_1024_160: 22,
  MODP_2048_224: 23,
  MODP_2048_256: 24,
  ECP_192: 25,
  ECP_224: 26,
  BRAINPOOL_P224: 27,
  BRAINPOOL_P256: 28,
  BRAINPOOL_P384: 29,
  BRAINPOOL_P512: 30,
  CURVE25519: 31,
  CURVE448: 32,
  /** FIPS 203 ML-KEM (IANA IKEv2 key exchange methods, RFC 9370 registry) */
  ML_KEM_512: 35,
  ML_KEM_768: 36,
  ML_KEM_1024: 37,
  /** OpenIKED's hybrid post-quantum group (private-use number) */
  SNTRUP761X25519: 1035,
} as const;
export const DhGroup = registry('DH', DH);

export const ESN = { NO: 0, YES: 1 } as const;
export const EsnId = registry('ESN', ESN);

/** Transform attribute types (RFC 7296 3.3.5). */
export const TRANSFORM_ATTR = { KEY_LENGTH: 14 } as const;

export const ID = {
  IPV4_ADDR: 1,
  FQDN: 2,
  RFC822_ADDR: 3,
  IPV6_ADDR: 5,
  DER_ASN1_DN: 9,
  DER_ASN1_GN: 10,
  KEY_ID: 11,
  FC_NAME: 12,
  NULL: 13,
} as const;
export const IdType = registry('ID', ID);

export const AUTH = {
  RSA_SIG: 1,
  SHARED_KEY_MIC: 2,
  DSS_SIG: 3,
  ECDSA_SHA256_P256: 9,
  ECDSA_SHA384_P384: 10,
  ECDSA_SHA512_P521: 11,
  GSPAM: 12,
  NULL: 13,
  DIGITAL_SIGNATURE: 14,
} as const;
export const AuthMethod = registry('AUTH', AUTH);

export const CERT = {
  PKCS7_X509: 1,
  PGP: 2,
  DNS_KEY: 3,
  X509_SIG: 4,
  KERBEROS: 6,
  CRL: 7,
  ARL: 8,
  SPKI: 9,
  X509_ATTR: 10,
  RAW_RSA: 11,
  HASH_URL_X509: 12,
  HASH_URL_BUNDLE: 13,
  OCSP: 14,
  RAW_PUBKEY: 15,
} as const;
export const CertEncoding = registry('CERT', CERT);

export const TS = {
  IPV4_ADDR_RANGE: 7,
  IPV6_ADDR_RANGE: 8,
  FC_ADDR_RANGE: 9,
} as const;
export const TsType = registry('TS', TS);

/** Notify message types: errors below 16384, status from 16384 (RFC 7296 3.10.1 and later RFCs). */
export const NOTIFY = {
  UNSUPPORTED_CRITICAL_PAYLOAD: 1,
  INVALID_IKE_SPI: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_SYNTAX: 7,
  INVALID_MESSAGE_ID: 9,
  INVALID_SPI: 11,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  SINGLE_PAIR_REQUIRED: 34,
  NO_ADDITIONAL_SAS: 35,
  INTERNAL_ADDRESS_FAILURE: 36,
  FAILED_CP_REQUIRED: 37,
  TS_UNACCEPTABLE: 38,
  INVALID_SELECTORS: 39,
  UNACCEPTABLE_ADDRESSES: 40,
  UNEXPECTED_NAT_DETECTED: 41,
  USE_ASSIGNED_HoA: 42,
  TEMPORARY_FAILURE: 43,
  CHILD_SA_NOT_FOUND: 44,
  INVALID_GROUP_ID: 45,
  AUTHORIZATION_FAILED: 46,
  STATE_NOT_FOUND: 47,
  INITIAL_CONTACT: 16384,
  SET_WINDOW_SIZE: 16385,
  ADDITIONAL_TS_POSSIBLE: 16386,
  IPCOMP_SUPPORTED: 16387,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  COOKIE: 16390,
  USE_TRANSPORT_MODE: 16391,
  HTTP_CERT_LOOKUP_SUPPORTED: 16392,
  REKEY_SA: 16393,
  ESP_TFC_PADDING_NOT_SUPPORTED: 16394,
  NON_FIRST_FRAGMENTS_ALSO: 16395,
  MOBIKE_SUPPORTED: 16396,
  ADDITIONAL_IP4_ADDRESS: 16397,
  ADDITIONAL_IP6_ADDRESS: 16398,
  NO_ADDITIONAL_ADDRESSES: 16399,
  UPDATE_SA_ADDRESSES: 16400,
  COOKIE2: 16401,
  NO_NATS_ALLOWED: 16402,
  AUTH_LIFETIME: 16403,
  MULTIPLE_AUTH_SUPPORTED: 16404,
  ANOTHER_AUTH_FOLLOWS: 16405,
  REDIRECT_SUPPORTED: 16406,
  REDIRECT: 16407,
  REDIRECTED_FROM: 16408,
  TICKET_LT_OPAQUE: 16409,
  TICKET_REQUEST: 16410,
  TICKET_ACK: 16411,
  TICKET_NACK: 16412,
  TICKET_OPAQUE: 16413,
  LINK_ID: 16414,
  USE_WESP_MODE: 16415,
  ROHC_SUPPORTED: 16416,
  EAP_ONLY_AUTHENTICATION: 16417,
  CHILDLESS_IKEV2_SUPPORTED: 16418,
  QUICK_CRASH_DETECTION: 16419,
  IKEV2_MESSAGE_ID_SYNC_SUPPORTED: 16420,
  IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED: 16421,
  IKEV2_MESSAGE_ID_SYNC: 16422,
  IPSEC_REPLAY_COUNTER_SYNC: 16423,
  SECURE_PASSWORD_METHODS: 16424,
  PSK_PERSIST: 16425,
  PSK_CONFIRM: 16426,
  ERX_SUPPORTED: 16427,
  IFOM_CAPABILITY: 16428,
  SENDER_REQUEST_ID: 16429,
  IKEV2_FRAGMENTATION_SUPPORTED: 16430,
  SIGNATURE_HASH_ALGORITHMS: 16431,
  CLONE_IKE_SA_SUPPORTED: 16432,
  CLONE_IKE_SA: 16433,
  PUZZLE: 16434,
  USE_PPK: 16435,
  PPK_IDENTITY: 16436,
  NO_PPK_AUTH: 16437,
  INTERMEDIATE_EXCHANGE_SUPPORTED: 16438,
  IP4_ALLOWED: 16439,
  IP6_ALLOWED: 16440,
  ADDITIONAL_KEY_EXCHANGE: 16441,
} as const;
export const NotifyType = registry('NOTIFY', NOTIFY);

/** Error notifies are those below 16384 (RFC 7296 3.10.1). */
export function isErrorNotify(type: number): boolean {
  return type > 0 && type < 16384;
}

/** RFC 7427 hash algorithm identifiers for SIGNATURE_HASH_ALGORITHMS. */
export const HASH = { SHA1: 1, SHA2_256: 2, SHA2_384: 3, SHA2_512: 4, IDENTITY: 5 } as const;
export const HashAlg = registry('HASH', HASH);

export const CFG = { REQUEST: 1, REPLY: 2, SET: 3, ACK: 4 } as const;
export const CfgType = registry('CFG', CFG);

export const CFG_ATTR = {
  INTERNAL_IP4_ADDRESS: 1,
  INTERNAL_IP4_NETMASK: 2,
  INTERNAL_IP4_DNS: 3,
  INTERNAL_IP4_NBNS: 4,
  INTERNAL_IP4_DHCP: 6,
  APPLICATION_VERSION: 7,
  INTERNAL_IP6_ADDRESS: 8,
  INTERNAL_IP6_DNS: 10,
  INTERNAL_IP6_DHCP: 12,
  INTERNAL_IP4_SUBNET: 13,
  SUPPORTED_ATTRIBUTES: 14,
  INTERNAL_IP6_SUBNET: 15,
  MIP6_HOME_PREFIX: 16,
  INTERNAL_IP6_LINK: 17,
  INTERNAL_IP6_PREFIX: 18,
  HOME_AGENT_ADDRESS: 19,
  P_CSCF_IP4_ADDRESS: 20,
  P_CSCF_IP6_ADDRESS: 21,
  FTT_KAT: 22,
  EXTERNAL_SOURCE_IP4_NAT_INFO: 23,
  TIMEOUT_PERIOD_FOR_LIVENESS_CHECK: 24,
  INTERNAL_DNS_DOMAIN: 25,
  INTERNAL_DNSSEC_TA: 26,
  /** RFC 4306 value (removed by RFC 7296), still used by iked for "netbios-server" with IPv6. */
  INTERNAL_IP6_NBNS: 9,
  /** MS-IKEE private values used by iked for "access-server". */
  INTERNAL_IP4_SERVER: 23456,
  INTERNAL_IP6_SERVER: 23457,
} as const;
export const CfgAttr = registry('CFG_ATTR', CFG_ATTR);

export const EAP_CODE = { REQUEST: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4 } as const;
export const EapCode = registry('EAP_CODE', EAP_CODE);

export const EAP_TYPE = { IDENTITY: 1, NOTIFICATION: 2, NAK: 3, MD5: 4, MSCHAPV2: 26 } as const;
export const EapType = registry('EAP_TYPE', EAP_TYPE);

/** IP protocol numbers used in traffic selectors and flows. */
export const IPPROTO = { ANY: 0, ICMP: 1, TCP: 6, UDP: 17, ESP: 50, AH: 51, ICMPV6: 58 } as const;

/** UDP ports. */
export const IKE_PORT = 500;
export const NATT_PORT = 4500;
