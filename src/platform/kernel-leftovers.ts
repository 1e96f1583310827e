/**
 * At start, before anything is installed: the SAs and policies a killed iked left in
 * the kernel (its record, kernel-record.ts) are removed through the adapter that
 * installed them, and only those; a foreign SA or policy is never in the record.
 * Refuses while the record's writer is still running (a second iked must not take
 * the first one's tunnels down).
 */
import { readKernelRecord, recordOwnerAlive, type KernelRecord, type RecordEntry } from './kernel-record';
import { openKernel } from './select';
import type { KernelAdapter } from './types';

/** An adapter that can take over a previous iked's entries (XFRM, PF_KEY). */
export interface AdoptingAdapter extends KernelAdapter {
  adopt(entries: Iterable<RecordEntry>): void;
}

/** Entries in memory: what the removal could not remove stays here. */
class MemoryRecord implements KernelRecord {
  constructor(readonly entries: Map<string, RecordEntry>) {}
  put(key: string, entry: RecordEntry): void {
    this.entries.set(key, entry);
  }
  drop(key: string): void {
    this.entries.delete(key);
  }
}

export interface LeftoverOptions {
  info(m: string): void;
  warn(m: string): void;
  /** opens the adapter the record names, writing into `record` (default: platform/select.ts openKernel) */
  open?: (adapter: string, record: KernelRecord) => Promise<AdoptingAdapter>;
}

function openRecorded(adapter: string, record: KernelRecord): Promise<AdoptingAdapter> {
  const force = adapter === 'xfrm' ? 'xfrm' : adapter.startsWith('pfkey') ? 'pfkey' : null;
  if (!force) throw new Error(`unknown kernel adapter '${adapter}'`);
  return openKernel({ force, record }) as Promise<AdoptingAdapter>;
}

export interface Leftovers {
  /** what is still listed (could not be removed): carried into the new record */
  remaining: Map<string, RecordEntry>;
  /** the adapter they belong to */
  adapter?: string;
}

const count = (m: Iterable<RecordEntry>): string => {
  let sas = 0;
  let flows = 0;
  for (const e of m) 'sa' in e ? sas++ : flows++;
  return `${sas} SAs and ${flows} policies`;
};

export async function removeKernelLeftovers(path: string, o: LeftoverOptions): Promise<Leftovers> {
  const rec = readKernelRecord(path);
  if (!rec) return { remaining: new Map() };
  if (recordOwnerAlive(rec.owner)) {
    throw new Error(`${path}: iked pid ${rec.owner} is running with SAs in this kernel (stop it first, or give this one another IKED_KERNEL_RECORD)`);
  }
  if (rec.badLines) o.warn(`kernel: ${path}: ${rec.badLines} unreadable lines skipped`);
  if (!rec.entries.size) return { remaining: rec.entries, adapter: rec.adapter };
  const what = `${count(rec.entries.values())} left by iked pid ${rec.owner ?? '?'} (${rec.adapter ?? 'unknown adapter'})`;
  const record = new MemoryRecord(new Map(rec.entries));
  let k: AdoptingAdapter;
  try {
    k = await (o.open ?? openRecorded)(rec.adapter ?? '', record);
  } catch (e) {
    o.warn(`kernel: cannot remove the ${what}: ${e instanceof Error ? e.message : String(e)}; kept in ${path}`);
    return { remaining: rec.entries, adapter: rec.adapter };
  }
  try {
    k.adopt(rec.entries.values());
    await k.flush();
    o.info(`kernel: removed the ${what}`);
  } catch (e) {
    o.warn(`kernel: removing the ${what}: ${e instanceof Error ? e.message : String(e)}; ${count(record.entries.values())} kept in ${path}`);
  } finally {
    await k.close().catch(() => undefined);
  }
  return { remaining: record.entries, adapter: rec.adapter };
}
