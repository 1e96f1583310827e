/**
 * PF_KEYv2 adapter (thin wrapper over native/pfkey_socket.c and the dialect
 * builders pfkey_kame.c / pfkey_openbsd.c): 'pfkey-linux' (af_key, fallback
 * only), 'pfkey-openbsd' (flows), 'pfkey-kame' (macOS/FreeBSD/NetBSD SPD).
 * Remembers what it installed so that flush() removes only ours.
 */
import { pfkeyAlgorithms, supportsFor } from './algorithms';
import { inCallOrder } from './call-order';
import { InstalledState } from './installed-state';
import type { KernelRecord, RecordEntry } from './kernel-record';
import type { FlowOp } from './flow-shares';
import { loadKernelAddon, type KernelAddon, type NativeHandle } from './native-binding';
import {
  counters,
  OPENBSD_EXT,
  parseAddressExt,
  parsePfkey,
  saSpi,
  SADB,
  SADB_EXT,
  type PfkeyDialect,
  type PfkeyMessage,
} from './pfkey-parse';
import { toNativeFlow } from './xfrm';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from './types';

export type PfkeyAdapterName = 'pfkey-linux' | 'pfkey-openbsd' | 'pfkey-kame';

type WithFns<T, K extends keyof T> = T & { [P in K]-?: T[P] };
type PfkeyAddon = WithFns<KernelAddon, 'pfkeyOpen' | 'pfkeyClose' | 'pfkeyRequest' | 'pfkeySubscribe'>;

function dialectOf(name: PfkeyAdapterName): PfkeyDialect {
  return name === 'pfkey-linux' ? 'linux' : name === 'pfkey-openbsd' ? 'openbsd' : 'kame';
}

/** SADB satype -> protocol, per dialect (OpenBSD: AH 1, ESP 2; RFC 2367: AH 2, ESP 3) */
function satypeProtocol(dialect: PfkeyDialect, satype: number): IpsecProtocol {
  if (dialect === 'openbsd') return satype === 1 ? 'ah' : 'esp';
  return satype === 2 ? 'ah' : 'esp';
}

export class PfkeyAdapter implements KernelAdapter {
  /** What the adapter can install (platform/algorithms.ts supportsFor, by the adapter's name). */
  supports(encrId: number, integId: number, esn: boolean): boolean {
    return supportsFor(this.name)(encrId, integId, esn);
  }

  /** ours, for flush(); after GETSPI the kernel holds a larval SA, so the SA is installed with UPDATE */
  private readonly mine: InstalledState;
  private readonly listeners: Array<(e: KernelEvent) => void> = [];
  private readonly dialect: PfkeyDialect;
  private subscribed = false;
  private closed = false;

  private constructor(
    readonly name: PfkeyAdapterName,
    private readonly addon: PfkeyAddon,
    private readonly handle: NativeHandle,
    record?: KernelRecord,
  ) {
    this.dialect = dialectOf(name);
    this.mine = new InstalledState(record);
  }

  /** SAs and policies a previous iked left (its record): the next flush() removes them. */
  adopt(entries: Iterable<RecordEntry>): void {
    this.mine.adopt(entries);
  }

  static async open(name: PfkeyAdapterName, opts: { netns?: string; record?: KernelRecord } = {}): Promise<PfkeyAdapter> {
    const addon = loadKernelAddon();
    if (!addon.pfkeyOpen || !addon.adapters.split(',').includes(name)) {
      throw new Error(`${name} is not available on this system (addon adapters: ${addon.adapters})`);
    }
    const a = addon as PfkeyAddon;
    let h: NativeHandle;
    try {
      h = a.pfkeyOpen(opts.netns);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EAFNOSUPPORT') throw new Error(`kernel has no PF_KEY support (is af_key loaded?): ${err.message}`);
      throw new Error(`cannot open PF_KEY socket: ${err.message}`);
    }
    return new PfkeyAdapter(name, inCallOrder(a, ['pfkeyRequest']), h, opts.record);
  }

  private check(): void {
    if (this.closed) throw new Error(`${this.name} adapter is closed`);
  }

