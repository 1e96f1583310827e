/**
 * The IKEv2 protocol engine: receives datagrams, dispatches them to the exchange
 * handlers, sends requests with retransmission and answers requests with cached
 * responses (RFC 7296 2.1-2.3). No sockets and no kernel access of its own: it is
 * given a Transport, a kernel port and an AuthProvider.
 */
import type { EapContext } from './exchange/eap-context';
import { ZERO8 } from '../wire/empty-bytes';
import { LOCAL_CONFIG_SYSTEM, type ClientConfigSystem } from '../platform/client-config';
import { ReqidTable } from './sa/reqid-table';
import { EXCHANGE, FLAG, NOTIFY, ExchangeType, IKE_PORT, NATT_PORT } from '../wire/iana';
import { IkeMessage, Payload, IkeHeader } from './payloads/payload-types';
import { decodeMessage, encodeMessage } from './payloads/message';
import { DecodeError } from '../wire/decode-error';
import { describeMessage, describePayloads } from './payloads/describe';
import { Endpoint, endpointText, addressText } from '../wire/endpoint';
import { IkeSa, QueuedRequest, queueRequest, NO_REQUESTS } from './sa/ike-sa';
import { SaTable } from './sa/sa-table';
import { Policy } from './policy/policy';
import { ikeHeader, openMessage, type OpenedMessage } from './payloads/message-protect';
import { handleIntermediateRequest, noteIntermediateMessage, noteSentIntermediate } from './exchange/intermediate';
import { handleFollowupRequest } from './exchange/followup-ke';
import { notify } from './payloads/payload-find';
import { CookieJar } from './sa/cookie';
import { AuthProvider } from './policy/auth-provider';
import { formatIdentity as formatId, Identity } from '../crypto/identity';
import { EngineStats, newStats } from './sa/stats';
import type { KernelAdapter } from '../platform/types';
import type { GlobalOptions } from '../conf/types';
import type { Logger } from '../log/logger';
import { IntegrityError } from '../crypto/errors';
import { handleInitRequest, handleInitResponse, isStaleInitAnswer, startInitiator } from './exchange/ike-sa-init';
import { handleAuthRequest } from './exchange/ike-auth';
import { handleCreateChildRequest, rekeyChild, rekeyIke } from './exchange/create-child-sa';
import type { ChildSa } from './sa/child-sa';
import { defaultTiming as defaults, type EngineContext, type EngineTiming, type RemovalListener, type Transport } from './engine-context';
import { handleInformationalRequest, sendDeleteIke, removeChildren } from './exchange/informational';
import { scheduleLiveness, dpdDue } from './exchange/liveness';
import { ikeRekeyDue, childRekeyDue, childExpireDue } from './exchange/lifetimes';
import { leaseOwner } from './exchange/config-payload';
import { eapSaRemoved } from './exchange/eap';
import { AddressPools } from './policy/address-pool';
import { sealForPeer, isFragment, receiveFragment } from './exchange/fragmentation';
import { isAddressUpdate, handleUpdateSaAddresses } from './exchange/mobike';

export type { Transport, EngineTiming } from './engine-context';
export { defaultTiming } from './engine-context';

export interface MonitorSink {
  (kind: string, message: string, spi?: string): void;
}

export interface EngineOptions {
  log: Logger;
  kernel: KernelAdapter;
  auth: AuthProvider;
  transport: Transport;
  policies: Policy[];
  options: GlobalOptions;
  timing?: Partial<EngineTiming>;
  natt?: 'auto' | 'force' | 'disable';
  nattPort?: number;
  monitor?: MonitorSink;
  /** Called when an IKE SA is gone (deleted, failed, timed out); more with removalListeners.push(). */
  onRemoved?: RemovalListener;
}

