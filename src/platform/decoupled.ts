/**
 * The decoupled adapter (iked's `set decouple`): installs nothing into the
 * kernel, keeps an in-memory table of what it would have installed and logs it.
 * SPIs are random, unique and never in the reserved range 0..255 (RFC 4303 2.1).
 */
import { supportsFor } from './algorithms';
import { randomU32 } from '../crypto/random';
import { debuglog } from 'node:util';
import { SaRecord, RecordStore } from './sa-record';
import { SaRecordTable } from './sa-record-table';
import { KeyArena } from './key-arena';
import { FlowRecord } from './flow-record';
import { flowSharesByDir, flowKey } from './flow-shares';
import { StringTable } from './intern';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from './types';

const defaultLog = debuglog('iked-kernel');
const DIRS = ['out', 'in', 'fwd'] as const;

// Keys are flattened (normalize() of an ASCII string returns it flat): a template
// literal is a tree of concatenation nodes, which a Map keeps as such (~100 bytes more per key).
export function saKey(protocol: IpsecProtocol, dst: string, spi: number): string {
  return `${protocol}/${dst}/0x${(spi >>> 0).toString(16).padStart(8, '0')}`.normalize();
}


export interface DecoupledOptions {
  /** where "would install" messages go; default: NODE_DEBUG=iked-kernel */
  log?: (msg: string) => void;
  /** whether `log` shows anything now (default: always); the messages are not built otherwise */
  logging?: () => boolean;
}

export class DecoupledAdapter implements KernelAdapter {
  /** What the adapter can install (platform/algorithms.ts supportsFor, by the adapter's name). */
  supports(encrId: number, integId: number, esn: boolean): boolean {
    return supportsFor(this.name)(encrId, integId, esn);
  }

  readonly name = 'decoupled';
  private readonly sas = new SaRecordTable();
  /**
   * flows with their holders, by direction: Child SAs with identical selectors share one
   * (flow-shares.ts); a Child SA's out, in and fwd flows hold one record (flow-record.ts)
   */
  private readonly flows = flowSharesByDir<FlowRecord>();
  /** addresses and networks the records share (one copy each), and their keys */
  private readonly strings = new StringTable();
  private readonly store: RecordStore = { strings: this.strings, keys: new KeyArena() };
  private readonly listeners: Array<(e: KernelEvent) => void> = [];
  private readonly sink: (msg: string) => void;
  /** Whether anyone reads the messages: they are not even built otherwise (hot path). */
  private readonly logging: () => boolean;
  private closed = false;

  constructor(opts: DecoupledOptions = {}) {
    this.sink = opts.log ?? ((m) => defaultLog('%s', m));
    const always = opts.log !== undefined || defaultLog.enabled;
    this.logging = opts.logging ?? (() => always);
  }

  private log(msg: () => string): void {
    if (this.logging()) this.sink(msg());
  }

  /** what would be installed, for ikectl / tests */
  listSas(): KernelSaSpec[] {
    const out: KernelSaSpec[] = [];
    for (const r of this.sas.values()) {
      const spec = r.spec(this.store);
      if (spec) out.push(spec);
    }
    return out;
  }

  listFlows(): KernelFlowSpec[] {
    const out: KernelFlowSpec[] = [];
    for (const dir of DIRS) for (const r of this.flows[dir].current()) out.push(r.spec(dir));
    return out;
  }

  private check(): void {
    if (this.closed) throw new Error('decoupled kernel adapter is closed');
  }

  async allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    this.check();
    for (;;) {
      const spi = randomU32();
      if (spi < 256) continue;
      if (this.sas.get(protocol, dst, spi)) continue;
      this.sas.set(SaRecord.larval(protocol, src, dst, spi, this.store));
      this.log(() => `decoupled: would allocate ${protocol} SPI 0x${spi.toString(16)} ${src} -> ${dst}`);
      return spi;
    }
  }

  async addSa(sa: KernelSaSpec): Promise<void> {
    this.check();
    const cur = this.sas.get(sa.protocol, sa.dst, sa.spi);
    if (cur?.installed) throw new Error(`decoupled: SA ${saKey(sa.protocol, sa.dst, sa.spi)} already exists (EEXIST)`);
    this.sas.set(SaRecord.of(sa, this.store));
    this.log(() => `decoupled: would add SA ${describeSa(sa)}`);
  }

  async updateSa(sa: KernelSaSpec): Promise<void> {
    this.check();
    const cur = this.sas.get(sa.protocol, sa.dst, sa.spi);
    if (!cur) throw new Error(`decoupled: SA ${saKey(sa.protocol, sa.dst, sa.spi)} not found (ESRCH)`);
    cur.wipe(this.store);
    this.sas.set(SaRecord.of(sa, this.store));
    this.log(() => `decoupled: would update SA ${describeSa(sa)}`);
  }

  async deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void> {
    this.check();
    const cur = this.sas.get(protocol, dst, spi);
    if (!cur) throw new Error(`decoupled: SA ${saKey(protocol, dst, spi)} not found (ESRCH)`);
    cur.wipe(this.store);
    this.sas.delete(protocol, dst, spi);
    this.log(() => `decoupled: would delete SA ${saKey(protocol, dst, spi)}`);
  }

  async addFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    const r = this.shared(FlowRecord.of(f, this.strings));
    const change = this.flows[f.dir].add(r);
    this.log(() => `decoupled: would ${change ? change.op : 'keep'} flow ${flowKey(f)} via ${f.protocol}/${f.mode} ${f.tunnelSrc} -> ${f.tunnelDst} reqid ${f.reqid} (${this.flows[f.dir].holders(r)} holders)`);
  }

  async deleteFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    const q = FlowRecord.of(f);
    const change = this.flows[f.dir].remove(q);
    if (change === 'missing') throw new Error(`decoupled: flow ${flowKey(f)} reqid ${f.reqid} not found (ENOENT)`);
    this.log(() => (change?.op === 'delete' ? `decoupled: would delete flow ${flowKey(f)}` : `decoupled: flow ${flowKey(f)} kept for ${this.flows[f.dir].holders(q)} holders${change ? ` (now reqid ${change.flow.reqid})` : ''}`));
  }

  /** An identical record another direction already holds (a Child SA's in and fwd flows mirror its out flow), else `r`. */
  private shared(r: FlowRecord): FlowRecord {
    for (const d of DIRS) {
      const same = this.flows[d].findHolder(r, (x) => x.equals(r));
      if (same) return same;
    }
    return r;
  }

  /** Holders of the flow with `f`'s selector (Child SAs with identical selectors share it). */
  flowHolders(f: KernelFlowSpec): number {
    return this.flows[f.dir].holders(FlowRecord.of(f));
  }

  async getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    this.check();
    if (!this.sas.get(protocol, dst, spi)?.installed) throw new Error(`decoupled: SA ${saKey(protocol, dst, spi)} not found (ESRCH)`);
    return { bytes: 0, packets: 0, lastUse: 0 };
  }

  async flush(): Promise<void> {
    this.check();
    for (const r of this.sas.values()) r.wipe(this.store);
    this.log(() => `decoupled: would flush ${this.sas.size} SAs and ${DIRS.reduce((n, d) => n + this.flows[d].size, 0)} flows`);
    this.sas.clear();
    for (const d of DIRS) this.flows[d].clear();
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
