/**
 * A fake network for in-process engine tests: engines attach by address, packets
 * are delivered asynchronously (setImmediate) and can be dropped, duplicated,
 * held back (reordered), corrupted or rewritten (a fake NAT) by hooks.
 * Every delivered and dropped packet is recorded with its decoded header.
 */
import type { Endpoint } from '../../src/wire/endpoint';
import type { Transport } from '../../src/ikev2/engine';

export interface Datagram {
  packet: Buffer;
  src: Endpoint;
  dst: Endpoint;
}

export interface PacketRecord extends Datagram {
  /** header fields when the packet is long enough */
  exchange: number;
  flags: number;
  messageId: number;
  spiI: string;
  spiR: string;
  fate: 'delivered' | 'dropped' | 'no-host';
}

/** What a hook does with a datagram: pass it (maybe changed), drop it, or send several. */
export type HookResult = Datagram | Datagram[] | null;
export type PacketHook = (d: Datagram, index: number) => HookResult;

export interface Host {
  address: string;
  receive(packet: Buffer, local: Endpoint, remote: Endpoint): void;
}

function headerOf(p: Buffer): Pick<PacketRecord, 'exchange' | 'flags' | 'messageId' | 'spiI' | 'spiR'> {
  if (p.length < 28) return { exchange: -1, flags: -1, messageId: -1, spiI: '', spiR: '' };
  return {
    spiI: p.subarray(0, 8).toString('hex'),
    spiR: p.subarray(8, 16).toString('hex'),
    exchange: p[18],
    flags: p[19],
    messageId: p.readUInt32BE(20),
  };
}

export class FakeNet {
  private readonly hosts = new Map<string, Host>();
  /** Hooks run in order for every datagram sent; the first one returning non-identity wins for that step. */
  readonly hooks: PacketHook[] = [];
  readonly log: PacketRecord[] = [];
  private sent = 0;
  private inFlight = 0;
  /** Datagrams held back by `hold()` until `release()`. */
  private held: Datagram[] = [];
  /** Address rewriting (NAT) applied before hooks. */
  private nats: Array<(d: Datagram) => Datagram> = [];

  attach(h: Host): void {
    this.hosts.set(h.address, h);
  }

  detach(address: string): void {
    this.hosts.delete(address);
  }

  /** A Transport for a host at `address`: every packet goes through the net. */
  transportFor(address: string): Transport & { sent: Datagram[] } {
    const sent: Datagram[] = [];
    return {
      sent,
      send: (packet: Buffer, local: Endpoint, remote: Endpoint) => {
        const d = { packet: Buffer.from(packet), src: { ...local }, dst: { ...remote } };
        sent.push(d);
        this.inject(d);
      },
      sourceFor: async () => address,
    };
  }

  /** Put a datagram on the wire (also used by tests to forge packets). */
  inject(d: Datagram): void {
    let cur: Datagram[] = [d];
    for (const nat of this.nats) cur = cur.map(nat);
    const index = this.sent++;
    for (const h of this.hooks) {
      const next: Datagram[] = [];
      for (const x of cur) {
        const r = h(x, index);
        if (r === null) this.record(x, 'dropped');
        else if (Array.isArray(r)) next.push(...r);
        else next.push(r);
      }
      cur = next;
    }
    for (const x of cur) this.deliverLater(x);
  }

  private deliverLater(d: Datagram): void {
    this.inFlight++;
    setImmediate(() => {
      this.inFlight--;
      const host = this.hosts.get(d.dst.address);
      if (!host) {
        this.record(d, 'no-host');
        return;
      }
      this.record(d, 'delivered');
      host.receive(d.packet, { ...d.dst }, { ...d.src });
    });
  }

  private record(d: Datagram, fate: PacketRecord['fate']): void {
    this.log.push({ ...d, ...headerOf(d.packet), fate });
  }

  /** Keep the datagrams a hook selects until release() (for reordering). */
  holdWhere(pred: (d: Datagram, index: number) => boolean): void {
    this.hooks.push((d, i) => {
      if (!pred(d, i)) return d;
      this.held.push(d);
      return [];
    });
  }

  release(): void {
    const h = this.held;
    this.held = [];
    for (const d of h) this.deliverLater(d);
  }

  /**
   * A NAT in front of `inside`: its packets leave from `publicAddr` with the source port
   * moved by `portShift`; packets to the public address/port come back in.
   */
  addNat(inside: string, publicAddr: string, portShift: number): void {
    this.nats.push((d) => {
      if (d.src.address === inside) return { ...d, src: { address: publicAddr, port: d.src.port + portShift } };
      if (d.dst.address === publicAddr) return { ...d, dst: { address: inside, port: d.dst.port - portShift } };
      return d;
    });
  }

  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Records of delivered packets, optionally filtered. */
  delivered(pred: (r: PacketRecord) => boolean = () => true): PacketRecord[] {
    return this.log.filter((r) => r.fate === 'delivered' && pred(r));
  }
}