export class Engine implements EngineContext {
  readonly log: Logger;
  kernel: KernelAdapter;
  readonly auth: AuthProvider;
  readonly transport: Transport;
  policies: Policy[];
  options: GlobalOptions;
  readonly timing: EngineTiming;
  readonly sas = new SaTable();
  readonly cookies = new CookieJar();
  readonly stats: EngineStats = newStats();
  readonly natt: 'auto' | 'force' | 'disable';
  readonly nattPort: number;
  private reqidCounter = 0;
  /** shutdown() has begun: no new IKE SAs (a peer reviving its connection gets no answer) */
  private closing = false;
  /** Reqids of Child SAs, shared by identical selectors (reqid-table.ts). */
  readonly reqids = new ReqidTable(() => this.nextReqid());
  private monitorSink: MonitorSink;
  readonly removalListeners: RemovalListener[] = [];
  clientConfig: ClientConfigSystem = LOCAL_CONFIG_SYSTEM;
  readonly pools = new AddressPools();
  readonly timerFns = {
    ikeRekey: (sa: IkeSa): void => ikeRekeyDue(this, sa),
    dpd: (sa: IkeSa): void => dpdDue(this, sa),
    childRekey: (sa: IkeSa, spiIn: number): void => childRekeyDue(this, sa, spiIn),
    childExpire: (sa: IkeSa, spiIn: number): void => childExpireDue(this, sa, spiIn),
  };
  passive = false;
  /** EAP methods and credentials (src/eap/daemon-eap.ts); null: `eap` policies fail. */
  eap: EapContext | null = null;

  constructor(o: EngineOptions) {
    this.log = o.log;
    this.kernel = o.kernel;
    this.auth = o.auth;
    this.transport = o.transport;
    this.policies = o.policies;
    this.options = o.options;
    this.timing = { ...defaults, ...(o.timing ?? {}) };
    this.natt = o.natt ?? 'auto';
    this.nattPort = o.nattPort ?? NATT_PORT;
    this.monitorSink = o.monitor ?? (() => undefined);
    // what an IKE SA leaves behind when it goes: its address leases, an EAP conversation, client configuration
    this.removalListeners.push((sa) => this.pools.releaseAll(leaseOwner(sa)), (sa) => eapSaRemoved(this, sa));
    if (o.onRemoved) this.removalListeners.push(o.onRemoved);
  }

  nextReqid(): number {
    this.reqidCounter = (this.reqidCounter % 0x3fffffff) + 1;
    return this.reqidCounter;
  }

  event(kind: string, message: string, sa?: IkeSa): void {
    this.monitorSink(kind, message, sa ? `0x${sa.localSpiHex()}` : undefined);
  }

  spiTag(sa: IkeSa): string {
    return `spi=0x${sa.localSpiHex()}`;
  }

  // ---------------------------------------------------------------- input

  /** A datagram from the network (non-ESP marker already removed). */
  handleDatagram(buf: Buffer, local: Endpoint, remote: Endpoint): void {
    this.stats.rxPackets++;
    let m: IkeMessage;
    try {
      m = decodeMessage(buf);
    } catch (e) {
      this.stats.rxMalformed++;
      const why = e instanceof DecodeError ? e.message : String(e);
      this.log.info(`ikev2_recv: malformed message from ${endpointText(remote)} (${buf.length} bytes) dropped: ${why}`);
      this.maybeRejectCritical(e, buf, local, remote);
      return;
    }
    try {
      this.dispatch(m, buf, local, remote);
    } catch (e) {
      this.stats.rxDropped++;
      this.log.warn(`ikev2_recv: ${ExchangeType.name(m.header.exchange)} from ${endpointText(remote)} dropped: ${e instanceof Error ? e.message : String(e)}`);
      this.log.debug(e instanceof Error && e.stack ? e.stack : String(e));
    }
  }

  /** An unknown critical payload in an IKE_SA_INIT request gets UNSUPPORTED_CRITICAL_PAYLOAD. */
  private maybeRejectCritical(e: unknown, buf: Buffer, local: Endpoint, remote: Endpoint): void {
    if (!(e instanceof DecodeError) || e.notify !== NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD || buf.length < 28) return;
    const exchange = buf[18];
    const flags = buf[19];
    if (exchange !== EXCHANGE.IKE_SA_INIT || flags & FLAG.RESPONSE) return;
    const header: IkeHeader = {
      spiI: Buffer.from(buf.subarray(0, 8)),
      spiR: Buffer.alloc(8),
      nextPayload: 0,
      majorVersion: 2,
      minorVersion: 0,
      exchange,
      flags: FLAG.RESPONSE,
      messageId: buf.readUInt32BE(20),
      length: 0,
    };
    const data = Buffer.from([e.payloadType ?? 0]);
    this.transport.send(encodeMessage(header, [notify(NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD, data)]), local, remote);
  }

