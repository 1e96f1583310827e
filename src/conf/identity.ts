/**
 * srcid/dstid type inference, as iked's get_id_type(): a leading '/' is an
 * ASN.1 DN, then numeric IPv4, IPv6, then '@' makes an RFC 822 (UFQDN)
 * identity, anything else is an FQDN.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ID } from '../wire/iana';
import type { IdentityConf } from './types';

export function idType(text: string): number {
  if (text.startsWith('/')) return ID.DER_ASN1_DN;
  // (an IPv4 address starts with a digit and an IPv6 one has a colon: most ids skip the regular expressions)
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57 && isIPv4(text)) return ID.IPV4_ADDR;
  if (text.indexOf(':') >= 0 && isIPv6(text)) return ID.IPV6_ADDR;
  if (text.includes('@')) return ID.RFC822_ADDR;
  return ID.FQDN;
}

export function makeIdentity(text: string): IdentityConf {
  return { type: idType(text), text };
}

/** iked's IKED_ID_SIZE: ids are limited to 1023 bytes. */
export const ID_MAX = 1023;
