/**
 * Wiring of iked's `radius ...` statements: one RadiusClient for the
 * authentication servers (used by every `eap "radius"` policy through
 * RadiusEapRelay) and one for the accounting servers (Start when an IKE SA
 * that RADIUS authenticated is established, Stop when it is gone; an IKE SA
 * rekey carries the session over to the new SA).
 *
 * The daemon creates it with radiusServiceFromConfig() and hooks it to the engine
 * with attachRadiusAccounting() (see the report of the RADIUS work for the
 * exact lines).
 */
import type { IkedConfig, RadiusConf, RadiusServerConf } from '../conf/types';
import type { EapBackendFactory, EapServerBackend } from '../ikev2/exchange/eap-backend';
import type { IkeSa } from '../ikev2/sa/ike-sa';
import { addressText } from '../wire/endpoint';
import { RadiusClient, RadiusLog, RadiusServer } from './client';
import { RadiusAcceptInfo, RadiusEapRelay } from './eap-relay';
import { AccountingSession, RadiusAccounting } from './accounting';
import { ACCT_TERMINATE_CAUSE } from './dictionary';

export interface RadiusServiceOptions {
  log?: RadiusLog;
  /** Wait per transmission, ms (default 3000). */
  timeoutMs?: number;
  nasIdentifier?: string;
  /** NAS-IP-Address (IPv4 text). */
  nasIpAddress?: string;
}

/** Where the peer and we are, for Calling-/Called-Station-Id. */
export interface RadiusPeerContext {
  peerAddress?: string;
  localAddress?: string;
}

const PENDING_TTL_MS = 120_000;

function toServers(list: RadiusServerConf[]): RadiusServer[] {
  return list.map((s) => {
    if (s.addr.kind !== 'net') throw new Error(`radius server: a numeric address is needed, not '${s.addr.kind}'`);
    return { address: addressText(s.addr.addr), port: s.port, secret: s.secret };
  });
}

export class RadiusService implements EapBackendFactory {
  readonly auth: RadiusClient | null;
  readonly accounting: RadiusAccounting | null;
  private readonly log: RadiusLog | undefined;
  /** Accepted by RADIUS, IKE SA not yet established: by the SPI text given to create(). */
  private readonly accepted = new Map<string, { info: RadiusAcceptInfo; ctx: RadiusPeerContext; at: number }>();
  /** Accounting sessions by IKE SA. */
  private readonly sessions = new Map<IkeSa, AccountingSession>();

  constructor(
    private readonly conf: RadiusConf,
    private readonly o: RadiusServiceOptions = {},
  ) {
    this.log = o.log;
    this.auth = conf.servers.length
      ? new RadiusClient({ servers: toServers(conf.servers), maxTries: conf.maxTries, maxFailovers: conf.maxFailovers, timeoutMs: o.timeoutMs, log: o.log, label: 'RADIUS' })
      : null;
    this.accounting = conf.accountingServers.length
      ? new RadiusAccounting({
          client: new RadiusClient({
            servers: toServers(conf.accountingServers),
            maxTries: conf.accountingMaxTries,
            maxFailovers: conf.accountingMaxFailovers,
            timeoutMs: o.timeoutMs,
            log: o.log,
            label: 'RADIUS accounting',
          }),
          nasIdentifier: o.nasIdentifier,
          nasIpAddress: o.nasIpAddress,
          log: o.log,
        })
      : null;
  }

  /** The EAP backend for one IKE SA of an `eap "radius"` policy. */
  create(policyName: string, ikeSaSpi: string, ctx: RadiusPeerContext = {}): EapServerBackend {
    if (!this.auth) throw new Error(`policy '${policyName}': eap "radius" but no \`radius server\` is configured`);
    const key = normalizeSpi(ikeSaSpi);
    return new RadiusEapRelay({
      client: this.auth,
      tag: `policy '${policyName}' spi=${ikeSaSpi}`,
      log: this.log,
      nasIdentifier: this.o.nasIdentifier,
      nasIpAddress: this.o.nasIpAddress,
      callingStationId: ctx.peerAddress,
      calledStationId: ctx.localAddress,
      configMappings: this.conf.config,
      onAccept: (info) => {
        const now = Date.now();
        for (const [k, v] of this.accepted) if (now - v.at > PENDING_TTL_MS) this.accepted.delete(k);
        this.accepted.set(key, { info, ctx, at: now });
      },
    });
  }

