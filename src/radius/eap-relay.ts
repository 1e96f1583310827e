/**
 * EAP relayed to a RADIUS server (RFC 3579), the backend of `eap "radius"`
 * policies. We ask the peer for its identity ourselves, then every EAP
 * Response goes to the server in an Access-Request (EAP-Message split at 253
 * bytes, Message-Authenticator, the State of the last challenge):
 *   Access-Challenge -> the EAP Request it carries goes to the peer,
 *   Access-Accept    -> success, MSK = MS-MPPE-Recv-Key | MS-MPPE-Send-Key
 *                       (RFC 3748 / 5216 order, as strongSwan and iked use),
 *                       zero-padded to 64 bytes like the local EAP-MSCHAPv2 MSK,
 *                       reply attributes handed back for configuration payloads,
 *   Access-Reject    -> failure (the server's EAP-Failure, or ours).
 */
import { randomInt } from 'node:crypto';
import { EAP_CODE, EAP_TYPE } from '../wire/iana';
import type { RadiusConfigConf } from '../conf/types';
import type { EapServerBackend, EapStep } from '../ikev2/exchange/eap-backend';
import { decodeEap, describeEap, eapFailure, eapSuccess, encodeEap } from '../ikev2/payloads/eap-message';
import {
  MS_ATTR,
  NAS_PORT_TYPE,
  RADIUS_ATTR,
  RADIUS_CODE,
  RADIUS_VENDOR,
  radiusAttrName,
  radiusCodeName,
  SERVICE_TYPE,
} from './dictionary';
import { attrIpv4, attrString, attrU32, decodeVendorSpecific, findAttr, findVendorAttrs, joinAttribute, RadiusAttribute, RadiusPacket, splitAttribute } from './packet';
import { RadiusClient, RadiusLog, RadiusTimeoutError, hostPort } from './client';
import { decryptMppeKey } from './mppe-key';
import { radiusConfigAttributes } from './config-map';
import { CONFIG_ATTRIBUTE_PREFIX } from '../ikev2/exchange/eap-backend';

/** What the relay learned on Access-Accept, for accounting. */
export interface RadiusAcceptInfo {
  identity: string;
  /** Class attributes, echoed in accounting (RFC 2865 5.25). */
  classes: Buffer[];
  /** Framed-IP-Address, if the server assigned one. */
  framedIp?: string;
  /** The whole Access-Accept. */
  reply: RadiusPacket;
}

export interface RadiusEapRelayOptions {
  client: RadiusClient;
  /** For log lines, e.g. the policy name and SPI. */
  tag: string;
  log?: RadiusLog;
  /** NAS-Identifier (default "iked"). */
  nasIdentifier?: string;
  /** NAS-IP-Address, IPv4 text. */
  nasIpAddress?: string;
  /** Calling-Station-Id: the peer's address. */
  callingStationId?: string;
  /** Called-Station-Id: our address. */
  calledStationId?: string;
  /** `radius config` mappings (empty: the defaults of config-map.ts). */
  configMappings?: readonly RadiusConfigConf[];
  onAccept?: (info: RadiusAcceptInfo) => void;
}

const MSK_MIN = 64;
const silentLog: RadiusLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

export class RadiusEapRelay implements EapServerBackend {
  private identity: string | null = null;
  private peerIdentity = '';
  private state: Buffer | null = null;
  private lastEapId = 0;
  private closed = false;
  private readonly log: RadiusLog;

  constructor(private readonly o: RadiusEapRelayOptions) {
    this.log = o.log ?? silentLog;
  }

  async start(peerIdentity: string): Promise<EapStep> {
    this.peerIdentity = peerIdentity;
    this.lastEapId = randomInt(256);
    return { kind: 'request', message: encodeEap({ code: EAP_CODE.REQUEST, identifier: this.lastEapId, type: EAP_TYPE.IDENTITY, data: Buffer.alloc(0) }) };
  }