  private dispatch(m: IkeMessage, raw: Buffer, local: Endpoint, remote: Endpoint): void {
    const h = m.header;
    const response = (h.flags & FLAG.RESPONSE) !== 0;
    const fromOriginalInitiator = (h.flags & FLAG.INITIATOR) !== 0;
    if (this.log.getVerbose() >= 2) this.log.debug(`ikev2_recv: ${describeMessage(m)} from ${endpointText(remote)} to ${endpointText(local)}`);

    if (h.exchange === EXCHANGE.IKE_SA_INIT && !response) {
      if (!fromOriginalInitiator || h.messageId !== 0 || !h.spiR.equals(ZERO8)) {
        throw new Error('IKE_SA_INIT request with bad flags, message ID or responder SPI');
      }
      if (this.closing) {
        this.stats.rxDropped++;
        this.log.debug(`ikev2_recv: IKE_SA_INIT from ${endpointText(remote)} dropped: shutting down`);
        return;
      }
      handleInitRequest(this, m, raw, local, remote);
      return;
    }
    const ourSpi = fromOriginalInitiator ? h.spiR : h.spiI;
    const sa = this.sas.get(ourSpi);
    if (!sa) {
      this.stats.rxUnknownSpi++;
      this.log.debug(`ikev2_recv: no IKE SA for spi 0x${ourSpi.toString('hex')} from ${endpointText(remote)}`);
      return;
    }
    if (sa.state === 'DEAD') return;
    if (sa.initiator === fromOriginalInitiator) throw new Error('initiator flag does not match our role');

    // RFC 7383: SKF fragments are collected until the whole message can be handled as if it came in SK
    let opened: OpenedMessage | undefined;
    if (isFragment(m)) {
      const whole = receiveFragment(this, sa, m, raw, remote, response);
      if (!whole) return;
      opened = whole;
    }
    if (response) {
      this.handleResponse(sa, m, raw, local, remote, opened);
    } else {
      this.handleRequest(sa, m, raw, local, remote, opened);
    }
  }

  /** Open a protected message (unless reassembly did); feed IKE_INTERMEDIATE to the IntAuth chain. */
  private openProtected(sa: IkeSa, m: IkeMessage, raw: Buffer, remote: Endpoint, opened?: OpenedMessage): Payload[] | null {
    let o: OpenedMessage;
    try {
      o = opened ?? openMessage(sa, raw, m);
    } catch (e) {
      this.countCryptoFailure(sa, e, remote);
      return null;
    }
    // the inner payloads are views into o.plain: it lives as long as they do
    if (m.header.exchange === EXCHANGE.IKE_INTERMEDIATE) noteIntermediateMessage(sa, raw, o.first, o.plain, (m.header.flags & FLAG.INITIATOR) !== 0);
    return o.inner;
  }

  private handleResponse(sa: IkeSa, m: IkeMessage, raw: Buffer, local: Endpoint, remote: Endpoint, opened?: OpenedMessage): void {
    const p = sa.pending;
    if (!p || p.messageId !== m.header.messageId) {
      this.log.debug(`${this.spiTag(sa)}: unexpected response id ${m.header.messageId} dropped`);
      return;
    }
    if (m.header.exchange === EXCHANGE.IKE_SA_INIT) {
      if (sa.state !== 'INIT_SENT') return;
      if (isStaleInitAnswer(sa, m)) {
        this.log.debug(`${this.spiTag(sa)}: duplicate IKE_SA_INIT answer to an earlier request ignored`);
        return;
      }
      this.finishPending(sa);
      handleInitResponse(this, sa, m, raw, local, remote);
      return;
    }
    const inner = this.openProtected(sa, m, raw, remote, opened);
    if (!inner) return;
    sa.lastInbound = Date.now();
    if (this.log.getVerbose() >= 2) this.log.debug(`${this.spiTag(sa)}: ${ExchangeType.name(m.header.exchange)} response ${m.header.messageId} [ ${describePayloads(inner)} ]`);
    this.finishPending(sa);
    this.followPeer(sa, local, remote);
    const work = p.onResponse(m, inner, raw);
    if (work) void Promise.resolve(work).catch((e: unknown) => this.handlerFailed(sa, e));
    this.pump(sa);
  }

