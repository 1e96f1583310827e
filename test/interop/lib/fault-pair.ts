/**
 * One fault case's setting: two namespaces (makeTwoHosts), the fault on both hosts
 * (faults.ts), a capture of what each host receives (ike-capture.ts), strongSwan's
 * charon in b and our iked in a (PSK, aes128gcm16-prfsha256-ecp256, ESP aes128gcm16
 * with PFS ecp256, our lifetimes short so that iked rekeys by itself). finish() stops
 * the daemons and reads every figure; cleanup() removes everything (after finish or not).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, IKE_PROPOSALS, ikedConf, swanConf, makeTwoHosts, Charon, IkedProcess, TwoHosts } from './scenario';
import { applyFault, Fault, readFaultCounters, readSlowClass, SEQ_MODULUS, Sink } from './faults';
import { Capture, startInboundCapture } from './ike-capture';
import { orderReport } from './ike-order';
import { initAnsweredTwice } from './ike-init-answers';
import { charonFigures, ikedFigures } from './fault-figures';
import { waitFor } from './ns-daemon';
import { CaseFigures, Role } from './case-figures';

export interface PairTiming {
  childLifetimeS: number;
  ikeLifetimeS: number;
  /** Environment of our iked (IKED_RETRANSMIT_MS, IKED_RETRANSMIT_TRIES). */
  ikedEnv: Record<string, string>;
  /** charon { } settings (retransmit_*). */
  charon: Record<string, number>;
}

export interface FaultPair {
  topo: TwoHosts;
  iked: IkedProcess;
  charon: Charon;
  /** Stop both daemons, then read counters, captures and logs. */
  finish(extra: Pick<CaseFigures, 'stepsMs' | 'leftover'>): Promise<CaseFigures>;
  cleanup(): Promise<void>;
}

export async function startFaultPair(prefix: string, fault: Fault, role: Role, sink: Sink, timing: PairTiming): Promise<FaultPair> {
  const topo = await makeTwoHosts(prefix);
  const work = mkdtempSync(join(tmpdir(), 'iked-faults-'));
  const caps: Capture[] = [];
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  const cleanup = async (): Promise<void> => {
    for (const cap of caps.splice(0)) await cap.stop().catch(() => undefined);
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
    if (process.env.IKED_INTEROP_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  };
  try {
    const { a: A, b: B } = topo;
    await applyFault(A.ns, A.outIf, B.addr, fault, sink);
    await applyFault(B.ns, B.outIf, A.addr, fault, sink);
    caps.push(await startInboundCapture(A.ns, A.outIf, join(work, 'a.pcap'), sink.mac), await startInboundCapture(B.ns, B.outIf, join(work, 'b.pcap'), sink.mac));
    const ike = IKE_PROPOSALS[0];
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: ike.swan, esp: 'aes128gcm16-ecp256', localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' } }),
      // net=1: every datagram sent and received; enc=1: every message parsed
      logLevels: { default: 1, ike: 1, net: 1, enc: 1, knl: 1, cfg: 1 },
      charonSettings: timing.charon,
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({
        active: role === 'initiator', local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: ike.iked, esp: 'enc aes-128-gcm group ecp256',
        srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' }, extra: `ikelifetime ${timing.ikeLifetimeS} lifetime ${timing.childLifetimeS}`,
      }),
      env: timing.ikedEnv,
      extraArgs: ['-v'],
    });
  } catch (e) {
    await cleanup();
    throw e;
  }
  const d = iked;
  const c = charon;
  const finish = async (extra: Pick<CaseFigures, 'stepsMs' | 'leftover'>): Promise<CaseFigures> => {
    const { a: A, b: B } = topo;
    const ours = await ikedFigures(d);
    const childExpiredBeforeRekey = (d.log().match(/deleting Child SA 0x\w+: lifetime of 0x\w+ expired/g) ?? []).length;
    await d.stop();
    await c.stop({ keepFiles: true });
    const theirs = charonFigures(c.log());
    let slow: { a: number; b: number } | undefined;
    if (fault.kind === 'reorder') {
      // datagrams the daemons sent last may still be held back: count once they are out
      const held = async (): Promise<{ a: number; b: number; backlog: number }> => {
        const [x, y] = [await readSlowClass(A.ns, A.outIf), await readSlowClass(B.ns, B.outIf)];
        return { a: x.sent, b: y.sent, backlog: x.backlog + y.backlog };
      };
      await waitFor(async () => (await held()).backlog === 0, 10_000, 'the slow classes to empty', 100);
      const h = await held();
      slow = { a: h.a, b: h.b };
    }
    const [a, b] = [await readFaultCounters(A.ns), await readFaultCounters(B.ns)];
    const [gotA, gotB] = [await caps[0].stop(), await caps[1].stop()];
    caps.length = 0;
    return {
      fault: fault.kind, role, ...extra, a, b, ours, theirs, slow, childExpiredBeforeRekey,
      atA: orderReport(gotA, SEQ_MODULUS),
      atB: orderReport(gotB, SEQ_MODULUS),
      // the IKE_SA_INIT answers charon received from us (requests as we received them), and the other way round
      initTwice: { iked: initAnsweredTwice(gotA, gotB), charon: initAnsweredTwice(gotB, gotA) },
    };
  };
  return { topo, iked: d, charon: c, finish, cleanup };
}
