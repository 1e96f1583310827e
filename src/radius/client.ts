/**
 * RADIUS UDP client (RFC 2865, 2866, 5080): sends an Access-Request or
 * Accounting-Request, retransmits the identical packet `maxTries` times per
 * server with a timeout, then fails over to the next server, at most
 * `maxFailovers` times (iked's `radius [accounting] max-tries/max-failovers`).
 * A reply is accepted only from the server asked, with the pending
 * Identifier, an expected Code, a valid Response Authenticator and (when
 * present, or when an EAP-Message is carried) a valid Message-Authenticator.
 * Anything else is dropped and logged. The server that answered last stays
 * the first one tried.
 */
import { createSocket, Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { RADIUS_ATTR, RADIUS_CODE, radiusCodeName } from './dictionary';
import { decodeRadiusPacket, RadiusAttribute, RadiusPacket } from './packet';
import { encodeAccessRequest, encodeAccountingRequest, verifyResponse } from './authenticator';

export interface RadiusServer {
  address: string;
  port: number;
  secret: string;
}

export interface RadiusLog {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export interface RadiusClientOptions {
  servers: RadiusServer[];
  /** Transmissions per server before failing over (>= 1). */
  maxTries: number;
  /** Times to move on to the next server (0: only the current one). */
  maxFailovers: number;
  /** Wait per transmission, ms (default 3000). */
  timeoutMs?: number;
  log?: RadiusLog;
  /** For log lines: "RADIUS" or "RADIUS accounting". */
  label?: string;
}

export interface RadiusExchange {
  reply: RadiusPacket;
  /** The Request Authenticator of the request answered (for MS-MPPE key decryption). */
  requestAuthenticator: Buffer;
  server: RadiusServer;
}

/** No server answered validly within the tries and failovers. */
export class RadiusTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RadiusTimeoutError';
  }
}

interface Pending {
  server: RadiusServer;
  requestAuthenticator: Buffer;
  expect: number[];
  resolve: (p: RadiusPacket) => void;
}

const silentLog: RadiusLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

export class RadiusClient {
  private readonly servers: RadiusServer[];
  private readonly maxTries: number;
  private readonly maxFailovers: number;
  private readonly timeoutMs: number;
  private readonly log: RadiusLog;
  private readonly label: string;
  private current = 0;
  private nextId = Math.floor(Math.random() * 256);
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<4 | 6, Socket>();
  private closed = false;

  constructor(o: RadiusClientOptions) {
    if (o.servers.length === 0) throw new Error(`${o.label ?? 'RADIUS'}: no server configured`);
    if (!Number.isInteger(o.maxTries) || o.maxTries < 1) throw new RangeError(`${o.label ?? 'RADIUS'}: max-tries must be at least 1, not ${o.maxTries}`);
    if (!Number.isInteger(o.maxFailovers) || o.maxFailovers < 0) throw new RangeError(`${o.label ?? 'RADIUS'}: max-failovers must be 0 or more, not ${o.maxFailovers}`);
    this.servers = o.servers.slice();
    this.maxTries = o.maxTries;
    this.maxFailovers = o.maxFailovers;
    this.timeoutMs = o.timeoutMs ?? 3000;
    this.log = o.log ?? silentLog;
    this.label = o.label ?? 'RADIUS';
  }

  /** The server tried first (moves on failover). */
  get currentServer(): RadiusServer {
    return this.servers[this.current];
  }

  /** Send an Access-Request; resolves with the Accept, Reject or Challenge. */
  accessRequest(attributes: RadiusAttribute[]): Promise<RadiusExchange> {
    return this.exchange(RADIUS_CODE.ACCESS_REQUEST, attributes, [RADIUS_CODE.ACCESS_ACCEPT, RADIUS_CODE.ACCESS_REJECT, RADIUS_CODE.ACCESS_CHALLENGE]);
  }

  /** Send an Accounting-Request; resolves with the Accounting-Response. */
  accountingRequest(attributes: RadiusAttribute[]): Promise<RadiusExchange> {
    return this.exchange(RADIUS_CODE.ACCOUNTING_REQUEST, attributes, [RADIUS_CODE.ACCOUNTING_RESPONSE]);
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    for (const p of this.pending.values()) p.resolve(null as unknown as RadiusPacket);
    this.pending.clear();
  }

