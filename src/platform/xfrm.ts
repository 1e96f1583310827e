/**
 * Linux XFRM netlink adapter: thin wrapper over the native addon
 * (native/xfrm_netlink.c). Remembers what it installed so that flush()
 * removes only our SAs and policies.
 */
import { supportsFor, xfrmAlgorithms } from './algorithms';
import { inCallOrder } from './call-order';
import { InstalledState } from './installed-state';
import type { KernelRecord, RecordEntry } from './kernel-record';
import type { FlowOp } from './flow-shares';
import { loadKernelAddon, type KernelAddon, type NativeFlow, type NativeHandle, type NativeXfrmEvent } from './native-binding';
import type { IpsecProtocol, KernelAdapter, KernelEvent, KernelFlowSpec, KernelSaSpec, SaCounters } from './types';

export interface XfrmOpenOptions {
  /** check that the kernel can install ESP SAs (fails with "kernel has no ESP support") */
  probeEsp?: boolean;
  /** open the netlink sockets inside this network namespace (e.g. /run/netns/left) */
  netns?: string;
  /** write what is installed and removed here (kernel-record.ts) */
  record?: KernelRecord;
}

type WithFns<T, K extends keyof T> = T & { [P in K]-?: T[P] };
type XfrmAddon = WithFns<
  KernelAddon,
  'xfrmOpen' | 'xfrmClose' | 'xfrmProbeEsp' | 'xfrmAllocSpi' | 'xfrmAddSa' | 'xfrmDeleteSa' | 'xfrmGetSa' | 'xfrmPolicy' | 'xfrmSubscribe'
>;

/** default policy priority: more specific selectors win (lower value = higher priority in XFRM) */
export function defaultPriority(f: KernelFlowSpec): number {
  const plen = (cidr: string): number => {
    const [a, p] = cidr.split('/');
    return p !== undefined ? Number(p) : a.includes(':') ? 128 : 32;
  };
  return 0x4000 - plen(f.src) - plen(f.dst) - (f.proto ? 1 : 0) - (f.sport ? 1 : 0) - (f.dport ? 1 : 0);
}

export function toNativeFlow(f: KernelFlowSpec): NativeFlow {
  return { ...f, priority: f.priority ?? defaultPriority(f) };
}

export class XfrmAdapter implements KernelAdapter {
  /** What the adapter can install (platform/algorithms.ts supportsFor, by the adapter's name). */
  supports(encrId: number, integId: number, esn: boolean): boolean {
    return supportsFor(this.name)(encrId, integId, esn);
  }

  readonly name = 'xfrm';
  /** ours, for flush(); after ALLOCSPI the kernel holds a larval SA, so the SA is installed with UPDSA */
  private readonly mine: InstalledState;
  private readonly listeners: Array<(e: KernelEvent) => void> = [];
  private subscribed = false;
  private closed = false;

  private constructor(
    private readonly addon: XfrmAddon,
    private readonly handle: NativeHandle,
    record?: KernelRecord,
  ) {
    this.mine = new InstalledState(record);
  }

  /** SAs and policies a previous iked left (its record): the next flush() removes them. */
  adopt(entries: Iterable<RecordEntry>): void {
    this.mine.adopt(entries);
  }

  static async open(opts: XfrmOpenOptions = {}): Promise<XfrmAdapter> {
    const addon = loadKernelAddon();
    if (!addon.xfrmOpen) throw new Error(`XFRM is not available in this addon (adapters: ${addon.adapters})`);
    const a = addon as XfrmAddon;
    let h: NativeHandle;
    try {
      h = a.xfrmOpen(opts.netns);
    } catch (e) {
      throw new Error(`cannot open XFRM netlink: ${(e as Error).message}`);
    }
    if (opts.probeEsp) {
      try {
        await a.xfrmProbeEsp(h);
      } catch (e) {
        a.xfrmClose(h);
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EPROTONOSUPPORT') {
          throw new Error(`kernel has no ESP support (is esp4 loaded?): ${err.message}`);
        }
        if (err.code === 'ENOSYS' || err.code === 'ENOENT') {
          throw new Error(`kernel crypto is missing (crypto_null? xfrm_algo?): ${err.message}`);
        }
        throw new Error(`XFRM ESP probe failed: ${err.message}`);
      }
    }
    return new XfrmAdapter(inCallOrder(a, ['xfrmAllocSpi', 'xfrmAddSa', 'xfrmDeleteSa', 'xfrmPolicy', 'xfrmGetSa']), h, opts.record);
  }

  private check(): void {
    if (this.closed) throw new Error('XFRM adapter is closed');
  }

  async allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number> {
    this.check();
    const spi = await this.addon.xfrmAllocSpi(this.handle, { protocol, src, dst, min: 0x100, max: 0xffffffff });
    this.mine.allocated({ protocol, src, dst, spi });
    return spi;
  }

  private async install(sa: KernelSaSpec, update: boolean): Promise<void> {
    this.check();
    const algs = xfrmAlgorithms(sa);
    await this.addon.xfrmAddSa(
      this.handle,
      {
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
        selector: sa.selector,
      },
      update,
    );
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
    try {
      await this.addon.xfrmDeleteSa(this.handle, { protocol, dst, spi });
    } finally {
      this.mine.removed(protocol, dst, spi);
    }
  }

  /** One policy change: XFRM's update adds a policy or replaces the template of an existing one. */
  private policy(op: FlowOp, f: KernelFlowSpec): Promise<void> {
    return this.addon.xfrmPolicy(this.handle, toNativeFlow(f), op === 'delete' ? 'delete' : 'update');
  }

  async addFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    await this.mine.addFlow(f, (op, g) => this.policy(op, g));
  }

  async deleteFlow(f: KernelFlowSpec): Promise<void> {
    this.check();
    await this.mine.deleteFlow(f, (op, g) => this.policy(op, g));
  }

  async getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters> {
    this.check();
    return this.addon.xfrmGetSa(this.handle, { protocol, dst, spi });
  }

  async flush(): Promise<void> {
    this.check();
    await this.mine.flush('XFRM', (f) => this.policy('delete', f), (s) => this.deleteSa(s.protocol, s.dst, s.spi), { flow: ['ENOENT'], sa: ['ESRCH'] });
  }

  onEvent(cb: (e: KernelEvent) => void): void {
    this.check();
    this.listeners.push(cb);
    if (this.subscribed) return;
    this.subscribed = true;
    this.addon.xfrmSubscribe(this.handle, (e) => this.dispatch(e));
  }

  private dispatch(n: NativeXfrmEvent): void {
    let e: KernelEvent;
    if (n.type === 'expire') {
      e = { type: 'expire', hard: n.hard === true, spi: n.spi ?? 0, dst: n.dst ?? '', protocol: n.protocol ?? 'esp' };
      // a hard expire means the kernel removed the SA itself
      if (n.hard) this.mine.removed(e.protocol, e.dst, e.spi);
    } else if (n.type === 'acquire') {
      e = {
        type: 'acquire',
        src: n.src ?? '',
        dst: n.dst ?? '',
        selector: n.selector ?? { src: '', dst: '', proto: 0 },
        ...(n.reqid !== undefined ? { reqid: n.reqid } : {}),
      };
    } else {
      e = { ...n, type: 'migrate' };
    }
    for (const l of this.listeners) l(e);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.length = 0;
    this.addon.xfrmClose(this.handle);
  }
}
