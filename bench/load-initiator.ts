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
import { DiscardKernel } from './discard-kernel';
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
  /** the established SA (ok only) */
  sa?: IkeSa;
}

/**
 * The bytes the client keeps per SA (selector addresses, identities), copied into 64 KiB
 * arenas instead of Node's shared 8 KiB pool: one kept 4-byte slice of a pool slab keeps the
 * whole slab alive, and with each handshake's own pooled buffers in between, that was about
 * one slab per held SA (1.4 KB of the client's 4.8 KB heap per SA in a heap snapshot at
 * 25,000 SAs), so the load client's collector slowed at 100,000 held and with it the bench.
 */
class ByteArena {
  private buf = Buffer.alloc(0);
  private off = 0;

  copy(b: Buffer): Buffer {
    if (this.off + b.length > this.buf.length) {
      this.buf = Buffer.alloc(Math.max(65536, b.length));
      this.off = 0;
    }
    const out = this.buf.subarray(this.off, this.off + b.length);
    b.copy(out);
    this.off += (b.length + 7) & ~7;
    return out;
  }
}

const arena = new ByteArena();

/** Client n's inner address: 10.64.0.0 + n, as a one-address selector. */
export function clientSelector(n: number): TrafficSelector {
  const a = Buffer.alloc(4);
  a.writeUInt32BE(((10 << 24) | (64 << 16)) + (n % (1 << 22)) >>> 0);
  return { tsType: TS.IPV4_ADDR_RANGE, ipProtocol: 0, startPort: 0, endPort: 65535, startAddr: arena.copy(a), endAddr: arena.copy(a) };
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
      kernel: new DiscardKernel(),
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
    this.finish(sa, { ok: true, reason: 'established', ms: Date.now() - sa.createdAt, sa: this.release ? undefined : sa });
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
    if (this.perSaIdentity) {
      const id = parseIdentity(`c${n}.load.test`);
      policy.localId = { ...id, data: arena.copy(id.data) };
    }
    const sa = await this.engine.initiate(policy);
    if (!sa) return { ok: false, reason: 'initiate refused', ms: 0 };
    return new Promise((resolve) => {
      this.waiters.set(sa, resolve);
      this.bySpi.set(`0x${sa.localSpi.toString('hex')}`, sa);
    });
  }

  /** Delete one of our SAs (an INFORMATIONAL the responder answers), unless it is already gone. */
  retire(sa: IkeSa): void {
    if (sa.state === 'ESTABLISHED') this.engine.deleteIkeSa(sa, 'retired by the load client', true);
  }

  get established(): number {
    return this.engine.stats.ikeSasEstablished;
  }
}

/**
 * The SAs a load-client process holds, oldest first, across runs. With a `keep` level,
 * runLoad retires the oldest for each new SA past it: the responder then holds `keep`
 * SAs while new ones keep coming (churn at a held level).
 */
export class HeldSas {
  private sas: IkeSa[] = [];
  private owners: LoadClient[] = [];
  private head = 0;

  get size(): number {
    return this.sas.length - this.head;
  }

  push(owner: LoadClient, sa: IkeSa): void {
    this.sas.push(sa);
    this.owners.push(owner);
  }

  /** Delete the oldest held SA. */
  retireOldest(): void {
    if (this.size === 0) return;
    const sa = this.sas[this.head];
    const owner = this.owners[this.head];
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.sas.length) {
      this.sas = this.sas.slice(this.head);
      this.owners = this.owners.slice(this.head);
      this.head = 0;
    }
    owner.retire(sa);
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
  held?: HeldSas,
  keep = Infinity,
): Promise<RunResult> {
  const started = Date.now();
  let next = 0;
  let established = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const client = clients[i % clients.length];
      const o = await client.connect(firstIndex + i);
      if (o.ok) {
        established++;
        if (held && o.sa) {
          held.push(client, o.sa);
          while (held.size > keep) held.retireOldest();
        }
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
