/**
 * The load initiator: our Engine in a client mode. One Engine per source address,
 * each SA with its own identity (c<N>.load.test for PSK; the shared client
 * certificate's identity for RSA), a window of concurrent handshakes, and a
 * completion callback per SA. Transport-agnostic: the caller gives each Engine its
 * transport (UDP sockets in a namespace, or an in-process loop).
 */
import { Engine, Transport, EngineTiming } from '../src/ikev2/engine';
import { buildPolicy, Policy } from '../src/ikev2/policy/policy';
import { parseConfigText } from '../src/conf/load';
import { DecoupledAdapter } from '../src/platform/decoupled';
import { parseIdentity } from '../src/crypto/identity';
import { TS } from '../src/wire/iana';
import type { TrafficSelector } from '../src/ikev2/payloads/payload-types';
import { NOTIFY, PAYLOAD } from '../src/wire/iana';
import type { AuthProvider } from '../src/ikev2/policy/auth-provider';
import type { IkeSa, QueuedRequest } from '../src/ikev2/sa/ike-sa';
import type { NotifyPayload } from '../src/ikev2/payloads/payload-types';
import type { Logger } from '../src/log/logger';

export interface LoadEngineOptions {
  confText: string;
  transport: Transport;
  auth: AuthProvider;
  log: Logger;
  /** Per-SA identities (PSK); false: every SA uses the policy's srcid (shared certificate). */
  perSaIdentity: boolean;
  /** Send INITIAL_CONTACT (a real client's first SA). Off when SAs share one identity. */
  initialContact: boolean;
  /** Every SA asks for client 0's selector (identical selectors at the responder). */
  sameSelectors?: boolean;
  timing?: Partial<EngineTiming>;
  ikePort?: number;
}

/**
 * An Engine that can leave INITIAL_CONTACT out of IKE_AUTH: with a shared client
 * identity, INITIAL_CONTACT would make the responder delete the previous SA.
 */
class LoadEngine extends Engine {
  dropInitialContact = false;
  override request(sa: IkeSa, q: QueuedRequest): void {
    if (!this.dropInitialContact) return super.request(sa, q);
    const build = q.build;
    super.request(sa, {
      ...q,
      build: () => {
        const p = build();
        return p ? p.filter((x) => !(x.type === PAYLOAD.NOTIFY && (x as NotifyPayload).notifyType === NOTIFY.INITIAL_CONTACT)) : p;
      },
    });
  }
}

export interface SaOutcome {
  ok: boolean;
  reason: string;
  ms: number;
}

/** Client n's inner address: 10.64.0.0 + n, as a one-address selector. */
export function clientSelector(n: number): TrafficSelector {
  const a = Buffer.alloc(4);
  a.writeUInt32BE(((10 << 24) | (64 << 16)) + (n % (1 << 22)) >>> 0);
  return { tsType: TS.IPV4_ADDR_RANGE, ipProtocol: 0, startPort: 0, endPort: 65535, startAddr: a, endAddr: Buffer.from(a) };
}

export class LoadClient {
  readonly engine: LoadEngine;
  private readonly base: Policy;
  private readonly waiters = new Map<IkeSa, (o: SaOutcome) => void>();
  private readonly perSaIdentity: boolean;
  private readonly sameSelectors: boolean;
  /** Delete each SA (INFORMATIONAL to the responder) once it is established: the responder holds few SAs. */
  release = false;

  constructor(o: LoadEngineOptions) {
    const r = parseConfigText(o.confText, 'load-client.conf', { checkPermissions: false, interfaces: () => undefined });
    if (!r.config || r.errors.length) throw new Error(`load client config: ${r.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
    this.base = buildPolicy(r.config.policies[0]);
    this.perSaIdentity = o.perSaIdentity;
    this.sameSelectors = o.sameSelectors ?? false;
    this.engine = new LoadEngine({
      log: o.log,
      kernel: new DecoupledAdapter({ log: () => undefined, logging: () => false }),
      auth: o.auth,
      transport: o.transport,
      policies: [],
      options: { ...r.config.options, dpdCheckInterval: 0 },
      timing: { cookieThreshold: 1e9, halfOpenLimit: 1e9, ...(o.timing ?? {}) },
      monitor: (kind, message, spi) => this.onEvent(kind, message, spi),
      onRemoved: (sa, reason) => this.finish(sa, { ok: false, reason, ms: Date.now() - sa.createdAt }),
    });
    this.engine.dropInitialContact = !o.initialContact;
    if (o.ikePort) {
      this.engine.localIkePort = o.ikePort;
      this.engine.remoteIkePort = o.ikePort;
    }
  }

  private readonly bySpi = new Map<string, IkeSa>();

  private onEvent(kind: string, _message: string, spi?: string): void {
    if (kind !== 'established' || !spi) return;
    const sa = this.bySpi.get(spi);
    if (!sa) return;
    this.finish(sa, { ok: true, reason: 'established', ms: Date.now() - sa.createdAt });
    if (this.release) this.engine.deleteIkeSa(sa, 'released by the load client', true);
  }

  private finish(sa: IkeSa, o: SaOutcome): void {
    const w = this.waiters.get(sa);
    if (!w) return;
    this.waiters.delete(sa);
    this.bySpi.delete(`0x${sa.localSpi.toString('hex')}`);
    w(o);
  }

  /** Start one IKE SA + Child SA as client number `n`; resolves when established or failed. */
  async connect(n: number): Promise<SaOutcome> {
    const policy: Policy = { ...this.base, localTs: [clientSelector(this.sameSelectors ? 0 : n)] };
    if (this.perSaIdentity) policy.localId = parseIdentity(`c${n}.load.test`);
    const sa = await this.engine.initiate(policy);
    if (!sa) return { ok: false, reason: 'initiate refused', ms: 0 };
    return new Promise((resolve) => {
      this.waiters.set(sa, resolve);
      this.bySpi.set(`0x${sa.localSpi.toString('hex')}`, sa);
    });
  }

  get established(): number {
    return this.engine.stats.ikeSasEstablished;
  }
}

export interface RunResult {
  established: number;
  failed: number;
  wallMs: number;
  failures: Record<string, number>;
  retransmits: number;
  /** Child SAs the clients hold (one per established IKE SA when all went well). */
  childSas: number;
}

/**
 * Establish `total` SAs over the clients (round robin) with at most `window`
 * handshakes in flight; `progress` is called every `every` established SAs.
 */
export async function runLoad(
  clients: LoadClient[],
  total: number,
  window: number,
  firstIndex = 0,
  progress?: (done: number, elapsedMs: number) => void,
  every = 1000,
): Promise<RunResult> {
  const started = Date.now();
  let next = 0;
  let established = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const o = await clients[i % clients.length].connect(firstIndex + i);
      if (o.ok) {
        established++;
        if (progress && established % every === 0) progress(established, Date.now() - started);
      } else {
        failed++;
        failures[o.reason] = (failures[o.reason] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(window, total)) }, worker));
  const retransmits = clients.reduce((s, c) => s + c.engine.stats.txRetransmits, 0);
  await new Promise((r) => setImmediate(r));
  const childSas = clients.reduce((s, c) => s + c.engine.sas.all().reduce((n, sa) => n + sa.children.length, 0), 0);
  return { established, failed, wallMs: Date.now() - started, failures, retransmits, childSas };
}
