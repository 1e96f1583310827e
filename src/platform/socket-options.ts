/**
 * IKE socket helpers over the native addon:
 *  - enableEspInUdp(sock): UDP_ENCAP_ESPINUDP on the NAT-T socket (port 4500), so the
 *    kernel decapsulates ESP-in-UDP; IKE packets (non-ESP marker) still reach the daemon.
 *  - bypassIpsec(sock): per-socket policy so IKE traffic never matches our own IPsec policies.
 * The fd of a bound node:dgram socket is read from its libuv handle (Unix only).
 */
import type * as dgram from 'node:dgram';
import { loadKernelAddon } from './native-binding';

export function socketFd(sock: dgram.Socket): number {
  const handle = (sock as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('cannot get the file descriptor of the socket (bind it first; Unix only)');
  return fd;
}

export function enableEspInUdp(sock: dgram.Socket): void {
  loadKernelAddon().udpEncapSocketOption(socketFd(sock));
}

export function bypassIpsec(sock: dgram.Socket): void {
  const family = sock.address().family === 'IPv6' ? 6 : 4;
  loadKernelAddon().socketBypass(socketFd(sock), family);
}
