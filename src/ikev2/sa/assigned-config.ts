/** The configuration of an IKE SA from its configuration payloads (RFC 7296 3.15), kept on the SA. */
/** What a CFG_REPLY gave us (initiator) or what we gave the peer (responder). */
export interface AssignedConfig {
  addresses: { addr: string; prefixLen: number }[];
  netmask?: string;
  dns: string[];
  nbns: string[];
  dhcp: string[];
  subnets: { addr: string; prefixLen: number }[];
  accessServers: string[];
}

export const emptyAssigned = (): AssignedConfig => ({ addresses: [], dns: [], nbns: [], dhcp: [], subnets: [], accessServers: [] });
