/**
 * The IKE sockets: UDP 500 and 4500 (or the ports given with -p / --ike-port) on
 * every local address, the non-ESP marker on the NAT-T port (RFC 3948 2.2), NAT
 * keepalives, and the routing-table lookup of our source address.
 */
import dgram from 'node:dgram';
import os from 'node:os';
import { isIPv6 } from 'node:net';
import type { Endpoint } from '../wire/endpoint';
import type { Transport } from '../ikev2/engine';
import type { Logger } from '../log/logger';
import { bypassIpsec, enableEspInUdp } from '../platform/socket-options';

export interface UdpTransportOptions {
  ikePort: number;
  nattPort: number | null; // null: NAT-T disabled
  ipv6: boolean;
  log: Logger;
  /** Addresses to bind; default: every address of every interface. */
  addresses?: string[];
  /** Coupled to the kernel: IKE sockets bypass IPsec, the NAT-T socket decapsulates ESP-in-UDP. */
  kernelSockets?: boolean;
  onPacket(buf: Buffer, local: Endpoint, remote: Endpoint): void;
}

const MARKER = Buffer.alloc(4);
const KEEPALIVE = Buffer.from([0xff]);

interface Bound {
  address: string;
  port: number;
  socket: dgram.Socket;
}

export function localAddresses(ipv6: boolean): string[] {
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') out.push(a.address);
      else if (ipv6 && a.family === 'IPv6' && !a.address.toLowerCase().startsWith('fe80')) out.push(a.address);
    }
  }
  return out;
}

export class UdpTransport implements Transport {
  private readonly sockets = new Map<string, Bound>();
  private closed = false;
  espDropped = 0;

  private constructor(private readonly o: UdpTransportOptions) {}

  static async open(o: UdpTransportOptions): Promise<UdpTransport> {
    const t = new UdpTransport(o);
    const addrs = o.addresses ?? localAddresses(o.ipv6);
    const ports = o.nattPort ? [o.ikePort, o.nattPort] : [o.ikePort];
    for (const address of addrs) for (const port of ports) await t.bind(address, port);
    if (t.sockets.size === 0) throw new Error('no local address to listen on');
    return t;
  }

  private bind(address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
      const onError = (err: Error): void => {
        socket.close();
        reject(new Error(`cannot listen on ${address} port ${port}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', onError);
        if (this.o.kernelSockets) this.kernelOptions(socket, port === this.o.nattPort, `${address}:${port}`);
        this.attach(address, port, socket);
        resolve();
      });
    });
  }

  /**
   * Adopt sockets another process bound (privilege separation: the parent binds
   * 500/4500 as root and hands the sockets to the unprivileged engine).
   */
  static adopt(o: UdpTransportOptions, bound: Array<{ address: string; port: number; socket: dgram.Socket }>): UdpTransport {
    const t = new UdpTransport(o);
    for (const b of bound) t.attach(b.address, b.port, b.socket);
    if (t.sockets.size === 0) throw new Error('no local address to listen on');
    return t;
  }

  private attach(address: string, port: number, socket: dgram.Socket): void {
    socket.on('error', (err) => this.o.log.warn(`socket ${address}:${port}: ${err.message}`));
    const natt = port === this.o.nattPort;
    socket.on('message', (msg, rinfo) => this.receive(msg, natt, { address, port }, { address: rinfo.address, port: rinfo.port }));
    this.sockets.set(`${address}|${port}`, { address, port, socket });
  }

  private kernelOptions(socket: dgram.Socket, natt: boolean, what: string): void {
    try {
      bypassIpsec(socket);
      if (natt) enableEspInUdp(socket);
    } catch (e) {
      this.o.log.warn(`socket ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private receive(msg: Buffer, natt: boolean, local: Endpoint, remote: Endpoint): void {
    if (natt) {
      if (msg.length === 1 && msg[0] === 0xff) return; // NAT keepalive
      if (msg.length < 4 || msg.readUInt32BE(0) !== 0) {
        this.espDropped++; // ESP-in-UDP: the kernel's business, not ours
        return;
      }
      msg = msg.subarray(4);
    } else if (hasNonEspMarker(msg)) {
      msg = msg.subarray(4); // a peer that moved to the NAT-T framing early (robustness: OpenIKED does after MOBIKE)
    }
    this.o.onPacket(msg, local, remote);
  }

  private socketFor(local: Endpoint): dgram.Socket | undefined {
    return this.sockets.get(`${local.address}|${local.port}`)?.socket;
  }

  send(packet: Buffer, local: Endpoint, remote: Endpoint): void {
    if (this.closed) return;
    const s = this.socketFor(local);
    if (!s) {
      this.o.log.info(`no socket bound to ${local.address}:${local.port}, packet to ${remote.address}:${remote.port} dropped`);
      return;
    }
    const data = local.port === this.o.nattPort ? Buffer.concat([MARKER, packet]) : packet;
    s.send(data, remote.port, remote.address);
  }

  sendKeepalive(local: Endpoint, remote: Endpoint): void {
    this.socketFor(local)?.send(KEEPALIVE, remote.port, remote.address);
  }

  /** Ask the routing table which source address reaches `remote` (a connected UDP socket). */
  sourceFor(remote: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket(isIPv6(remote) ? 'udp6' : 'udp4');
      s.once('error', (err) => {
        s.close();
        reject(new Error(`no route to ${remote}: ${err.message}`));
      });
      s.connect(this.o.ikePort, remote, () => {
        const a = s.address().address;
        s.close();
        resolve(a);
      });
    });
  }

  /** The addresses we listen on. */
  addresses(): string[] {
    return [...new Set([...this.sockets.values()].map((b) => b.address))];
  }

  /** MOBIKE: listen on an address that appeared (IKE and NAT-T ports); already bound ones are kept. */
  async addAddress(address: string): Promise<void> {
    if (this.closed) return;
    const ports = this.o.nattPort ? [this.o.ikePort, this.o.nattPort] : [this.o.ikePort];
    for (const port of ports) if (!this.sockets.has(`${address}|${port}`)) await this.bind(address, port);
  }

  /**
   * MOBIKE under privilege separation: a socket the parent bound on an address
   * that appeared. Returns false (and closes it) when closed or already bound.
   */
  adoptSocket(b: { address: string; port: number; socket: dgram.Socket }): boolean {
    if (this.closed || this.sockets.has(`${b.address}|${b.port}`)) {
      b.socket.close();
      return false;
    }
    this.attach(b.address, b.port, b.socket);
    return true;
  }

  /** MOBIKE: stop listening on an address that went away. */
  removeAddress(address: string): void {
    for (const [k, b] of this.sockets) {
      if (b.address !== address) continue;
      this.sockets.delete(k);
      try {
        b.socket.close();
      } catch {
        // already closed by an error
      }
    }
  }

  /** The file descriptors, for handing the sockets to another process. */
  boundEndpoints(): Endpoint[] {
    return [...this.sockets.values()].map((b) => ({ address: b.address, port: b.port }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const b of this.sockets.values()) b.socket.close();
    this.sockets.clear();
  }
}

/**
 * A non-ESP marker in front of an IKE message on port 500: four zero bytes, then a header
 * whose version byte (offset 17) is 2.0 where the unmarked reading's is not.
 */
export function hasNonEspMarker(msg: Buffer): boolean {
  return msg.length >= 4 + 28 && msg.readUInt32BE(0) === 0 && msg[4 + 17] === 0x20 && msg[17] !== 0x20;
}