  private handleRequest(sa: IkeSa, m: IkeMessage, raw: Buffer, local: Endpoint, remote: Endpoint, opened?: OpenedMessage): void {
    const id = m.header.messageId;
    if (sa.lastResponse && id === sa.lastResponse.id) {
      // a retransmitted request: answer from the cache, or ignore while we work on it
      this.stats.rxRetransmits++;
      for (const pkt of sa.lastResponse.packets) this.transport.send(pkt, sa.local, sa.remote);
      return;
    }
    if (id !== sa.peerNextId) {
      this.log.debug(`${this.spiTag(sa)}: request id ${id} outside window (expected ${sa.peerNextId}), dropped`);
      return;
    }
    const inner = this.openProtected(sa, m, raw, remote, opened);
    if (!inner) return;
    sa.lastInbound = Date.now();
    sa.peerNextId = id + 1;
    sa.lastResponse = { id, packets: [] };
    if (this.log.getVerbose() >= 2) this.log.debug(`${this.spiTag(sa)}: ${ExchangeType.name(m.header.exchange)} request ${id} [ ${describePayloads(inner)} ]`);
    // the endpoints before this request (followPeer replaces sa.local / sa.remote, never changes them in place)
    const beforeLocal = sa.local;
    const beforeRemote = sa.remote;
    this.followPeer(sa, local, remote);
    let work: void | Promise<void>;
    switch (m.header.exchange) {
      case EXCHANGE.IKE_AUTH:
        work = handleAuthRequest(this, sa, m, inner);
        break;
      case EXCHANGE.IKE_INTERMEDIATE:
        work = handleIntermediateRequest(this, sa, m, inner);
        break;
      case EXCHANGE.CREATE_CHILD_SA:
        work = handleCreateChildRequest(this, sa, m, inner);
        break;
      case EXCHANGE.IKE_FOLLOWUP_KE:
        work = handleFollowupRequest(this, sa, m, inner);
        break;
      case EXCHANGE.INFORMATIONAL:
        // RFC 4555: the original initiator moved
        work = isAddressUpdate(inner)
          ? handleUpdateSaAddresses(this, sa, m, inner, local, remote, { local: { ...beforeLocal }, remote: { ...beforeRemote } })
          : handleInformationalRequest(this, sa, m, inner);
        break;
      default:
        this.log.info(`${this.spiTag(sa)}: unsupported exchange ${ExchangeType.name(m.header.exchange)}`);
        this.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
        return;
    }
    // a handler that finished synchronously (returned nothing) needs no promise
    if (work) void Promise.resolve(work).catch((e: unknown) => this.handlerFailed(sa, e));
  }

  /** NAT-T: a peer behind a NAT may change its public address or port; follow it. */
  private followPeer(sa: IkeSa, local: Endpoint, remote: Endpoint): void {
    // the peer floated to the NAT-T port (RFC 7296 2.23; RFC 4555 3.3 does it without a NAT): answer there
    if (this.natt !== 'disable' && local.port === this.nattPort && sa.local.port !== this.nattPort && remote.address === sa.remote.address) {
      sa.local = { ...local };
      sa.remote = { ...remote };
    }
    if (!sa.natRemote) return;
    if (sa.remote.address !== remote.address || sa.remote.port !== remote.port) {
      this.log.info(`${this.spiTag(sa)}: peer moved from ${endpointText(sa.remote)} to ${endpointText(remote)}`);
      sa.remote = { ...remote };
    }
    if (sa.local.port !== local.port) sa.local = { ...local };
  }

  private countCryptoFailure(sa: IkeSa, e: unknown, remote: Endpoint): void {
    this.stats.rxIntegrityFailures++;
    const why = e instanceof IntegrityError ? 'integrity check failed' : e instanceof Error ? e.message : String(e);
    this.log.info(`${this.spiTag(sa)}: message from ${endpointText(remote)} dropped: ${why}`);
  }

  private handlerFailed(sa: IkeSa, e: unknown): void {
    this.log.warn(`${this.spiTag(sa)}: ${e instanceof Error ? e.message : String(e)}`);
    this.log.debug(e instanceof Error && e.stack ? e.stack : String(e));
  }

  // --------------------------------------------------------------- output

