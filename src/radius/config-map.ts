/**
 * RADIUS reply attributes -> IKEv2 configuration payload attributes, per
 * iked's `radius config OPTION [VENDOR] ATTR` lines (RadiusConf.config), or
 * the default mapping when there are none:
 *   address        Framed-IP-Address
 *   netmask        Framed-IP-Netmask
 *   name-server    MS-Primary-DNS-Server, MS-Secondary-DNS-Server
 *   netbios-server MS-Primary-NBNS-Server, MS-Secondary-NBNS-Server
 *   address (v6)   Framed-IPv6-Address
 *   name-server v6 DNS-Server-IPv6-Address
 * A `radius config none ATTR` line maps nothing (it only turns the defaults off).
 */
import { CFG_ATTR } from '../wire/iana';
import type { RadiusConfigConf } from '../conf/types';
import type { CfgAttribute } from '../ikev2/payloads/payload-types';
import { MS_ATTR, RADIUS_ATTR, RADIUS_VENDOR } from './dictionary';
import { findAllAttrs, findVendorAttrs, RadiusPacket } from './packet';

export const DEFAULT_RADIUS_CONFIG: readonly RadiusConfigConf[] = [
  { option: 'address', cfgType: CFG_ATTR.INTERNAL_IP4_ADDRESS, vendor: 0, attr: RADIUS_ATTR.FRAMED_IP_ADDRESS },
  { option: 'netmask', cfgType: CFG_ATTR.INTERNAL_IP4_NETMASK, vendor: 0, attr: RADIUS_ATTR.FRAMED_IP_NETMASK },
  { option: 'name-server', cfgType: CFG_ATTR.INTERNAL_IP4_DNS, vendor: RADIUS_VENDOR.MICROSOFT, attr: MS_ATTR.MS_PRIMARY_DNS_SERVER },
  { option: 'name-server', cfgType: CFG_ATTR.INTERNAL_IP4_DNS, vendor: RADIUS_VENDOR.MICROSOFT, attr: MS_ATTR.MS_SECONDARY_DNS_SERVER },
  { option: 'netbios-server', cfgType: CFG_ATTR.INTERNAL_IP4_NBNS, vendor: RADIUS_VENDOR.MICROSOFT, attr: MS_ATTR.MS_PRIMARY_NBNS_SERVER },
  { option: 'netbios-server', cfgType: CFG_ATTR.INTERNAL_IP4_NBNS, vendor: RADIUS_VENDOR.MICROSOFT, attr: MS_ATTR.MS_SECONDARY_NBNS_SERVER },
  { option: 'address', cfgType: CFG_ATTR.INTERNAL_IP6_ADDRESS, vendor: 0, attr: RADIUS_ATTR.FRAMED_IPV6_ADDRESS },
  { option: 'name-server', cfgType: CFG_ATTR.INTERNAL_IP6_DNS, vendor: 0, attr: RADIUS_ATTR.DNS_SERVER_IPV6_ADDRESS },
];

/** Expected CP value length per CFG_ATTR type (address-like attributes only). */
function fitValue(cfgType: number, v: Buffer): Buffer | null {
  switch (cfgType) {
    case CFG_ATTR.INTERNAL_IP4_ADDRESS:
    case CFG_ATTR.INTERNAL_IP4_NETMASK:
    case CFG_ATTR.INTERNAL_IP4_DNS:
    case CFG_ATTR.INTERNAL_IP4_NBNS:
    case CFG_ATTR.INTERNAL_IP4_DHCP:
    case CFG_ATTR.P_CSCF_IP4_ADDRESS:
      return v.length === 4 ? Buffer.from(v) : null;
    case CFG_ATTR.INTERNAL_IP6_ADDRESS:
      // RADIUS carries 16 bytes; the CP value adds a prefix length (a host: 128).
      if (v.length === 16) return Buffer.concat([v, Buffer.from([128])]);
      return v.length === 17 ? Buffer.from(v) : null;
    case CFG_ATTR.INTERNAL_IP6_DNS:
    case CFG_ATTR.INTERNAL_IP6_NBNS:
    case CFG_ATTR.INTERNAL_IP6_DHCP:
    case CFG_ATTR.P_CSCF_IP6_ADDRESS:
      return v.length === 16 ? Buffer.from(v) : null;
    default:
      return Buffer.from(v);
  }
}

/** The configuration attributes a RADIUS Access-Accept yields, in mapping order; values of the wrong size are skipped. */
export function radiusConfigAttributes(reply: RadiusPacket, mappings: readonly RadiusConfigConf[]): CfgAttribute[] {
  const effective = mappings.length ? mappings : DEFAULT_RADIUS_CONFIG;
  const out: CfgAttribute[] = [];
  for (const m of effective) {
    if (m.cfgType === 0) continue;
    const values = m.vendor === 0 ? findAllAttrs(reply, m.attr) : findVendorAttrs(reply, m.vendor, m.attr);
    for (const v of values) {
      const fitted = fitValue(m.cfgType, v);
      if (fitted) out.push({ type: m.cfgType, value: fitted });
    }
  }
  return out;
}
