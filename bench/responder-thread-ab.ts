/**
 * `node dist/bench/responder-thread-ab.js TREE_A TREE_B [segments] [per-segment]`: the responder's
 * CPU per SA (psk-ecp256, each SA deleted once up) of two builds of this repository, A and B (each
 * a directory with dist/ and build/), in one process: each build's responder Engine runs in a worker
 * thread of its own and is timed by that thread's CPU (/proc/thread-self/schedstat), its load
 * clients on the main thread; segments alternate A,B then B,A. Run it in both orders: the second
 * worker has come out a few per cent faster even with A = B. Linux only.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import type { Endpoint } from '../src/wire/endpoint';

type Configs = typeof import('./bench-configs');
type InprocPair = typeof import('./inproc-pair');
type LoadInitiator = typeof import('./load-initiator');
type AuthProviders = typeof import('../src/ikev2/policy/auth-provider');
type SilentLogger = typeof import('./silent-logger');

const SERVER = '192.0.2.2';
const load = <T>(tree: string, file: string): T => require(`${tree}/dist/${file}`) as T;

interface Datagram {
  packet: Uint8Array;
  local: Endpoint;
  remote: Endpoint;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const threadCpuNs = (): number => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);

/** The worker: one responder Engine of `tree`, its datagrams to and from the main thread. */
function responderThread(tree: string): void {
  const port = parentPort!;
  const c = load<Configs>(tree, 'bench/bench-configs.js').benchCase('psk-ecp256');
  const transport = {
    send: (packet: Buffer, local: Endpoint, remote: Endpoint) => port.postMessage({ packet, local, remote }),
    sourceFor: async () => SERVER,
  };
  const log = load<SilentLogger>(tree, 'bench/silent-logger.js').silentLogger();
  const auth = load<AuthProviders>(tree, 'src/ikev2/policy/auth-provider.js').noCertificates;
  const e = load<InprocPair>(tree, 'bench/inproc-pair.js').responderEngine(c, transport, auth, log);
  port.on('message', (m: Datagram | { cpu: true }) => {
    if ('cpu' in m) port.postMessage({ cpu: threadCpuNs() });
    else e.handleDatagram(asBuffer(m.packet), m.local, m.remote);
  });
}

interface Side {
  /** n SAs; the responder thread's CPU per SA in ms */
  segment(n: number, warmUp?: boolean): Promise<number>;
}

function side(tree: string): Side {
  const c = load<Configs>(tree, 'bench/bench-configs.js').benchCase('psk-ecp256');
  const { runLoad } = load<LoadInitiator>(tree, 'bench/load-initiator.js');
  const pair = load<InprocPair>(tree, 'bench/inproc-pair.js').makePair(c, 4);
  for (const lc of pair.clients) lc.release = true;
  const w = new Worker(__filename, { workerData: { tree } });
  const toClients = pair.net.transportFor();
  let cpuWait: (ns: number) => void = () => undefined;
  w.on('message', (m: Datagram | { cpu: number }) => {
    if ('cpu' in m) cpuWait(m.cpu);
    else toClients.send(asBuffer(m.packet), m.local, m.remote);
  });
  // the pair's own responder stays idle: datagrams to the server address go to the worker
  const relay = { handleDatagram: (packet: Buffer, local: Endpoint, remote: Endpoint) => w.postMessage({ packet, local, remote }) };
  pair.net.register(SERVER, 500, relay as unknown as Parameters<typeof pair.net.register>[2]);
  const cpu = (): Promise<number> => new Promise((r) => ((cpuWait = r), w.postMessage({ cpu: true })));
  return {
    async segment(n, warmUp = false) {
      const c0 = await cpu();
      const r = await runLoad(pair.clients, n, 32, warmUp ? 1_000_000 : undefined);
      const c1 = await cpu();
      if (r.established !== n) throw new Error(`${tree}: ${r.established}/${n} established ${JSON.stringify(r.failures)}`);
      return (c1 - c0) / 1e6 / n;
    },
  };
}

function median(a: number[]): number {
  const q = [...a].sort((x, y) => x - y);
  return q.length % 2 ? q[(q.length - 1) / 2] : (q[q.length / 2 - 1] + q[q.length / 2]) / 2;
}

async function main(): Promise<void> {
  const [a, b] = [process.argv[2], process.argv[3]];
  if (!a || !b) throw new Error('usage: responder-thread-ab.js TREE_A TREE_B [segments] [per-segment]');
  const segments = Number(process.argv[4] ?? 24);
  const per = Number(process.argv[5] ?? 400);
  const sides = [side(a), side(b)];
  for (let i = 0; i < 2; i++) for (const s of sides) await s.segment(400, true);
  const t: number[][] = [[], []];
  for (let i = 0; i < segments; i++) for (const k of i % 2 ? [1, 0] : [0, 1]) t[k].push(await sides[k].segment(per));
  const ratios = t[0].map((x, i) => t[1][i] / x);
  console.log(
    `A ${median(t[0]).toFixed(4)} B ${median(t[1]).toFixed(4)} ms responder CPU per SA (segment medians); ` +
      `B/A median ${median(ratios).toFixed(4)}, B lower in ${ratios.filter((r) => r < 1).length} of ${ratios.length}`,
  );
  process.exit(0);
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
} else {
  responderThread((workerData as { tree: string }).tree);
}