  /** Answer a request of the peer (encrypted), and cache the answer. */
  respond(sa: IkeSa, req: IkeHeader, inner: Payload[]): void {
    const header = ikeHeader(sa, req.exchange, req.messageId, true);
    const packets = sealForPeer(this, sa, header, inner);
    if (req.exchange === EXCHANGE.IKE_INTERMEDIATE) noteSentIntermediate(sa, packets[0], inner);
    if (this.log.getVerbose() >= 2) this.log.debug(`${this.spiTag(sa)}: send ${ExchangeType.name(req.exchange)} response ${req.messageId} [ ${describePayloads(inner)} ]`);
    sa.lastResponse = { id: req.messageId, packets };
    for (const packet of packets) {
      this.stats.txPackets++;
      this.transport.send(packet, sa.local, sa.remote);
    }
  }

  /** Queue a request; it goes out when the window (size 1) is free. */
  request(sa: IkeSa, q: QueuedRequest): void {
    queueRequest(sa, q);
    this.pump(sa);
  }

  private pump(sa: IkeSa): void {
    while (!sa.pending && sa.queue.length && sa.state !== 'DEAD') {
      const q = sa.queue.shift()!;
      const inner = q.build();
      if (!inner) continue;
      const id = sa.nextRequestId++;
      const header = ikeHeader(sa, q.exchange, id, false);
      const packets = sealForPeer(this, sa, header, inner);
      if (q.exchange === EXCHANGE.IKE_INTERMEDIATE) noteSentIntermediate(sa, packets[0], inner);
      if (this.log.getVerbose() >= 2) this.log.debug(`${this.spiTag(sa)}: send ${ExchangeType.name(q.exchange)} request ${id} [ ${describePayloads(inner)} ]`);
      const fragments = packets.length > 1 ? packets : undefined;
      sa.pending = { messageId: id, exchange: q.exchange, packet: packets[0], fragments, tries: 0, timer: null, onResponse: q.onResponse, onGiveUp: q.onGiveUp };
      this.transmit(sa);
    }
    if (sa.queue.length === 0) sa.queue = NO_REQUESTS; // an idle SA keeps no array of its own
  }

  /** Send the pending request and arm the retransmission timer (exponential backoff). */
  transmit(sa: IkeSa): void {
    const p = sa.pending;
    if (!p) return;
    p.tries++;
    if (p.tries > 1) this.stats.txRetransmits++;
    // a fragmented request goes out whole each time (RFC 7383 2.6.1)
    for (const packet of p.fragments ?? [p.packet]) {
      this.stats.txPackets++;
      this.transport.send(packet, sa.local, sa.remote);
    }
    const delay = this.timing.retransmitMs * 2 ** (p.tries - 1);
    p.timer = setTimeout(() => {
      if (sa.pending !== p) return;
      if (p.tries >= this.timing.retransmitTries) {
        this.log.info(`${this.spiTag(sa)}: ${ExchangeType.name(p.exchange)} request ${p.messageId} timed out after ${p.tries} tries, peer ${endpointText(sa.remote)} unreachable`);
        this.event('timeout', `peer ${endpointText(sa.remote)} unreachable`, sa);
        sa.pending = null;
        p.onGiveUp?.();
        this.deleteIkeSa(sa, 'retransmission timeout', false);
        return;
      }
      if (this.log.getVerbose() >= 2) this.log.debug(`${this.spiTag(sa)}: retransmit ${ExchangeType.name(p.exchange)} request ${p.messageId} (try ${p.tries + 1})`);
      this.transmit(sa);
    }, delay);
    p.timer.unref?.();
  }

  private finishPending(sa: IkeSa): void {
    if (sa.pending?.timer) clearTimeout(sa.pending.timer);
    sa.pending = null;
  }

  /** Unencrypted IKE_SA_INIT answers (errors, cookies) that create no state. */
  sendPlainResponse(req: IkeHeader, payloads: Payload[], local: Endpoint, remote: Endpoint, spiR: Buffer = ZERO8): void {
    const header: IkeHeader = { ...req, spiR, flags: FLAG.RESPONSE, nextPayload: 0, length: 0 };
    this.stats.txPackets++;
    this.transport.send(encodeMessage(header, payloads), local, remote);
  }