  /** An IKE SA is established: Accounting Start if RADIUS authenticated it. */
  ikeSaEstablished(sa: IkeSa): void {
    const spiI = sa.spiI.toString('hex');
    const local = sa.localSpi.toString('hex');
    for (const [k, v] of this.accepted) {
      if (!k.includes(local) && !k.includes(spiI)) continue;
      this.accepted.delete(k);
      if (!this.accounting) return;
      const s: AccountingSession = {
        sessionId: `${spiI}${sa.spiR.toString('hex')}`,
        userName: v.info.identity,
        callingStationId: v.ctx.peerAddress ?? sa.remote.address,
        calledStationId: v.ctx.localAddress ?? sa.local.address,
        framedIp: v.info.framedIp,
        classes: v.info.classes,
        startedAt: Date.now(),
      };
      this.sessions.set(sa, s);
      void this.accounting.start(s);
      return;
    }
  }

  /** An IKE SA is gone: Stop, unless a rekey moved the session to its successor. */
  ikeSaRemoved(sa: IkeSa, reason: string): void {
    const s = this.sessions.get(sa);
    if (!s) return;
    this.sessions.delete(sa);
    if (sa.replacedBy && sa.replacedBy.state !== 'DEAD') {
      this.sessions.set(sa.replacedBy, s);
      return;
    }
    void this.accounting?.stop(s, terminateCause(reason));
  }

  /** Stop every open session (shutdown); resolves when the servers answered or gave up. */
  async stopAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => this.accounting?.stop(s, ACCT_TERMINATE_CAUSE.ADMIN_REBOOT)));
  }

  close(): void {
    this.auth?.close();
    this.accounting?.close();
    this.accepted.clear();
    this.sessions.clear();
  }
}

function normalizeSpi(s: string): string {
  return s.toLowerCase().replace(/0x/g, '').replace(/[^0-9a-f]/g, '');
}

/** Map an engine removal reason onto Acct-Terminate-Cause. */
export function terminateCause(reason: string): number {
  const r = reason.toLowerCase();
  if (r.includes('timeout') || r.includes('unreachable') || r.includes('dead peer')) return ACCT_TERMINATE_CAUSE.LOST_CARRIER;
  if (r.includes('shutting down')) return ACCT_TERMINATE_CAUSE.ADMIN_REBOOT;
  if (r.includes('lifetime') || r.includes('expired')) return ACCT_TERMINATE_CAUSE.SESSION_TIMEOUT;
  if (r.includes('peer') || r.includes('delete')) return ACCT_TERMINATE_CAUSE.USER_REQUEST;
  return ACCT_TERMINATE_CAUSE.NAS_REQUEST;
}

/** A RadiusService when the configuration has `radius` servers, else null. */
export function radiusServiceFromConfig(config: IkedConfig, o: RadiusServiceOptions = {}): RadiusService | null {
  const r = config.radius;
  if (!r.servers.length && !r.accountingServers.length) {
    const wants = config.policies.filter((p) => p.auth.method === 'eap' && 'eap' in p.auth && p.auth.eap === 'radius');
    if (wants.length) o.log?.warn(`policy '${wants[0].name}' uses eap "radius" but no \`radius server\` is configured`);
    return null;
  }
  return new RadiusService(r, o);
}

/** What of the engine this needs. */
export interface RadiusEngineHooks {
  readonly removalListeners: Array<(sa: IkeSa, reason: string) => void>;
  sas: { get(localSpi: Buffer): IkeSa | undefined };
}

/**
 * Chain the service into the engine's removal callback, and return the
 * function to call from the engine's monitor sink with (kind, spi) so that
 * 'established' events start accounting.
 */
export function attachRadiusAccounting(engine: RadiusEngineHooks, service: RadiusService): (kind: string, spi?: string) => void {
  engine.removalListeners.push((sa, reason) => service.ikeSaRemoved(sa, reason));
  return (kind, spi) => {
    if (kind !== 'established' || !spi) return;
    const sa = engine.sas.get(Buffer.from(spi.replace(/^0x/, ''), 'hex'));
    if (sa) service.ikeSaEstablished(sa);
  };
}
