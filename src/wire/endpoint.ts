/** A UDP endpoint (address text as Node's dgram reports it, and port). */
import { ipBytes, formatIp } from './ip-address';

export interface Endpoint {
  address: string;
  port: number;
}

/** "[v6]:port" or "v4:port": an address with a colon is IPv6 (no regular expression per log line). */
export function endpointText(e: Endpoint): string {
  return e.address.indexOf(':') >= 0 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

/** Address as network-order bytes (4 or 16). */
export function addressBytes(address: string): Buffer {
  return ipBytes(address);
}

/** Bytes to address text (4 -> dotted quad, 16 -> compressed IPv6). */
export function addressText(b: Buffer): string {
  return formatIp(b);
}
