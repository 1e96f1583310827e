/**
 * The parent binds the IKE sockets (UDP 500 and 4500 on every local address;
 * privileged ports) and hands each one to the engine over the node IPC channel.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { localAddresses } from '../udp-transport';
import { bypassIpsec, enableEspInUdp } from '../../platform/socket-options';

export interface BoundSocket {
  address: string;
  port: number;
  socket: dgram.Socket;
}

function bindOne(address: string, port: number): Promise<BoundSocket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    const onError = (err: Error): void => {
      socket.close();
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      reject(new Error(`cannot listen on ${address} port ${port}: ${inUse ? 'address already in use (is another IKE daemon running?)' : err.message}`));
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve({ address, port, socket });
    });
  });
}

/**
 * Coupled to the kernel: IKE sockets bypass our own IPsec policies and the NAT-T socket
 * decapsulates ESP-in-UDP. Both need root, so the parent sets them before the hand-over.
 */
function kernelOptions(b: BoundSocket, nattPort: number | null, warn: (m: string) => void): void {
  try {
    bypassIpsec(b.socket);
    if (b.port === nattPort) enableEspInUdp(b.socket);
  } catch (e) {
    warn(`socket ${b.address}:${b.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export interface IkeSocketOptions {
  ikePort: number;
  nattPort: number | null;
  ipv6: boolean;
  addresses?: string[];
  kernelSockets?: boolean;
  warn?: (m: string) => void;
}

export async function bindIkeSockets(o: IkeSocketOptions): Promise<BoundSocket[]> {
  const addrs = o.addresses ?? localAddresses(o.ipv6);
  const ports = o.nattPort ? [o.ikePort, o.nattPort] : [o.ikePort];
  const out: BoundSocket[] = [];
  try {
    for (const address of addrs) for (const port of ports) out.push(await bindOne(address, port));
    if (o.kernelSockets) for (const b of out) kernelOptions(b, o.nattPort, o.warn ?? (() => undefined));
  } catch (e) {
    for (const b of out) b.socket.close();
    throw e;
  }
  if (!out.length) throw new Error('no local address to listen on');
  return out;
}

export const SOCKET_MESSAGE = 'iked-ike-socket';

/** Hand every socket to the child; the parent's copies are closed once sent. */
export async function handOver(child: ChildProcess, sockets: BoundSocket[]): Promise<void> {
  for (const b of sockets) {
    await new Promise<void>((resolve, reject) => {
      child.send({ kind: SOCKET_MESSAGE, address: b.address, port: b.port }, b.socket, (err) => (err ? reject(new Error(`cannot hand ${b.address}:${b.port} to the engine: ${err.message}`)) : resolve()));
    });
    b.socket.close();
  }
}

export interface ReceivedSocket {
  address: string;
  port: number;
  socket: dgram.Socket;
}

/**
 * In the engine: collects the sockets the parent hands over on the node IPC
 * channel from the start (a message nobody listens for is lost), until init
 * (or, later, a MOBIKE address change) says which ones to expect; wait()
 * takes them out of the inbox.
 */
export class SocketInbox {
  private readonly got = new Map<string, ReceivedSocket>();
  private bad: string | null = null;
  private wake: (() => void) | null = null;

  constructor() {
    process.on('message', (m: unknown, handle: unknown) => {
      const o = m as { kind?: unknown; address?: unknown; port?: unknown } | null;
      if (!o || o.kind !== SOCKET_MESSAGE) return;
      if (!(handle instanceof dgram.Socket) || typeof o.address !== 'string' || typeof o.port !== 'number') {
        this.bad = `malformed socket hand-over (${JSON.stringify(o)})`;
      } else {
        this.got.set(`${o.address}|${o.port}`, { address: o.address, port: o.port, socket: handle });
      }
      this.wake?.();
    });
  }

  async wait(expected: Array<{ address: string; port: number }>, timeoutMs = 10_000): Promise<ReceivedSocket[]> {
    const keys = expected.map((e) => `${e.address}|${e.port}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.bad) throw new Error(this.bad);
      const extra = [...this.got.keys()].filter((k) => !keys.includes(k));
      if (extra.length) throw new Error(`unexpected socket handed over: ${extra.join(', ')}`);
      if (keys.every((k) => this.got.has(k))) {
        const out = keys.map((k) => this.got.get(k)!);
        for (const k of keys) this.got.delete(k); // taken: later hand-overs (MOBIKE) are checked on their own
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.got.size} of ${keys.length} IKE sockets arrived from the parent`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }
}