  private async exchange(code: number, attributes: RadiusAttribute[], expect: number[]): Promise<RadiusExchange> {
    const n = this.servers.length;
    const tried: string[] = [];
    for (let f = 0; f <= this.maxFailovers; f++) {
      if (this.closed) break;
      const server = this.servers[this.current];
      const id = this.allocateId();
      const enc = code === RADIUS_CODE.ACCOUNTING_REQUEST
        ? encodeAccountingRequest({ code, identifier: id, attributes }, server.secret)
        : encodeAccessRequest({ code, identifier: id, attributes }, server.secret);
      try {
        for (let t = 1; t <= this.maxTries && !this.closed; t++) {
          this.log.debug(`${this.label}: ${radiusCodeName(code)} id ${id} to ${hostPort(server)} (try ${t}/${this.maxTries})`);
          const reply = await this.transmit(server, id, enc.raw, enc.authenticator, expect);
          if (reply) {
            this.log.debug(`${this.label}: ${radiusCodeName(reply.code)} id ${id} from ${hostPort(server)}`);
            return { reply, requestAuthenticator: enc.authenticator, server };
          }
        }
      } finally {
        this.pending.delete(id);
      }
      tried.push(hostPort(server));
      if (this.closed) break;
      const next = (this.current + 1) % n;
      if (f < this.maxFailovers) {
        this.log.warn(`${this.label}: server ${hostPort(server)} did not answer after ${this.maxTries} tries, failing over to ${hostPort(this.servers[next])}`);
      } else {
        this.log.warn(`${this.label}: server ${hostPort(server)} did not answer after ${this.maxTries} tries`);
      }
      this.current = next;
    }
    throw new RadiusTimeoutError(
      this.closed ? `${this.label}: client closed` : `${this.label}: no answer to ${radiusCodeName(code)} from ${[...new Set(tried)].join(', ')} (${this.maxTries} tries each, ${this.maxFailovers} failovers)`,
    );
  }

  private allocateId(): number {
    for (let i = 0; i < 256; i++) {
      const id = this.nextId;
      this.nextId = (this.nextId + 1) & 0xff;
      if (!this.pending.has(id)) return id;
    }
    throw new Error(`${this.label}: 256 requests outstanding, no free Identifier`);
  }

  /** One transmission; resolves with a valid reply or null after the timeout. */
  private transmit(server: RadiusServer, id: number, raw: Buffer, requestAuthenticator: Buffer, expect: number[]): Promise<RadiusPacket | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, this.timeoutMs);
      this.pending.set(id, {
        server,
        requestAuthenticator,
        expect,
        resolve: (p) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(p ?? null);
        },
      });
      this.socketFor(server).send(raw, server.port, server.address, (err) => {
        if (err) this.log.warn(`${this.label}: sending to ${hostPort(server)}: ${err.message}`);
      });
    });
  }

  private socketFor(server: RadiusServer): Socket {
    const fam: 4 | 6 = isIPv6(server.address) ? 6 : 4;
    let s = this.sockets.get(fam);
    if (!s) {
      s = createSocket(fam === 6 ? 'udp6' : 'udp4');
      s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
      s.on('error', (e) => this.log.warn(`${this.label}: socket error: ${e.message}`));
      s.unref();
      this.sockets.set(fam, s);
    }
    return s;
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    const from = `${address}:${port}`;
    if (msg.length < 20) {
      this.log.debug(`${this.label}: dropped ${msg.length}-byte datagram from ${from}: too short`);
      return;
    }
    const p = this.pending.get(msg[1]);
    if (!p) {
      this.log.debug(`${this.label}: dropped reply id ${msg[1]} from ${from}: no request pending with that Identifier`);
      return;
    }
    if (p.server.address !== address || p.server.port !== port) {
      this.log.debug(`${this.label}: dropped reply id ${msg[1]} from ${from}: request went to ${hostPort(p.server)}`);
      return;
    }
    let pkt: RadiusPacket;
    try {
      pkt = decodeRadiusPacket(msg);
    } catch (e) {
      this.log.warn(`${this.label}: dropped malformed reply from ${from}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (!p.expect.includes(pkt.code)) {
      this.log.warn(`${this.label}: dropped unexpected ${radiusCodeName(pkt.code)} from ${from}`);
      return;
    }
    const hasEap = pkt.attributes.some((a) => a.type === RADIUS_ATTR.EAP_MESSAGE);
    const v = verifyResponse(msg, p.requestAuthenticator, p.server.secret, hasEap);
    if (!v.ok) {
      this.log.warn(`${this.label}: dropped ${radiusCodeName(pkt.code)} from ${from}: ${v.reason}`);
      return;
    }
    p.resolve(pkt);
  }
}

export function hostPort(s: { address: string; port: number }): string {
  return isIPv6(s.address) ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
}