  async allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    this.check();
    const reply = parsePfkey(
      await this.addon.pfkeyRequest(this.handle, 'getspi', { protocol, src, dst, min: 0x100, max: 0xffffffff }),
    );
    const spi = saSpi(reply);
    this.mine.allocated({ protocol, src, dst, spi });
    return spi;
  }

  private async install(sa: KernelSaSpec, update: boolean): Promise<void> {
    this.check();
    if (sa.esn && this.name !== 'pfkey-openbsd') throw new Error(`${this.name}: ESN is not supported over PF_KEY (use XFRM)`);
    const algs = pfkeyAlgorithms(this.name, sa);
    await this.addon.pfkeyRequest(this.handle, update ? 'update' : 'add', {
      protocol: sa.protocol,
      mode: sa.mode,
      src: sa.src,
      dst: sa.dst,
      spi: sa.spi,
      reqid: sa.reqid,
      ...algs,
      esn: sa.esn,
      replayWindow: sa.replayWindow,
      lifetime: sa.lifetime,
      encap: sa.encap,
    });
  }

  async addSa(sa: KernelSaSpec): Promise<void> {
    const update = this.mine.isLarval(sa.protocol, sa.dst, sa.spi);
    await this.mine.install({ protocol: sa.protocol, src: sa.src, dst: sa.dst, spi: sa.spi }, () => this.install(sa, update));
  }

  async updateSa(sa: KernelSaSpec): Promise<void> {
    await this.mine.install({ protocol: sa.protocol, src: sa.src, dst: sa.dst, spi: sa.spi }, () => this.install(sa, true));
  }

  async deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void> {
    this.check();
    const src = this.mine.sa(protocol, dst, spi)?.src;
    try {
      await this.addon.pfkeyRequest(this.handle, 'delete', { protocol, dst, spi, ...(src ? { src } : {}) });
    } finally {
      this.mine.removed(protocol, dst, spi);
    }
  }

  /** One policy change: SPDADD, SPDUPDATE (replace the template; OpenBSD: ADDFLOW again) or SPDDELETE. */
  private policy(op: FlowOp, f: KernelFlowSpec): Promise<Buffer> {
    return this.addon.pfkeyRequest(this.handle, op === 'add' ? 'spdadd' : op === 'update' ? 'spdupdate' : 'spddelete', toNativeFlow(f));
  }

  async addFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    await this.mine.addFlow(f, async (op, g) => void (await this.policy(op, g)));
  }

  async deleteFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    await this.mine.deleteFlow(f, async (op, g) => void (await this.policy(op, g)));
  }

  async getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    this.check();
    const src = this.mine.sa(protocol, dst, spi)?.src;
    const reply = parsePfkey(
      await this.addon.pfkeyRequest(this.handle, 'get', { protocol, dst, spi, ...(src ? { src } : {}) }),
    );
    return counters(reply);
  }

  async flush(): Promise<void> {
    this.check();
    await this.mine.flush(this.name, async (f) => void (await this.policy('delete', f)), (s) => this.deleteSa(s.protocol, s.dst, s.spi), { flow: ['ENOENT'], sa: ['ESRCH', 'ENOENT'] });
  }

  onEvent(cb: (e: KernelEvent) => void): void {
    this.check();
    this.listeners.push(cb);
    if (this.subscribed) return;
    this.subscribed = true;
    this.addon.pfkeySubscribe(this.handle, (msg) => {
      const e = this.decodeEvent(msg);
      if (e) for (const l of this.listeners) l(e);
    });
  }

  /** SADB_ACQUIRE / SADB_EXPIRE -> KernelEvent (undefined if malformed) */
  decodeEvent(buf: Buffer): KernelEvent | undefined {
    try {
      return this.eventOf(parsePfkey(buf));
    } catch {
      return undefined; // a short message, extension or sockaddr
    }
  }

  private eventOf(m: PfkeyMessage): KernelEvent | undefined {
    const src = m.exts.get(SADB_EXT.ADDRESS_SRC);
    const dst = m.exts.get(SADB_EXT.ADDRESS_DST);
    if (m.type === SADB.EXPIRE && dst && m.exts.has(SADB_EXT.SA)) {
      const protocol = satypeProtocol(this.dialect, m.satype);
      const e: KernelEvent = {
        type: 'expire',
        hard: m.exts.has(SADB_EXT.LIFETIME_HARD),
        spi: saSpi(m),
        dst: parseAddressExt(dst, this.dialect).addr,
        protocol,
      };
      if (e.hard) this.mine.removed(protocol, e.dst, e.spi);
      return e;
    }
    if (m.type === SADB.ACQUIRE && src && dst) {
      const s = parseAddressExt(src, this.dialect);
      const d = parseAddressExt(dst, this.dialect);
      const sf = m.exts.get(OPENBSD_EXT.SRC_FLOW);
      const df = m.exts.get(OPENBSD_EXT.DST_FLOW);
      const selector =
        this.dialect === 'openbsd' && sf && df
          ? {
              src: parseAddressExt(sf, this.dialect).addr,
              dst: parseAddressExt(df, this.dialect).addr,
              proto: 0,
            }
          : { src: `${s.addr}/${s.plen}`, dst: `${d.addr}/${d.plen}`, proto: s.proto };
      return { type: 'acquire', src: s.addr, dst: d.addr, selector };
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.length = 0;
    this.addon.pfkeyClose(this.handle);
  }
}
