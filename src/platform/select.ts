/**
 * Picks the kernel adapter at run time: `set decouple` -> DecoupledAdapter;
 * Linux -> XFRM netlink first, PF_KEY (af_key) as fallback; OpenBSD -> PFKEYv2
 * with flows; macOS/FreeBSD/NetBSD -> KAME PFKEYv2.
 */
import * as os from 'node:os';
import { DecoupledAdapter, type DecoupledOptions } from './decoupled';
import type { KernelAdapter } from './types';
import type { KernelRecord } from './kernel-record';

export interface OpenKernelOptions {
  force?: 'xfrm' | 'pfkey' | 'decoupled';
  decoupled?: boolean;
  /** log sink for the decoupled adapter */
  log?: DecoupledOptions['log'];
  /** whether `log` shows anything now */
  logging?: DecoupledOptions['logging'];
  /** where a kernel adapter writes what it installs (kernel-record.ts); not used when decoupled */
  record?: KernelRecord;
  /** for tests: pretend to be another OS */
  platform?: NodeJS.Platform;
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function openKernel(opts: OpenKernelOptions = {}): Promise<KernelAdapter> {
  if (opts.decoupled || opts.force === 'decoupled') return new DecoupledAdapter({ log: opts.log, logging: opts.logging });
  const platform = opts.platform ?? os.platform();
  switch (platform) {
    case 'linux': {
      // lazy imports: the native addon is loaded only when a kernel adapter is really needed
      const { XfrmAdapter } = await import('./xfrm');
      const { PfkeyAdapter } = await import('./pfkey');
      const { record } = opts;
      if (opts.force === 'xfrm') return XfrmAdapter.open({ probeEsp: true, record });
      if (opts.force === 'pfkey') return PfkeyAdapter.open('pfkey-linux', { record });
      let xfrmErr: unknown;
      try {
        return await XfrmAdapter.open({ probeEsp: true, record });
      } catch (e) {
        xfrmErr = e;
      }
      try {
        return await PfkeyAdapter.open('pfkey-linux', { record });
      } catch (e) {
        throw new Error(
          `no usable IPsec kernel interface: XFRM: ${msg(xfrmErr)}; PF_KEY: ${msg(e)} ` +
            `(use 'set decouple' to run without kernel SAs)`,
        );
      }
    }
    case 'openbsd': {
      if (opts.force === 'xfrm') throw new Error('XFRM netlink exists only on Linux (this is openbsd)');
      const { PfkeyAdapter } = await import('./pfkey');
      return PfkeyAdapter.open('pfkey-openbsd', { record: opts.record });
    }
    case 'darwin':
    case 'freebsd':
    case 'netbsd': {
      if (opts.force === 'xfrm') throw new Error(`XFRM netlink exists only on Linux (this is ${platform})`);
      const { PfkeyAdapter } = await import('./pfkey');
      return PfkeyAdapter.open('pfkey-kame', { record: opts.record });
    }
    default:
      throw new Error(`no kernel IPsec adapter for platform '${platform}' (use 'set decouple')`);
  }
}