  async step(eapResponse: Buffer): Promise<EapStep> {
    if (this.closed) return this.fail('EAP conversation already closed');
    let resp;
    try {
      resp = decodeEap(eapResponse);
    } catch (e) {
      return this.fail(`malformed EAP from the peer: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (resp.code !== EAP_CODE.RESPONSE) return this.fail(`expected an EAP Response from the peer, got ${describeEap(eapResponse)}`);
    this.lastEapId = resp.identifier;
    if (this.identity === null) {
      // The first answer should be our Identity request's; a peer that skips it is named by its IDi.
      this.identity = resp.type === EAP_TYPE.IDENTITY ? resp.data.toString('utf8').replace(/\0+$/, '') : this.peerIdentity;
      if (this.identity === '') this.identity = this.peerIdentity;
      this.log.debug(`${this.o.tag}: EAP identity '${this.identity}', relaying to RADIUS`);
    }
    const attrs: RadiusAttribute[] = [attrString(RADIUS_ATTR.USER_NAME, this.identity)];
    if (this.o.nasIpAddress) attrs.push(attrIpv4(RADIUS_ATTR.NAS_IP_ADDRESS, this.o.nasIpAddress));
    attrs.push(attrString(RADIUS_ATTR.NAS_IDENTIFIER, this.o.nasIdentifier ?? 'iked'));
    attrs.push(attrU32(RADIUS_ATTR.SERVICE_TYPE, SERVICE_TYPE.FRAMED));
    attrs.push(attrU32(RADIUS_ATTR.NAS_PORT_TYPE, NAS_PORT_TYPE.VIRTUAL));
    if (this.o.calledStationId) attrs.push(attrString(RADIUS_ATTR.CALLED_STATION_ID, this.o.calledStationId));
    if (this.o.callingStationId) attrs.push(attrString(RADIUS_ATTR.CALLING_STATION_ID, this.o.callingStationId));
    attrs.push(...splitAttribute(RADIUS_ATTR.EAP_MESSAGE, eapResponse));
    if (this.state) attrs.push({ type: RADIUS_ATTR.STATE, value: this.state });

    let ex;
    try {
      ex = await this.o.client.accessRequest(attrs);
    } catch (e) {
      if (e instanceof RadiusTimeoutError) return this.fail(e.message);
      return this.fail(`RADIUS request failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (this.closed) return this.fail('EAP conversation closed while waiting for RADIUS');
    const { reply, server } = ex;
    const from = `RADIUS server ${hostPort(server)}`;
    const eap = joinAttribute(reply, RADIUS_ATTR.EAP_MESSAGE);
    switch (reply.code) {
      case RADIUS_CODE.ACCESS_CHALLENGE: {
        this.state = findAttr(reply, RADIUS_ATTR.STATE) ?? null;
        if (!eap) return this.fail(`${from} sent an Access-Challenge without EAP-Message`);
        let req;
        try {
          req = decodeEap(eap);
        } catch (e) {
          return this.fail(`${from} sent malformed EAP: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (req.code !== EAP_CODE.REQUEST) return this.fail(`${from} sent ${describeEap(eap)} in an Access-Challenge`);
        this.lastEapId = req.identifier;
        return { kind: 'request', message: eap };
      }
      case RADIUS_CODE.ACCESS_ACCEPT:
        return this.accepted(reply, eap, ex.requestAuthenticator, server.secret, from);
      case RADIUS_CODE.ACCESS_REJECT: {
        const msg = findAttr(reply, RADIUS_ATTR.REPLY_MESSAGE);
        const message = eap && isEapCode(eap, EAP_CODE.FAILURE) ? eap : eapFailure(this.lastEapId);
        this.close('done');
        return { kind: 'failure', message, reason: `${from} rejected '${this.identity}'${msg ? `: ${msg.toString('utf8')}` : ''}` };
      }
      default:
        return this.fail(`${from} answered ${radiusCodeName(reply.code)}`);
    }
  }

  close(_reason: 'done' | 'aborted'): void {
    if (this.closed) return;
    this.closed = true;
    this.state = null;
  }

  private accepted(reply: RadiusPacket, eap: Buffer | undefined, requestAuthenticator: Buffer, secret: string, from: string): EapStep {
    if (eap && !isEapCode(eap, EAP_CODE.SUCCESS)) return this.fail(`${from} sent ${describeEap(eap)} in an Access-Accept`);
    const recvAttr = findVendorAttrs(reply, RADIUS_VENDOR.MICROSOFT, MS_ATTR.MS_MPPE_RECV_KEY)[0];
    const sendAttr = findVendorAttrs(reply, RADIUS_VENDOR.MICROSOFT, MS_ATTR.MS_MPPE_SEND_KEY)[0];
    if (!recvAttr || !sendAttr) return this.fail(`${from} accepted '${this.identity}' without MS-MPPE-Recv-Key/MS-MPPE-Send-Key: no MSK for the IKE AUTH payload`);
    let recv: Buffer;
    let send: Buffer;
    try {
      recv = decryptMppeKey(recvAttr, secret, requestAuthenticator);
      send = decryptMppeKey(sendAttr, secret, requestAuthenticator);
    } catch (e) {
      return this.fail(`${from}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const keys = Buffer.concat([recv, send]);
    const msk = Buffer.alloc(Math.max(MSK_MIN, keys.length));
    keys.copy(msk);
    for (const b of [recv, send, keys]) b.fill(0);

    const attributes = radiusAttributesByName(reply);
    for (const a of radiusConfigAttributes(reply, this.o.configMappings ?? [])) {
      (attributes[`${CONFIG_ATTRIBUTE_PREFIX}${a.type}`] ??= []).push(a.value);
    }
    const identity = this.identity ?? this.peerIdentity;
    const framed = findAttr(reply, RADIUS_ATTR.FRAMED_IP_ADDRESS);
    try {
      this.o.onAccept?.({
        identity,
        classes: reply.attributes.filter((a) => a.type === RADIUS_ATTR.CLASS).map((a) => a.value),
        framedIp: framed?.length === 4 ? [...framed].join('.') : undefined,
        reply,
      });
    } catch (e) {
      this.log.warn(`${this.o.tag}: accounting hook: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.log.info(`${this.o.tag}: ${from} accepted '${identity}'`);
    this.close('done');
    return { kind: 'success', message: eap ?? eapSuccess(this.lastEapId), msk, identity, attributes };
  }

  private fail(reason: string): EapStep {
    this.close('aborted');
    return { kind: 'failure', message: eapFailure(this.lastEapId), reason };
  }
}

function isEapCode(eap: Buffer, code: number): boolean {
  return eap.length >= 4 && eap[0] === code;
}

/** Keys that never leave the relay: key material and transport attributes. */
const PRIVATE = new Set([RADIUS_ATTR.EAP_MESSAGE, RADIUS_ATTR.MESSAGE_AUTHENTICATOR, RADIUS_ATTR.STATE, RADIUS_ATTR.USER_PASSWORD]);
const PRIVATE_MS = new Set<number>([MS_ATTR.MS_MPPE_RECV_KEY, MS_ATTR.MS_MPPE_SEND_KEY]);

/** Reply attributes by FreeRADIUS-style name ("Framed-IP-Address", "MS-Primary-DNS-Server", "Class"). */
export function radiusAttributesByName(reply: RadiusPacket): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  for (const a of reply.attributes) {
    if (PRIVATE.has(a.type as never)) continue;
    if (a.type === RADIUS_ATTR.VENDOR_SPECIFIC) {
      let subs;
      try {
        subs = decodeVendorSpecific(a.value);
      } catch {
        continue;
      }
      for (const s of subs) {
        if (s.vendor === RADIUS_VENDOR.MICROSOFT && PRIVATE_MS.has(s.type)) continue;
        (out[radiusAttrName(s.type, s.vendor)] ??= []).push(s.value);
      }
      continue;
    }
    (out[radiusAttrName(a.type)] ??= []).push(a.value);
  }
  return out;
}
