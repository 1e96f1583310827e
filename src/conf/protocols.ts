/**
 * IP protocol and service names (what getprotobyname()/getservbyname() give
 * iked), from the common /etc/protocols and /etc/services entries.
 */

const PROTOCOLS: [string, number][] = [
  ['ip', 0], ['icmp', 1], ['igmp', 2], ['ggp', 3], ['ipencap', 4], ['st', 5], ['tcp', 6], ['egp', 8],
  ['igp', 9], ['pup', 12], ['udp', 17], ['hmp', 20], ['xns-idp', 22], ['rdp', 27], ['iso-tp4', 29],
  ['dccp', 33], ['xtp', 36], ['ddp', 37], ['idpr-cmtp', 38], ['ipv6', 41], ['ipv6-route', 43],
  ['ipv6-frag', 44], ['idrp', 45], ['rsvp', 46], ['gre', 47], ['esp', 50], ['ah', 51], ['skip', 57],
  ['ipv6-icmp', 58], ['ipv6-nonxt', 59], ['ipv6-opts', 60], ['rspf', 73], ['vmtp', 81], ['eigrp', 88],
  ['ospf', 89], ['ax.25', 93], ['ipip', 94], ['etherip', 97], ['encap', 98], ['pim', 103],
  ['ipcomp', 108], ['vrrp', 112], ['l2tp', 115], ['isis', 124], ['sctp', 132], ['fc', 133],
  ['mobility-header', 135], ['udplite', 136], ['mpls-in-ip', 137], ['manet', 138], ['hip', 139],
  ['shim6', 140], ['wesp', 141], ['rohc', 142], ['ethernet', 143],
];
const ALIASES: [string, number][] = [['icmp6', 58], ['ipv6-icmp', 58], ['ipip', 94], ['carp', 112], ['pfsync', 240]];

const protoByName = new Map<string, number>([...PROTOCOLS, ...ALIASES]);
const protoByNumber = new Map<number, string>();
for (const [n, v] of PROTOCOLS) if (!protoByNumber.has(v)) protoByNumber.set(v, n);

export function protocolNumber(name: string): number | undefined {
  return protoByName.get(name);
}

/** print_proto(): the name, or the number when unknown. */
export function protocolName(n: number): string {
  return protoByNumber.get(n) ?? String(n);
}

const SERVICES: [string, number][] = [
  ['tcpmux', 1], ['echo', 7], ['discard', 9], ['systat', 11], ['daytime', 13], ['netstat', 15],
  ['qotd', 17], ['chargen', 19], ['ftp-data', 20], ['ftp', 21], ['ssh', 22], ['telnet', 23], ['smtp', 25],
  ['time', 37], ['whois', 43], ['tacacs', 49], ['domain', 53], ['bootps', 67], ['bootpc', 68],
  ['tftp', 69], ['gopher', 70], ['finger', 79], ['http', 80], ['www', 80], ['kerberos', 88],
  ['pop3', 110], ['sunrpc', 111], ['auth', 113], ['nntp', 119], ['ntp', 123], ['epmap', 135],
  ['netbios-ns', 137], ['netbios-dgm', 138], ['netbios-ssn', 139], ['imap', 143], ['snmp', 161],
  ['snmp-trap', 162], ['bgp', 179], ['irc', 194], ['ldap', 389], ['https', 443], ['microsoft-ds', 445],
  ['kpasswd', 464], ['isakmp', 500], ['syslog', 514], ['printer', 515], ['submission', 587],
  ['ldaps', 636], ['rsync', 873], ['ftps', 990], ['imaps', 993], ['pop3s', 995], ['socks', 1080],
  ['openvpn', 1194], ['ms-sql-s', 1433], ['l2tp', 1701], ['pptp', 1723], ['radius', 1812],
  ['radius-acct', 1813], ['nfs', 2049], ['mysql', 3306], ['rdp', 3389], ['ipsec-nat-t', 4500],
  ['sip', 5060], ['postgresql', 5432], ['x11', 6000], ['http-alt', 8080],
];
const services = new Map<string, number>(SERVICES);

export function serviceNumber(name: string): number | undefined {
  return services.get(name);
}
