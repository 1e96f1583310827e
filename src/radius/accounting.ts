/**
 * RADIUS accounting (RFC 2866): Accounting-Request Start when an IKE SA is
 * established, Interim-Update on request, Stop with Acct-Session-Time,
 * octet/packet counters (when known) and Acct-Terminate-Cause when it is
 * deleted. Failures are logged, never thrown: accounting must not break
 * the tunnel.
 */
import {
  ACCT_AUTHENTIC,
  ACCT_STATUS,
  NAS_PORT_TYPE,
  RADIUS_ATTR,
  SERVICE_TYPE,
} from './dictionary';
import { attrIpv4, attrString, attrU32, RadiusAttribute } from './packet';
import { RadiusClient, RadiusLog, hostPort } from './client';

export interface AccountingSession {
  /** Acct-Session-Id: unique per session (we use the IKE SA's SPIs). */
  sessionId: string;
  userName: string;
  /** Peer address (Calling-Station-Id). */
  callingStationId?: string;
  /** Our address (Called-Station-Id). */
  calledStationId?: string;
  /** Address assigned to the peer. */
  framedIp?: string;
  /** Class attributes from the Access-Accept. */
  classes?: Buffer[];
  /** Unix ms when the session started. */
  startedAt: number;
}

export interface AccountingCounters {
  inputOctets?: number;
  outputOctets?: number;
  inputPackets?: number;
  outputPackets?: number;
}

export interface RadiusAccountingOptions {
  client: RadiusClient;
  nasIdentifier?: string;
  nasIpAddress?: string;
  log?: RadiusLog;
}

const silentLog: RadiusLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };
const TWO32 = 2 ** 32;

export class RadiusAccounting {
  private readonly log: RadiusLog;

  constructor(private readonly o: RadiusAccountingOptions) {
    this.log = o.log ?? silentLog;
  }

  /** Send Start; resolves true when the server acknowledged it. */
  start(s: AccountingSession): Promise<boolean> {
    return this.send('Start', s, [attrU32(RADIUS_ATTR.ACCT_STATUS_TYPE, ACCT_STATUS.START)]);
  }

  interim(s: AccountingSession, c: AccountingCounters = {}): Promise<boolean> {
    return this.send('Interim-Update', s, [attrU32(RADIUS_ATTR.ACCT_STATUS_TYPE, ACCT_STATUS.INTERIM_UPDATE), ...sessionTime(s), ...counters(c)]);
  }

  /** Send Stop with the ACCT_TERMINATE_CAUSE.* `cause`. */
  stop(s: AccountingSession, cause: number, c: AccountingCounters = {}): Promise<boolean> {
    return this.send('Stop', s, [
      attrU32(RADIUS_ATTR.ACCT_STATUS_TYPE, ACCT_STATUS.STOP),
      ...sessionTime(s),
      ...counters(c),
      attrU32(RADIUS_ATTR.ACCT_TERMINATE_CAUSE, cause),
    ]);
  }

  close(): void {
    this.o.client.close();
  }

  private async send(what: string, s: AccountingSession, specific: RadiusAttribute[]): Promise<boolean> {
    const attrs: RadiusAttribute[] = [
      ...specific,
      attrString(RADIUS_ATTR.ACCT_SESSION_ID, s.sessionId),
      attrString(RADIUS_ATTR.USER_NAME, s.userName),
      attrU32(RADIUS_ATTR.ACCT_AUTHENTIC, ACCT_AUTHENTIC.RADIUS),
      attrU32(RADIUS_ATTR.ACCT_DELAY_TIME, 0),
      attrU32(RADIUS_ATTR.EVENT_TIMESTAMP, Math.floor(Date.now() / 1000)),
      attrString(RADIUS_ATTR.NAS_IDENTIFIER, this.o.nasIdentifier ?? 'iked'),
      attrU32(RADIUS_ATTR.SERVICE_TYPE, SERVICE_TYPE.FRAMED),
      attrU32(RADIUS_ATTR.NAS_PORT_TYPE, NAS_PORT_TYPE.VIRTUAL),
    ];
    if (this.o.nasIpAddress) attrs.push(attrIpv4(RADIUS_ATTR.NAS_IP_ADDRESS, this.o.nasIpAddress));
    if (s.calledStationId) attrs.push(attrString(RADIUS_ATTR.CALLED_STATION_ID, s.calledStationId));
    if (s.callingStationId) attrs.push(attrString(RADIUS_ATTR.CALLING_STATION_ID, s.callingStationId));
    if (s.framedIp) attrs.push(attrIpv4(RADIUS_ATTR.FRAMED_IP_ADDRESS, s.framedIp));
    for (const c of s.classes ?? []) attrs.push({ type: RADIUS_ATTR.CLASS, value: c });
    try {
      const ex = await this.o.client.accountingRequest(attrs);
      this.log.debug(`RADIUS accounting: ${what} for '${s.userName}' session ${s.sessionId} acknowledged by ${hostPort(ex.server)}`);
      return true;
    } catch (e) {
      this.log.warn(`RADIUS accounting: ${what} for '${s.userName}' session ${s.sessionId} not recorded: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }
}

function sessionTime(s: AccountingSession): RadiusAttribute[] {
  return [attrU32(RADIUS_ATTR.ACCT_SESSION_TIME, Math.max(0, Math.floor((Date.now() - s.startedAt) / 1000)))];
}

function counters(c: AccountingCounters): RadiusAttribute[] {
  const out: RadiusAttribute[] = [];
  const big = (n: number | undefined, low: number, high: number): void => {
    if (n === undefined || !Number.isFinite(n) || n < 0) return;
    out.push(attrU32(low, n % TWO32));
    if (n >= TWO32) out.push(attrU32(high, Math.floor(n / TWO32)));
  };
  big(c.inputOctets, RADIUS_ATTR.ACCT_INPUT_OCTETS, RADIUS_ATTR.ACCT_INPUT_GIGAWORDS);
  big(c.outputOctets, RADIUS_ATTR.ACCT_OUTPUT_OCTETS, RADIUS_ATTR.ACCT_OUTPUT_GIGAWORDS);
  if (c.inputPackets !== undefined) out.push(attrU32(RADIUS_ATTR.ACCT_INPUT_PACKETS, c.inputPackets % TWO32));
  if (c.outputPackets !== undefined) out.push(attrU32(RADIUS_ATTR.ACCT_OUTPUT_PACKETS, c.outputPackets % TWO32));
  return out;
}
