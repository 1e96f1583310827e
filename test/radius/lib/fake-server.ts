/** A scriptable RADIUS server on 127.0.0.1 for unit tests of the client and relay. */
import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { decodeRadiusPacket, RadiusPacket } from '../../../src/radius/packet';

export type FakeHandler = (p: RadiusPacket, raw: Buffer, n: number) => Buffer | Buffer[] | null;

export class FakeRadiusServer {
  readonly received: Buffer[] = [];
  private constructor(
    private readonly sock: Socket,
    readonly port: number,
    public handler: FakeHandler,
  ) {
    sock.on('message', (raw: Buffer, r: RemoteInfo) => {
      this.received.push(raw);
      const out = this.handler(decodeRadiusPacket(raw), raw, this.received.length);
      for (const b of out === null ? [] : Array.isArray(out) ? out : [out]) sock.send(b, r.port, r.address);
    });
  }

  static async start(handler: FakeHandler): Promise<FakeRadiusServer> {
    const sock = createSocket('udp4');
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    return new FakeRadiusServer(sock, sock.address().port, handler);
  }

  close(): void {
    this.sock.close();
  }
}
