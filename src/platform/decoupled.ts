/**
 * The decoupled adapter (iked's `set decouple`): installs nothing into the
 * kernel, keeps an in-memory table of what it would have installed and logs it.
 * SPIs are random, unique and never in the reserved range 0..255 (RFC 4303 2.1).
 */
import { randomBytes } from 'node:crypto';
import { debuglog } from 'node:util';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from './types';

const defaultLog = debuglog('iked-kernel');

// Keys are flattened (normalize() of an ASCII string returns it flat): a template
// literal is a tree of concatenation nodes, which a Map keeps as such (~100 bytes more per key).
export function saKey(protocol: IpsecProtocol, dst: string, spi: number): string {
  return `${protocol}/${dst}/0x${(spi >>> 0).toString(16).padStart(8, '0')}`.normalize();
}

export function flowKey(f: KernelFlowSpec): string {
  return `${f.dir} ${f.src}->${f.dst} proto ${f.proto} ${f.sport ?? 0}->${f.dport ?? 0}`.normalize();
}

export interface DecoupledOptions {
  /** where "would install" messages go; default: NODE_DEBUG=iked-kernel */
  log?: (msg: string) => void;
}

interface StoredSa {
  spec: KernelSaSpec | null; // null: only an SPI was reserved
  protocol: IpsecProtocol;
  src: string;
  dst: string;
}

export class DecoupledAdapter implements KernelAdapter {
  readonly name = 'decoupled';
  private readonly sas = new Map<string, StoredSa>();
  private readonly flows = new Map<string, KernelFlowSpec>();
  private readonly listeners: Array<(e: KernelEvent) => void> = [];
  private readonly log: (msg: string) => void;
  private closed = false;

  constructor(opts: DecoupledOptions = {}) {
    this.log = opts.log ?? ((m) => defaultLog('%s', m));
  }

  /** what would be installed, for ikectl / tests */
  listSas(): KernelSaSpec[] {
    return [...this.sas.values()].flatMap((s) => (s.spec ? [s.spec] : []));
  }

  listFlows(): KernelFlowSpec[] {
    return [...this.flows.values()];
  }

  private check(): void {
    if (this.closed) throw new Error('decoupled kernel adapter is closed');
  }

  async allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    this.check();
    for (;;) {
      const spi = randomBytes(4).readUInt32BE(0);
      if (spi < 256) continue;
      const k = saKey(protocol, dst, spi);
      if (this.sas.has(k)) continue;
      this.sas.set(k, { spec: null, protocol, src, dst });
      this.log(`decoupled: would allocate ${protocol} SPI 0x${spi.toString(16)} ${src} -> ${dst}`);
      return spi;
    }
  }

  async addSa(sa: KernelSaSpec): Promise<void> {
    this.check();
    const k = saKey(sa.protocol, sa.dst, sa.spi);
    const cur = this.sas.get(k);
    if (cur?.spec) throw new Error(`decoupled: SA ${k} already exists (EEXIST)`);
    this.sas.set(k, { spec: cloneSa(sa), protocol: sa.protocol, src: sa.src, dst: sa.dst });
    this.log(`decoupled: would add SA ${describeSa(sa)}`);
  }

  async updateSa(sa: KernelSaSpec): Promise<void> {
    this.check();
    const k = saKey(sa.protocol, sa.dst, sa.spi);
    if (!this.sas.has(k)) throw new Error(`decoupled: SA ${k} not found (ESRCH)`);
    this.sas.set(k, { spec: cloneSa(sa), protocol: sa.protocol, src: sa.src, dst: sa.dst });
    this.log(`decoupled: would update SA ${describeSa(sa)}`);
  }

  async deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void> {
    this.check();
    const k = saKey(protocol, dst, spi);
    const cur = this.sas.get(k);
    if (!cur) throw new Error(`decoupled: SA ${k} not found (ESRCH)`);
    cur.spec?.encr?.key.fill(0);
    cur.spec?.integ?.key.fill(0);
    this.sas.delete(k);
    this.log(`decoupled: would delete SA ${k}`);
  }

  async addFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    const k = flowKey(f);
    if (this.flows.has(k)) throw new Error(`decoupled: flow ${k} already exists (EEXIST)`);
    this.flows.set(k, { ...f });
    this.log(`decoupled: would add flow ${k} via ${f.protocol}/${f.mode} ${f.tunnelSrc} -> ${f.tunnelDst} reqid ${f.reqid}`);
  }

  async deleteFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    const k = flowKey(f);
    if (!this.flows.delete(k)) throw new Error(`decoupled: flow ${k} not found (ENOENT)`);
    this.log(`decoupled: would delete flow ${k}`);
  }

  async getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    this.check();
    const k = saKey(protocol, dst, spi);
    if (!this.sas.get(k)?.spec) throw new Error(`decoupled: SA ${k} not found (ESRCH)`);
    return { bytes: 0, packets: 0, lastUse: 0 };
  }

  async flush(): Promise<void> {
    this.check();
    for (const s of this.sas.values()) {
      s.spec?.encr?.key.fill(0);
      s.spec?.integ?.key.fill(0);
    }
    this.log(`decoupled: would flush ${this.sas.size} SAs and ${this.flows.size} flows`);
    this.sas.clear();
    this.flows.clear();
  }

  onEvent(cb: (e: KernelEvent) => void): void {
    this.listeners.push(cb); // a decoupled kernel never produces events
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.listeners.length = 0;
  }
}

/** A copy; both keys share one allocation of their own (not a slice of Node's shared pool, which it would keep alive). */
function cloneSa(sa: KernelSaSpec): KernelSaSpec {
  const eLen = sa.encr ? sa.encr.key.length : 0;
  const keys = Buffer.alloc(eLen + (sa.integ ? sa.integ.key.length : 0));
  if (sa.encr) sa.encr.key.copy(keys, 0);
  if (sa.integ) sa.integ.key.copy(keys, eLen);
  // a plain literal, no spread-then-override: that path gives every clone a hidden class of its own (~300 bytes)
  const { encr, integ, lifetime, encap, selector } = sa;
  return {
    protocol: sa.protocol,
    mode: sa.mode,
    src: sa.src,
    dst: sa.dst,
    spi: sa.spi,
    reqid: sa.reqid,
    encr: encr ? { ianaId: encr.ianaId, keyBits: encr.keyBits, key: keys.subarray(0, eLen), icvLen: encr.icvLen } : undefined,
    integ: integ ? { ianaId: integ.ianaId, key: keys.subarray(eLen) } : undefined,
    esn: sa.esn,
    replayWindow: sa.replayWindow,
    lifetime: { softSeconds: lifetime.softSeconds, hardSeconds: lifetime.hardSeconds, softBytes: lifetime.softBytes, hardBytes: lifetime.hardBytes },
    encap: encap ? { sport: encap.sport, dport: encap.dport } : undefined,
    selector: selector ? { src: selector.src, dst: selector.dst, proto: selector.proto } : undefined,
  };
}

/** one-line description of an SA, without key material */
export function describeSa(sa: KernelSaSpec): string {
  const parts = [
    `${sa.protocol} ${sa.mode} ${sa.src} -> ${sa.dst} spi 0x${(sa.spi >>> 0).toString(16)} reqid ${sa.reqid}`,
  ];
  if (sa.encr) parts.push(`encr ${sa.encr.ianaId}/${sa.encr.keyBits}`);
  if (sa.integ) parts.push(`integ ${sa.integ.ianaId}`);
  if (sa.esn) parts.push('esn');
  if (sa.encap) parts.push(`udp-encap ${sa.encap.sport}->${sa.encap.dport}`);
  return parts.join(' ');
}
