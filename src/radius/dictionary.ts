/**
 * The RADIUS numbers this daemon uses: packet codes (RFC 2865, 2866),
 * attribute types (RFC 2865, 2866, 2869, 3162, 3579, 6911), the Microsoft
 * vendor attributes (RFC 2548) and the enumerated values we send.
 * One table; nothing else in src/radius/ hard-codes a number.
 */

export const RADIUS_CODE = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
} as const;

export const RADIUS_ATTR = {
  USER_NAME: 1,
  USER_PASSWORD: 2,
  NAS_IP_ADDRESS: 4,
  NAS_PORT: 5,
  SERVICE_TYPE: 6,
  FRAMED_PROTOCOL: 7,
  FRAMED_IP_ADDRESS: 8,
  FRAMED_IP_NETMASK: 9,
  REPLY_MESSAGE: 18,
  STATE: 24,
  CLASS: 25,
  VENDOR_SPECIFIC: 26,
  SESSION_TIMEOUT: 27,
  IDLE_TIMEOUT: 28,
  CALLED_STATION_ID: 30,
  CALLING_STATION_ID: 31,
  NAS_IDENTIFIER: 32,
  ACCT_STATUS_TYPE: 40,
  ACCT_DELAY_TIME: 41,
  ACCT_INPUT_OCTETS: 42,
  ACCT_OUTPUT_OCTETS: 43,
  ACCT_SESSION_ID: 44,
  ACCT_AUTHENTIC: 45,
  ACCT_SESSION_TIME: 46,
  ACCT_INPUT_PACKETS: 47,
  ACCT_OUTPUT_PACKETS: 48,
  ACCT_TERMINATE_CAUSE: 49,
  ACCT_INPUT_GIGAWORDS: 52,
  ACCT_OUTPUT_GIGAWORDS: 53,
  EVENT_TIMESTAMP: 55,
  NAS_PORT_TYPE: 61,
  TUNNEL_TYPE: 64,
  TUNNEL_MEDIUM_TYPE: 65,
  EAP_MESSAGE: 79,
  MESSAGE_AUTHENTICATOR: 80,
  NAS_PORT_ID: 87,
  NAS_IPV6_ADDRESS: 95,
  FRAMED_IPV6_PREFIX: 97,
  FRAMED_IPV6_ADDRESS: 168,
  DNS_SERVER_IPV6_ADDRESS: 169,
} as const;

/** SMI network management private enterprise codes. */
export const RADIUS_VENDOR = { MICROSOFT: 311 } as const;

/** Microsoft vendor attributes (RFC 2548). */
export const MS_ATTR = {
  MS_CHAP_ERROR: 2,
  MS_MPPE_ENCRYPTION_POLICY: 7,
  MS_MPPE_ENCRYPTION_TYPES: 8,
  MS_MPPE_SEND_KEY: 16,
  MS_MPPE_RECV_KEY: 17,
  MS_PRIMARY_DNS_SERVER: 28,
  MS_SECONDARY_DNS_SERVER: 29,
  MS_PRIMARY_NBNS_SERVER: 30,
  MS_SECONDARY_NBNS_SERVER: 31,
} as const;

export const SERVICE_TYPE = { FRAMED: 2 } as const;
export const FRAMED_PROTOCOL = { PPP: 1 } as const;
export const NAS_PORT_TYPE = { VIRTUAL: 5 } as const;
export const TUNNEL_TYPE = { ESP: 9 } as const;
export const TUNNEL_MEDIUM = { IPV4: 1, IPV6: 2 } as const;
export const ACCT_STATUS = { START: 1, STOP: 2, INTERIM_UPDATE: 3, ACCOUNTING_ON: 7, ACCOUNTING_OFF: 8 } as const;
export const ACCT_AUTHENTIC = { RADIUS: 1, LOCAL: 2 } as const;
export const ACCT_TERMINATE_CAUSE = {
  USER_REQUEST: 1,
  LOST_CARRIER: 2,
  LOST_SERVICE: 3,
  IDLE_TIMEOUT: 4,
  SESSION_TIMEOUT: 5,
  ADMIN_RESET: 6,
  ADMIN_REBOOT: 7,
  PORT_ERROR: 8,
  NAS_ERROR: 9,
  NAS_REQUEST: 10,
} as const;

/** RADIUS ports (RFC 2865, 2866). */
export const RADIUS_AUTH_PORT = 1812;
export const RADIUS_ACCT_PORT = 1813;

/** Largest attribute value (type and length take 2 of 255 bytes). */
export const MAX_ATTR_VALUE = 253;
/** RFC 2865 section 3: 20..4096 bytes. */
export const MIN_PACKET = 20;
export const MAX_PACKET = 4096;

function invert(table: Record<string, number>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) {
    m.set(
      v,
      k
        .toLowerCase()
        .split('_')
        .map((w) => (w === 'ip' || w === 'nas' || w === 'eap' || w === 'ipv6' || w === 'dns' || w === 'ms' || w === 'mppe' || w === 'nbns' || w === 'chap' ? w.toUpperCase().replace('IPV6', 'IPv6') : w[0].toUpperCase() + w.slice(1)))
        .join('-'),
    );
  }
  return m;
}

const codeNames = new Map<number, string>(Object.entries(RADIUS_CODE).map(([k, v]) => [v, k.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('-')]));
const attrNames = invert(RADIUS_ATTR);
const msNames = invert(MS_ATTR);

/** "Access-Request", or "code 42" when unknown. */
export function radiusCodeName(code: number): string {
  return codeNames.get(code) ?? `code ${code}`;
}

/**
 * FreeRADIUS-style attribute name: "Framed-IP-Address", "MS-Primary-DNS-Server",
 * "Attr-200" / "Vendor-9-Attr-1" when not in the table.
 */
export function radiusAttrName(type: number, vendor = 0): string {
  if (vendor === 0) return attrNames.get(type) ?? `Attr-${type}`;
  if (vendor === RADIUS_VENDOR.MICROSOFT) return msNames.get(type) ?? `Vendor-${vendor}-Attr-${type}`;
  return `Vendor-${vendor}-Attr-${type}`;
}
