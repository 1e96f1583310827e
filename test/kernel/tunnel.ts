/** Installs a left <-> right ESP tunnel (SA pair + in/out policies) through any KernelAdapter. */
import type { KernelFlowSpec, KernelSaSpec } from '../../src/platform/types';
import { LEFT, RIGHT } from './netns-rig';

const NO_LIMIT = { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 };

/** SA pair + policies for a tunnel left <-> right, the same SAs in both namespaces */
export async function installTunnel(
  l: { addSa(s: KernelSaSpec): Promise<void>; addFlow(f: KernelFlowSpec): Promise<void> },
  r: { addSa(s: KernelSaSpec): Promise<void>; addFlow(f: KernelFlowSpec): Promise<void> },
  encr: () => KernelSaSpec['encr'],
  integ: (() => KernelSaSpec['integ']) | undefined,
  spiLR: number,
  spiRL: number,
): Promise<KernelSaSpec[]> {
  const mk = (src: string, dst: string, spi: number, reqid: number): KernelSaSpec => ({
    protocol: 'esp',
    mode: 'tunnel',
    src,
    dst,
    spi,
    reqid,
    encr: encr(),
    integ: integ?.(),
    esn: false,
    replayWindow: 32,
    lifetime: NO_LIMIT,
  });
  const lr = mk(LEFT.outer, RIGHT.outer, spiLR, 1);
  const rl = mk(RIGHT.outer, LEFT.outer, spiRL, 2);
  for (const a of [l, r]) {
    await a.addSa(lr);
    await a.addSa(rl);
  }
  const flow = (dir: 'in' | 'out', src: string, dst: string, ts: string, td: string, reqid: number): KernelFlowSpec => ({
    dir,
    src,
    dst,
    proto: 0,
    tunnelSrc: ts,
    tunnelDst: td,
    protocol: 'esp',
    mode: 'tunnel',
    reqid,
  });
  await l.addFlow(flow('out', LEFT.net, RIGHT.net, LEFT.outer, RIGHT.outer, 1));
  await l.addFlow(flow('in', RIGHT.net, LEFT.net, RIGHT.outer, LEFT.outer, 2));
  await r.addFlow(flow('out', RIGHT.net, LEFT.net, RIGHT.outer, LEFT.outer, 2));
  await r.addFlow(flow('in', LEFT.net, RIGHT.net, LEFT.outer, RIGHT.outer, 1));
  return [lr, rl];
}

