/**
 * The privileged parent's V8 heap, kept small and steady. The parent does little per SA
 * (the engine's kernel requests: some 22 KB of short-lived objects and 0.1 ms of CPU),
 * but with V8's defaults its RSS swung by up to 20 MB between samples of an idle daemon
 * (soak, bench/RESULTS.md): the young generation grows with the bytes that survive a
 * scavenge (the SAs in flight) to 16 MB semi-spaces and shrinks when the daemon idles,
 * and the old generation fills with promoted garbage to 8 MB over the live heap (to
 * 35 MB before the first full collection) before it is collected.
 *   --semi-space-growth-factor=1  the young generation keeps its initial 1 MB semi-spaces
 *   --optimize-for-size           the old generation is collected 2 MB over the live heap
 * bench/parent-kernel-load.ts (the parent's kernel work alone; 3 runs of 90,000 SAs, sampled
 * every 30,000): RSS 92–98 MB with V8's defaults, 56–61 MB bounded; CPU per SA median 95 µs
 * against 97 µs (71–104 and 74–108: the spread is the shared machine). The young generation's
 * bound alone (4 runs of 120,000): RSS 64–70 MB; with --optimize-for-size too 56–62 MB, for
 * 4 µs more per SA once warm (mean 74 → 78 µs) and 15 µs more over the first 40,000 SAs;
 * in the daemon (soak, two runs of 40,000 handshakes each) RSS 76–96 → 64–69 MB for a mean
 * 0.121 → 0.144 ms CPU per SA (more frequent full collections).
 * The parent's command line cannot carry them (iked -d is started as `node iked.js`):
 * both are flags V8 reads when it sizes the heap, set here once the parent starts.
 * Children are forked with their own options (spawn-child.ts) and do not inherit them.
 */
import * as v8 from 'node:v8';

export const PARENT_HEAP_FLAGS = ['--semi-space-growth-factor=1', '--optimize-for-size'] as const;

/** From now on this process's young generation keeps its current (initial) size and its old generation stays close to the live heap. */
export function boundParentHeap(): void {
  for (const f of PARENT_HEAP_FLAGS) v8.setFlagsFromString(f);
}
