/** A UDP endpoint (address text as Node's dgram reports it, and port). */
import { isIPv6 } from 'node:net';
import { ipBytes, formatIp } from './ip-address';

export interface Endpoint {
  address: string;
  port: number;
}

export function endpointText(e: Endpoint): string {
  return isIPv6(e.address) ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
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
