/**
 * Asking our iked over its control socket from the test process itself (what
 * `ikectl show sa|stats --json` prints), without starting an ikectl process per
 * question: waits that poll every 150 ms in several cases at once stay cheap.
 */
import { controlRequest } from '../../../src/proc/control-client';
import { IkedProcess } from './iked-process';
import { OurSa } from './compare-sa';

export async function showSa(iked: IkedProcess): Promise<OurSa[]> {
  const r = await controlRequest(iked.sock, { cmd: 'show-sa' });
  if (!r.ok || r.cmd !== 'show-sa') throw new Error(`show sa: ${r.ok ? `unexpected answer ${r.cmd}` : r.error}`);
  return r.sas as OurSa[];
}

export async function showStats(iked: IkedProcess): Promise<Record<string, number>> {
  const r = await controlRequest(iked.sock, { cmd: 'show-stats' });
  if (!r.ok || r.cmd !== 'show-stats') throw new Error(`show stats: ${r.ok ? `unexpected answer ${r.cmd}` : r.error}`);
  return r.stats;
}
