/**
 * `node dist/bench/parent-kernel-load.js [--sas N] [--checkpoint N] [--window N] [--bound | --young] [--node-args "..."]`:
 * the privsep parent's kernel work alone, without IKE: a child process runs what the parent
 * runs for the engine's kernel requests (parent-kernel-main.ts: KernelService, decoupled
 * adapter); this process is the engine's KernelProxy and, per SA, asks what a responder's
 * Child SA asks (allocSpi; both SAs and three flows in one tick; their removal in one tick),
 * `window` SAs at a time. Every `checkpoint` SAs it pauses 2 s (as the soak does) and prints
 * the child's RSS and CPU per SA: the parent's memory and CPU per SA under V8 options
 * (--node-args, for the child) or its own heap bounds (--bound; --young: the young generation's
 * alone), measured apart from the engine.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { FrameChannel } from '../src/proc/privsep/frame-channel';
import { KernelProxy } from '../src/proc/privsep/kernel-proxy';
import { MAX_FRAME } from '../src/proc/privsep/messages';
import type { KernelFlowSpec, KernelSaSpec } from '../src/platform/types';
import { ENCR } from '../src/wire/iana';
import { cpuMs, rssKb } from './proc-stats';

const LOCAL = '192.0.2.2';
const LOCAL_NET = '10.2.0.0/16';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

function saSpec(spi: number, src: string, dst: string): KernelSaSpec {
  return {
    protocol: 'esp', mode: 'tunnel', src, dst, spi, reqid: spi & 0xffff,
    encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: Buffer.alloc(20, spi & 0xff), icvLen: 16 },
    esn: false, replayWindow: 64,
    lifetime: { softSeconds: 3000, hardSeconds: 3600, softBytes: 0, hardBytes: 0 },
    encap: { sport: 4500, dport: 4500 },
  };
}

/** A responder's flows for a peer with one inner address (out, in, fwd). */
export function responderFlows(peer: string, inner: string, reqid: number): KernelFlowSpec[] {
  const t = { proto: 0, protocol: 'esp' as const, mode: 'tunnel' as const, reqid };
  return [
    { ...t, dir: 'out', src: LOCAL_NET, dst: inner, tunnelSrc: LOCAL, tunnelDst: peer },
    { ...t, dir: 'in', src: inner, dst: LOCAL_NET, tunnelSrc: peer, tunnelDst: LOCAL },
    { ...t, dir: 'fwd', src: inner, dst: LOCAL_NET, tunnelSrc: peer, tunnelDst: LOCAL },
  ];
}

async function oneSa(k: KernelProxy, n: number): Promise<void> {
  const peer = `192.0.2.${100 + (n % 8)}`;
  const inner = `10.64.${(n >> 8) & 0xff}.${n & 0xff}/32`;
  const spiIn = await k.allocSpi('esp', peer, LOCAL);
  const spiOut = (0x10000000 + n) >>> 0;
  const flows = responderFlows(peer, inner, spiIn & 0xffff);
  await Promise.all([k.addSa(saSpec(spiIn, peer, LOCAL)), k.addSa(saSpec(spiOut, LOCAL, peer)), ...flows.map((f) => k.addFlow(f))]);
  await Promise.all([k.deleteSa('esp', LOCAL, spiIn), k.deleteSa('esp', peer, spiOut), ...flows.map((f) => k.deleteFlow(f))]);
}

async function main(): Promise<void> {
  const total = Number(arg('--sas', '200000'));
  const checkpoint = Number(arg('--checkpoint', '20000'));
  const window = Number(arg('--window', '32'));
  const bound = process.argv.includes('--bound') ? 'bound' : process.argv.includes('--young') ? 'young' : '';
  const nodeArgs = arg('--node-args', '').split(' ').filter(Boolean);
  const child = fork(path.join(__dirname, 'parent-kernel-main.js'), bound ? [bound] : [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'], execArgv: nodeArgs });
  const channel = new FrameChannel(child.stdio[4] as Socket, { name: 'driver->parent', maxFrame: MAX_FRAME.parentEngine, onFatal: (r) => { throw new Error(r); } });
  const k = new KernelProxy(channel);
  await k.allocSpi('esp', '192.0.2.1', LOCAL); // the child is up
  const label = `${bound || 'V8 defaults'}${nodeArgs.length ? ` ${nodeArgs.join(' ')}` : ''}`;
  let done = 0;
  let cpu0 = cpuMs(child.pid!);
  let own0 = process.cpuUsage();
  const rss: number[] = [];
  while (done < total) {
    const n = Math.min(checkpoint, total - done);
    let next = done;
    const end = done + n;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: window }, async () => {
      while (next < end) await oneSa(k, next++);
    }));
    const wall = Date.now() - t0;
    done = end;
    await new Promise((r) => setTimeout(r, 2000));
    const mem = await new Promise<Record<string, number>>((resolve) => {
      child.once('message', (m) => resolve(m as Record<string, number>));
      child.send('sample');
    });
    const cpu = cpuMs(child.pid!);
    // this process is the engine's side of the channel: its CPU (the proxy's encoding, the replies' decoding) too
    const own = process.cpuUsage(own0);
    own0 = process.cpuUsage();
    rss.push(rssKb(child.pid!));
    console.log(`parent-kernel (${label}): ${done} SAs, ${((n * 1000) / wall).toFixed(0)} SA/s, parent ${rss[rss.length - 1]} kB, ${((cpu - cpu0) / n * 1000).toFixed(1)} µs CPU/SA, engine side ${((own.user + own.system) / 1000 / n * 1000).toFixed(1)} µs CPU/SA; ${Object.entries(mem).map(([k, v]) => `${k} ${v}`).join(' ')}`);
    cpu0 = cpu;
  }
  const after = rss.slice(1);
  const lo = Math.min(...after);
  const hi = Math.max(...after);
  console.log(`BENCH parent_kernel label="${label}" sas=${total} rss_kb_first=${rss[0]} rss_kb_last=${rss[rss.length - 1]} rss_kb_min_after_first=${lo} rss_kb_max_after_first=${hi} swing_pct=${(((hi - lo) / lo) * 100).toFixed(1)}`);
  channel.close();
  child.kill();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
