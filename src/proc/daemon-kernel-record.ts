/**
 * The daemon's kernel record (platform/kernel-record.ts): at start the SAs and
 * policies a killed iked left are removed (platform/kernel-leftovers.ts); then every
 * kernel adapter the daemon opens (at start, at `ikectl couple`) writes into one
 * journal, created with the first real kernel adapter (a decoupled daemon writes
 * nothing). At a clean stop the journal is empty and its file goes.
 */
import { rmSync } from 'node:fs';
import type { Logger } from '../log/logger';
import type { KernelAdapter } from '../platform/types';
import { KernelJournal, kernelRecordPath, type JournalOptions } from '../platform/kernel-record';
import { removeKernelLeftovers } from '../platform/kernel-leftovers';
import { openKernel, type OpenKernelOptions } from '../platform/select';

export class DaemonKernelRecord {
  private journal: KernelJournal | null = null;

  private constructor(
    readonly path: string,
    private readonly carried: JournalOptions,
  ) {}

  /** Remove what a killed iked left (throws while that iked still runs). */
  static async start(log: Logger, path = kernelRecordPath()): Promise<DaemonKernelRecord> {
    const left = await removeKernelLeftovers(path, { info: (m) => log.info(m), warn: (m) => log.warn(m) });
    const onWriteError = (e: Error): void => log.warn(`kernel: ${path}: ${e.message}: SAs and policies are no longer recorded (after a crash they stay in the kernel)`);
    const r = new DaemonKernelRecord(path, { entries: left.remaining, adapter: left.adapter, onWriteError });
    // entries that could not be removed stay listed for the next start; an empty record goes
    if (left.remaining.size) r.journal = KernelJournal.create(path, r.carried);
    else rmSync(path, { force: true });
    return r;
  }

  /** openKernel() whose real adapters write into the journal. */
  async open(opts: Omit<OpenKernelOptions, 'record'>): Promise<KernelAdapter> {
    if (opts.decoupled || opts.force === 'decoupled') return openKernel(opts);
    const created = !this.journal;
    this.journal ??= KernelJournal.create(this.path, this.carried);
    try {
      const k = await openKernel({ ...opts, record: this.journal });
      this.journal.setAdapter(k.name);
      return k;
    } catch (e) {
      if (created) {
        this.journal.close();
        this.journal = null;
      }
      throw e;
    }
  }

  /** After the adapters' flush and close: the file goes if nothing is left in it. */
  close(): void {
    this.journal?.close();
    this.journal = null;
  }
}
