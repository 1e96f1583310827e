/**
 * Legitimate initiators while a responder is under attack: one Debian strongSwan
 * charon per namespace (kernel-libipsec, like bench's charon), pinned to the
 * client CPU. Each repeatedly brings up an IKE SA + Child SA with `swanctl
 * --initiate` and takes it down with `swanctl --terminate` (a DELETE the
 * responder answers); every attempt's outcome and wall time (swanctl's start to
 * its exit: includes swanctl's own start-up, a few tens of ms, see the baseline)
 * is kept with its start time, so a run can be split into phases.
 */
import { Charon } from '../test/interop/lib/charon';
import { runChecked, runCommand } from '../test/interop/lib/run-command';
import { BENCH_PSK, LAN_SERVER, SERVER_ID } from './bench-configs';
import type { Peer } from './flood-topology';

export interface Attempt {
  peer: number;
  /** ms since the peers were created. */
  start: number;
  ms: number;
  ok: boolean;
}

/** charon's retransmissions as initiator: 1, 1.4, 2.0, 2.7, 3.8 s, then give up (about 16 s). */
const INITIATOR_SETTINGS = { retransmit_timeout: 1, retransmit_base: 1.4, retransmit_tries: 5 };
const INITIATE_TIMEOUT_S = 25;

export function legitSwanctlConf(i: number, inner: string, serverAddr: string): string {
  return [
    'connections {',
    '  legit {',
    '    version = 2',
    `    remote_addrs = ${serverAddr}`,
    '    proposals = aes128-sha256-ecp256',
    '    local {',
    '      auth = psk',
    `      id = legit${i}.load.test`,
    '    }',
    '    remote {',
    '      auth = psk',
    `      id = ${SERVER_ID}`,
    '    }',
    '    children {',
    '      legit {',
    // inside the responders' 10.64.0.0/10, away from the load clients' 10.64.0.0 + N
    `        local_ts = ${inner}/32`,
    `        remote_ts = ${LAN_SERVER}`,
    '        esp_proposals = aes128gcm16',
    '      }',
    '    }',
    '  }',
    '}',
    'secrets {',
    '  ike-legit {',
    `    secret = "${BENCH_PSK}"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export class LegitPeers {
  readonly attempts: Attempt[] = [];
  private readonly t0 = Date.now();
  private until = 0;
  private loops: Promise<void>[] = [];

  private constructor(private readonly charons: Charon[], private readonly cpu: number) {}

  static async start(peers: Peer[], serverAddr: string, baseDir: string, cpu: number): Promise<LegitPeers> {
    const charons: Charon[] = [];
    try {
      for (const [k, p] of peers.entries()) {
        const ch = await Charon.start({
          ns: p.ns,
          name: `legit-${k + 1}`,
          baseDir,
          swanctlConf: legitSwanctlConf(k + 1, p.inner ?? `10.127.250.${k + 1}`, serverAddr),
          logLevels: { default: 0, ike: 1 },
          charonSettings: INITIATOR_SETTINGS,
        });
        charons.push(ch);
        await runChecked(['taskset', '-a', '-p', '-c', String(cpu), String(ch.pid)]);
        await ch.loadAll();
      }
    } catch (e) {
      for (const ch of charons) await ch.stop({ keepFiles: true });
      throw e;
    }
    return new LegitPeers(charons, cpu);
  }

  get now(): number {
    return Date.now() - this.t0;
  }

  private swanctl(ch: Charon, args: string[], timeoutMs: number): Promise<{ code: number }> {
    return runCommand(['taskset', '-c', String(this.cpu), 'swanctl', ...args], {
      env: { STRONGSWAN_CONF: ch.confPath, SWANCTL_DIR: ch.swanctlDir },
      timeoutMs,
    });
  }

  private async loop(k: number): Promise<void> {
    const ch = this.charons[k];
    while (this.now < this.until) {
      const start = this.now;
      const r = await this.swanctl(ch, ['--initiate', '--child', 'legit', '--ike', 'legit', '--timeout', String(INITIATE_TIMEOUT_S)], (INITIATE_TIMEOUT_S + 5) * 1000);
      const ok = r.code === 0;
      this.attempts.push({ peer: k, start, ms: this.now - start, ok });
      // a failed attempt may leave a half-built IKE SA behind: terminate it too
      await this.swanctl(ch, ['--terminate', '--ike', 'legit', '--timeout', '3'], 8000);
    }
  }

  /** Every peer initiates and terminates, one SA at a time, until `seconds` from now. */
  run(seconds: number): void {
    this.until = this.now + seconds * 1000;
    this.loops = this.charons.map((_, k) => this.loop(k));
  }

  /** Wait for the attempts under way to finish. */
  async settle(): Promise<void> {
    await Promise.all(this.loops);
    this.loops = [];
  }

  async stop(): Promise<void> {
    this.until = 0;
    await this.settle();
    for (const ch of this.charons) await ch.stop({ keepFiles: true });
  }
}

export interface LegitSummary {
  attempts: number;
  established: number;
  failed: number;
  perSecond: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The attempts that started in [from, to) ms: outcome counts and the established ones' times. */
export function summarize(attempts: Attempt[], from: number, to: number): LegitSummary {
  const xs = attempts.filter((a) => a.start >= from && a.start < to);
  const ok = xs.filter((a) => a.ok).map((a) => a.ms).sort((a, b) => a - b);
  return {
    attempts: xs.length,
    established: ok.length,
    failed: xs.length - ok.length,
    perSecond: (ok.length * 1000) / Math.max(1, to - from),
    medianMs: quantile(ok, 0.5),
    p95Ms: quantile(ok, 0.95),
    maxMs: ok.length ? ok[ok.length - 1] : NaN,
  };
}
