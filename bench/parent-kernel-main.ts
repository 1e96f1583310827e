/**
 * The measured side of parent-kernel-load.ts: what the privsep parent runs for the
 * engine's kernel requests (KernelService over a decoupled adapter) on fd 4, nothing
 * else (its "would install" messages unbuilt, as in the daemon). argv[2] 'bound': with the parent's heap bounds (src/proc/privsep/parent-heap.ts),
 * 'young': with its young-generation bound alone.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as v8 from 'node:v8';
import { FrameChannel } from '../src/proc/privsep/frame-channel';
import { KernelService } from '../src/proc/privsep/kernel-service';
import { MAX_FRAME } from '../src/proc/privsep/messages';
import { boundParentHeap, PARENT_HEAP_FLAGS } from '../src/proc/privsep/parent-heap';
import { DecoupledAdapter } from '../src/platform/decoupled';

if (process.argv[2] === 'bound') boundParentHeap();
else if (process.argv[2] === 'young') v8.setFlagsFromString(PARENT_HEAP_FLAGS[0]); // the young generation's bound alone
const sock = new net.Socket({ fd: 4, readable: true, writable: true });
const channel = new FrameChannel(sock, {
  name: 'parent<-driver',
  maxFrame: MAX_FRAME.parentEngine,
  onFatal: (r) => {
    process.stderr.write(`${r}\n`);
    process.exit(1);
  },
  onClose: () => process.exit(0),
});
new KernelService(new DecoupledAdapter({ log: () => undefined, logging: () => false }), channel);

/** Where the RSS is (kB): V8's heap spaces (committed), malloc's main arena ([heap]), other anonymous memory, files. */
export function memoryBreakdown(): Record<string, number> {
  const out: Record<string, number> = { rss: 0, v8_committed: 0, malloc_heap: 0, anon: 0, file: 0 };
  for (const sp of v8.getHeapSpaceStatistics()) out[`v8_${sp.space_name}`] = Math.round(sp.physical_space_size / 1024);
  out.v8_committed = Math.round(v8.getHeapStatistics().total_physical_size / 1024);
  let name = '';
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (m) {
      name = m[1] === '0' ? m[2] : 'file';
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (!r) continue;
    const kb = Number(r[1]);
    out.rss += kb;
    if (name === '[heap]') out.malloc_heap += kb;
    else if (name === 'file') out.file += kb;
    else out.anon += kb;
  }
  out.external = Math.round(process.memoryUsage().external / 1024);
  return out;
}

process.on('message', (m) => {
  if (m === 'sample') process.send?.(memoryBreakdown());
});
// SIGTERM at the end of the run: a normal exit, so node --cpu-prof writes the child's profile
process.on('SIGTERM', () => process.exit(0));