  // ------------------------------------------------------------ lifecycle

  /** Start an IKE SA for an active policy (none once shutdown() has begun). */
  async initiate(policy: Policy): Promise<IkeSa | null> {
    if (this.closing) return null;
    const peer = policy.conf.peer;
    if (!peer || peer.kind !== 'net' || peer.prefixLen !== (peer.family === 4 ? 32 : 128)) {
      this.log.info(`policy '${policy.name}': active policy needs a single peer address`);
      return null;
    }
    const remote: Endpoint = { address: addressText(peer.addr), port: this.natt === 'force' ? this.nattPort : this.remoteIkePort };
    const local = policy.conf.local?.kind === 'net' ? addressText(policy.conf.local.addr) : await this.transport.sourceFor(remote.address);
    return startInitiator(this, policy, remote, local);
  }

  /** The IKE port we listen on and peers listen on (500; tests may move it). */
  localIkePort: number = IKE_PORT;
  remoteIkePort: number = IKE_PORT;

  /** The SA is established: count it, log it, start liveness checks. */
  established(sa: IkeSa, ms: number): void {
    sa.state = 'ESTABLISHED';
    sa.establishedAt = Date.now();
    this.sas.markOpened(sa);
    this.stats.ikeSasEstablished++;
    sa.clearTimer('halfopen');
    const lid = sa.localId ? this.idText(sa.localId) : '?';
    const rid = sa.remoteId ? this.idText(sa.remoteId) : '?';
    const msg =
      `established peer ${endpointText(sa.remote)}[${rid}] local ${endpointText(sa.local)}[${lid}] ` +
      `policy '${sa.policy.name}' as ${sa.initiator ? 'initiator' : 'responder'} in ${ms}ms`;
    this.log.info(`${this.spiTag(sa)}: ${msg}`);
    this.event('established', msg, sa);
    scheduleLiveness(this, sa);
  }

  idText(id: Identity): string {
    return formatId(id);
  }

  /** Remove an IKE SA and its Child SAs (kernel state included); optionally tell the peer. */
  deleteIkeSa(sa: IkeSa, reason: string, tellPeer: boolean): void {
    if (sa.state === 'DEAD' || sa.state === 'DELETING') {
      if (sa.state === 'DELETING' && !tellPeer) this.finalRemove(sa, reason);
      return;
    }
    if (tellPeer && sa.keys && (sa.state === 'ESTABLISHED' || sa.state === 'REKEYED')) {
      sa.state = 'DELETING';
      sendDeleteIke(this, sa, () => this.finalRemove(sa, reason));
      return;
    }
    this.finalRemove(sa, reason);
  }

  private finalRemove(sa: IkeSa, reason: string): void {
    if (sa.state === 'DEAD') return;
    const children = [...sa.children];
    void removeChildren(this, sa, children, false);
    this.sas.remove(sa);
    if (sa.establishedAt) this.stats.ikeSasDeleted++;
    this.log.info(`${this.spiTag(sa)}: deleted IKE SA with ${endpointText(sa.remote)}: ${reason}`);
    this.event('deleted', reason, sa);
    sa.destroy();
    for (const l of this.removalListeners) l(sa, reason);
  }

  /** Stop: delete every SA (telling the peers when asked) and wait briefly for the deletes; new IKE SAs are refused from now on. */
  async shutdown(tellPeers: boolean): Promise<void> {
    this.closing = true;
    const all = this.sas.all();
    for (const sa of all) this.deleteIkeSa(sa, 'shutting down', tellPeers);
    if (tellPeers && all.length) await new Promise((r) => setTimeout(r, 300));
    for (const sa of this.sas.all()) this.deleteIkeSa(sa, 'shutting down', false);
  }

  /** After NAT detection, IKE moves to the NAT-T port on both sides (RFC 7296 2.23). */
  rekeyChildSa(sa: IkeSa, c: ChildSa): void {
    rekeyChild(this, sa, c);
  }

  rekeyIkeSa(sa: IkeSa): void {
    rekeyIke(this, sa);
  }

  switchToNatt(sa: IkeSa): void {
    if (sa.local.port === this.nattPort) return;
    sa.local = { address: sa.local.address, port: this.nattPort };
    sa.remote = { address: sa.remote.address, port: this.nattPort };
  }
}

