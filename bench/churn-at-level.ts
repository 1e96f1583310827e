/**
 * The handshake rate at a held level: the responder holds `level` SAs while new ones keep
 * coming, each new SA past `level` retiring the load client's oldest (deleted by the client:
 * an INFORMATIONAL the responder answers). The rate is then a steady state at that level,
 * over enough SAs (tens of thousands) that both processes' major garbage collections are
 * spread over it as they are in a long run, which one filling chunk of a hold is not.
 * Run once at 10,000 and once at 100,000 held, the two rates answer "the rate at 100,000
 * against the rate at 10,000" with the same work per SA on both sides.
 */
import { ClientProcess } from './client-process';
import { cpuMs as procCpuMs, processTree, treeCpuMs } from './proc-stats';
import { procRole } from './proc-role';

export interface ChurnResult {
  /** SAs the responder holds throughout */
  level: number;
  /** new SAs measured (each also retired one old SA) */
  sas: number;
  saPerSec: number;
  /** responder CPU (all its processes) per new SA, its engine's alone, the load client's */
  cpuMsPerSa: number;
  engineCpuMsPerSa: number;
  clientCpuMsPerSa: number;
  /** each one's busy fraction of a CPU over the measured SAs */
  responderBusy: number;
  clientBusy: number;
  /** the load client's retransmissions at the end of the churn, counted since the client started (all its runs) */
  retransmits: number;
}

/**
 * The client already holds `level` SAs (numbered below `first`); establish `count` more
 * (numbers from `first`), retiring the oldest for each, and measure from the first to the
 * `count`-th. A tail of SAs runs past the measured ones so the measurement ends with the
 * pipeline full, not while it drains.
 */
export async function churnAt(client: ClientProcess, responderPid: number, level: number, count: number, window: number, first: number): Promise<ChurnResult> {
  const procs = processTree(responderPid);
  const engineCpu = (): number => procs.filter((p) => procRole(p) === 'engine').reduce((a, p) => a + procCpuMs(p), 0);
  const tail = Math.max(window * 4, 500);
  const t0 = Date.now();
  const cpu0 = treeCpuMs(responderPid);
  const eng0 = engineCpu();
  const cli0 = treeCpuMs(client.pid);
  let end: ChurnResult | null = null;
  const was = client.onProgress;
  client.onProgress = (done) => {
    if (done !== count || end) return;
    const wall = Math.max(1, Date.now() - t0);
    const cpu = treeCpuMs(responderPid) - cpu0;
    const cli = treeCpuMs(client.pid) - cli0;
    end = {
      level,
      sas: count,
      saPerSec: (count * 1000) / wall,
      cpuMsPerSa: cpu / count,
      engineCpuMsPerSa: (engineCpu() - eng0) / count,
      clientCpuMsPerSa: cli / count,
      responderBusy: cpu / wall,
      clientBusy: cli / wall,
      retransmits: 0, // set from the run's end below
    };
  };
  try {
    const d = await client.run(count + tail, first, window, count, false, level);
    if (!end) throw new Error(`churn at ${level}: ${d.established} of ${count + tail} established (${d.failed} failed: ${JSON.stringify(d.failures)})`);
    const r: ChurnResult = end;
    return { ...r, retransmits: d.retransmits };
  } finally {
    client.onProgress = was;
  }
}
