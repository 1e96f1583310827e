/**
 * What the robustness modes (flood, auth-flood, soak) share: the responder under
 * test in the responder namespace pinned to CPU 0 with its DoS defences at their
 * defaults, our load client, the handshake capacity measurement, and the
 * kernel's UDP counters (datagrams the daemon was too slow to read).
 */
import { execFileSync } from 'node:child_process';
import { benchCase, BenchCase } from './bench-configs';
import { ClientProcess } from './client-process';
import { startCharon, startIked, Responder } from './responders';
import { treeCpuMs } from './proc-stats';
import { runCommand } from '../test/interop/lib/run-command';
import type { FloodTopology } from './flood-topology';
import type { RobustnessOptions } from './robustness-options';

export const RESPONDER_CPU = 0;
export const CLIENT_CPU = 1;
/** PSK and ECDH P-256: the cheapest handshake, so an attack is measured against the highest capacity. */
export const CASE: BenchCase = benchCase('psk-ecp256');

export type Daemon = 'ours' | 'charon';

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** This process (and what it spawns) onto the client CPU, off the responder's. */
export function pinSelf(cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Our iked with the engine's default cookie threshold (64 half-open SAs) and
 * half-open limit (4096), or charon with its default dos_protection = yes
 * (cookie_threshold 30, cookie_threshold_ip 3, block_threshold 5 per IP).
 */
export function startDefended(daemon: Daemon, topo: FloodTopology, baseDir: string, repoRoot: string, o: RobustnessOptions): Promise<Responder> {
  const ro = { ns: topo.responderNs, serverAddr: topo.serverAddr, cpu: RESPONDER_CPU, baseDir, repoRoot, pki: null, privsep: o.privsep };
  return daemon === 'ours' ? startIked(CASE, { ...ro, ikedEnv: { IKED_COOKIE_THRESHOLD: '' } }) : startCharon(CASE, { ...ro, charonSettings: { dos_protection: 'yes' } });
}

export function startLoadClient(topo: FloodTopology, repoRoot: string): Promise<ClientProcess> {
  return ClientProcess.start({ ns: topo.attacker.ns, cpu: CLIENT_CPU, caseName: CASE.name, server: topo.serverAddr, addresses: topo.clientAddrs, repoRoot });
}

export interface Capacity {
  established: number;
  failed: number;
  saPerSec: number;
  cpuMsPerSa: number;
}

/** Full handshakes per second (each SA deleted once up) after a warm-up: what the responder can serve. */
export async function measureCapacity(r: Responder, topo: FloodTopology, repoRoot: string, o: RobustnessOptions): Promise<Capacity> {
  const client = await startLoadClient(topo, repoRoot);
  try {
    if (o.capacityWarmup) await client.run(o.capacityWarmup, 1_000_000, 32, 1000, true);
    const cpu0 = treeCpuMs(r.pid);
    const d = await client.run(o.capacityCount, 2_000_000, 32, 1000, true);
    if (!d.established) throw new Error(`${r.daemon}: no SA in the capacity run: ${JSON.stringify(d.failures)}\n${r.logTail(20)}`);
    return { established: d.established, failed: d.failed, saPerSec: (d.established * 1000) / Math.max(1, d.wallMs), cpuMsPerSa: (treeCpuMs(r.pid) - cpu0) / d.established };
  } finally {
    await client.quit();
  }
}

export interface UdpCounters {
  inDatagrams: number;
  rcvbufErrors: number;
}

/** /proc/net/snmp's Udp line in a namespace (RcvbufErrors: datagrams dropped on a full socket buffer). */
export function parseUdpSnmp(text: string): UdpCounters {
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) throw new Error('no Udp lines in /proc/net/snmp');
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  const get = (n: string): number => values[names.indexOf(n)] ?? NaN;
  return { inDatagrams: get('InDatagrams'), rcvbufErrors: get('RcvbufErrors') };
}

export async function udpCounters(ns: string): Promise<UdpCounters> {
  const r = await runCommand(['ip', 'netns', 'exec', ns, 'cat', '/proc/net/snmp']);
  return parseUdpSnmp(r.stdout);
}
