/**
 * Configuration payloads (RFC 7296 2.19, 3.15).
 * Responder: CP(CFG_REQUEST) -> CP(CFG_REPLY) from the policy's `config`
 * options: INTERNAL_IP4/6_ADDRESS leased from the `config address NET` pool
 * (or a fixed host), DNS, NBNS, DHCP, netmask, protected subnets, access
 * server; the Child SA's TSi is narrowed to the leased address (a TSi of just
 * 0.0.0.0 or :: stands for it). A pool that
 * is exhausted gives INTERNAL_ADDRESS_FAILURE; a policy with a pool and a
 * peer without a CP request gives FAILED_CP_REQUIRED.
 * Initiator: `request OPTION any|ADDR` -> CP(CFG_REQUEST), and the reply
 * parsed into an AssignedConfig.
 */
import { CFG, CFG_ATTR, PAYLOAD, NOTIFY, TS } from '../../wire/iana';
import { CfgAttribute, CpPayload, Payload, TrafficSelector, TsPayload } from '../payloads/payload-types';
import { find } from '../payloads/payload-find';
import { addressText } from '../../wire/endpoint';
import { tsIntersect, tsText } from '../policy/traffic-selectors';
import { AddressPools, Lease } from '../policy/address-pool';
import type { AddrSpec, ConfigOptionConf } from '../../conf/types';
import type { IkeSa } from '../sa/ike-sa';
import type { EngineContext } from '../engine-context';
import { emptyAssigned, type AssignedConfig } from '../sa/assigned-config';

// ------------------------------------------------------------- attribute values

const ADDRESS_TYPES = new Set<number>([CFG_ATTR.INTERNAL_IP4_ADDRESS, CFG_ATTR.INTERNAL_IP6_ADDRESS]);

function maskBytes(prefixLen: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0, 0);
  return b;
}

function maskToPrefix(b: Buffer): number {
  let n = 0;
  for (const x of b) for (let i = 7; i >= 0; i--) if (x & (1 << i)) n++;
  return n;
}

/** The wire value of a CFG attribute for an address/network. */
export function attrValue(type: number, addr: Buffer, prefixLen: number): Buffer {
  switch (type) {
    case CFG_ATTR.INTERNAL_IP6_ADDRESS:
    case CFG_ATTR.INTERNAL_IP6_SUBNET:
      return Buffer.concat([addr, Buffer.from([prefixLen])]);
    case CFG_ATTR.INTERNAL_IP4_SUBNET:
      return Buffer.concat([addr, maskBytes(prefixLen)]);
    case CFG_ATTR.INTERNAL_IP4_NETMASK:
      return addr.length === 4 && prefixLen < 32 ? maskBytes(prefixLen) : addr;
    default:
      return addr;
  }
}

function specAddr(a: AddrSpec | undefined): { addr: Buffer; prefixLen: number; isNet: boolean } | null {
  if (!a || a.kind !== 'net') return null;
  return { addr: a.addr, prefixLen: a.prefixLen, isNet: !!a.isNetwork };
}

/** Parse a CFG_REPLY into an AssignedConfig; unknown or malformed attributes are skipped. */
export function parseReply(attrs: CfgAttribute[]): AssignedConfig {
  const out = emptyAssigned();
  for (const a of attrs) {
    const v = a.value;
    switch (a.type) {
      case CFG_ATTR.INTERNAL_IP4_ADDRESS:
        if (v.length === 4) out.addresses.push({ addr: addressText(v), prefixLen: 32 });
        break;
      case CFG_ATTR.INTERNAL_IP6_ADDRESS:
        if (v.length === 17) out.addresses.push({ addr: addressText(v.subarray(0, 16)), prefixLen: v[16] });
        break;
      case CFG_ATTR.INTERNAL_IP4_NETMASK:
        if (v.length === 4) out.netmask = addressText(v);
        break;
      case CFG_ATTR.INTERNAL_IP4_DNS:
      case CFG_ATTR.INTERNAL_IP6_DNS:
        if (v.length === 4 || v.length === 16) out.dns.push(addressText(v));
        break;
      case CFG_ATTR.INTERNAL_IP4_NBNS:
      case CFG_ATTR.INTERNAL_IP6_NBNS:
        if (v.length === 4 || v.length === 16) out.nbns.push(addressText(v));
        break;
      case CFG_ATTR.INTERNAL_IP4_DHCP:
      case CFG_ATTR.INTERNAL_IP6_DHCP:
        if (v.length === 4 || v.length === 16) out.dhcp.push(addressText(v));
        break;
      case CFG_ATTR.INTERNAL_IP4_SUBNET:
        if (v.length === 8) out.subnets.push({ addr: addressText(v.subarray(0, 4)), prefixLen: maskToPrefix(v.subarray(4)) });
        break;
      case CFG_ATTR.INTERNAL_IP6_SUBNET:
        if (v.length === 17) out.subnets.push({ addr: addressText(v.subarray(0, 16)), prefixLen: v[16] });
        break;
      case CFG_ATTR.INTERNAL_IP4_SERVER:
      case CFG_ATTR.INTERNAL_IP6_SERVER:
        if (v.length === 4 || v.length === 16) out.accessServers.push(addressText(v));
        break;
    }
  }
  return out;
}

export function describeAssigned(c: AssignedConfig): string {
  const parts: string[] = [];
  if (c.addresses.length) parts.push(`address ${c.addresses.map((a) => a.addr).join(',')}`);
  if (c.netmask) parts.push(`netmask ${c.netmask}`);
  if (c.dns.length) parts.push(`name-server ${c.dns.join(',')}`);
  if (c.nbns.length) parts.push(`netbios-server ${c.nbns.join(',')}`);
  if (c.dhcp.length) parts.push(`dhcp-server ${c.dhcp.join(',')}`);
  if (c.subnets.length) parts.push(`protected-subnet ${c.subnets.map((s) => `${s.addr}/${s.prefixLen}`).join(',')}`);
  if (c.accessServers.length) parts.push(`access-server ${c.accessServers.join(',')}`);
  return parts.join(' ') || 'nothing';
}

// ------------------------------------------------------------------ initiator

/** CP(CFG_REQUEST) for the policy's `request` options, or null when there are none. */
export function configRequest(options: ConfigOptionConf[]): CpPayload | null {
  if (!options.length) return null;
  const attributes: CfgAttribute[] = options.map((o) => {
    const a = specAddr(o.addr);
    return { type: o.type, value: a ? attrValue(o.type, a.addr, a.prefixLen) : Buffer.alloc(0) };
  });
  return { type: PAYLOAD.CP, cfgType: CFG.REQUEST, attributes };
}

/** The CFG_REPLY of a response, parsed, or null when there is none. */
export function configReply(inner: Payload[]): AssignedConfig | null {
  const cp = find<CpPayload>(inner, PAYLOAD.CP);
  if (!cp || cp.cfgType !== CFG.REPLY) return null;
  return parseReply(cp.attributes);
}

// ------------------------------------------------------------------ responder

/** The engine's address pools (leases are released when an IKE SA is removed: a removal listener of the engine). */
export function enginePools(e: EngineContext): AddressPools {
  return e.pools;
}

export const leaseOwner = (sa: IkeSa): string => sa.spiI.toString('hex') + sa.spiR.toString('hex');

export type ConfigAnswer =
  | { ok: true; payloads: Payload[]; inner: Payload[]; assigned: AssignedConfig | null }
  | { ok: false; notify: number; reason: string };

function hostTs(addr: Buffer): TrafficSelector {
  return { tsType: addr.length === 4 ? TS.IPV4_ADDR_RANGE : TS.IPV6_ADDR_RANGE, ipProtocol: 0, startPort: 0, endPort: 65535, startAddr: addr, endAddr: addr };
}

/**
 * A selector of the unspecified address alone (0.0.0.0-0.0.0.0, ::-::): an initiator's
 * placeholder for the address it asks for (OpenIKED's `from dynamic` sends it), which
 * stands for whatever address of that family is assigned.
 */
function isUnspecifiedHost(t: TrafficSelector, family: Buffer): boolean {
  return t.startAddr.length === family.length && t.startAddr.equals(t.endAddr) && t.startAddr.every((b) => b === 0);
}

/** The peer's TSi narrowed to the addresses we assigned (RFC 7296 2.19). */
function narrowTsi(inner: Payload[], addrs: Buffer[]): Payload[] {
  return inner.map((p) => {
    if (p.type !== PAYLOAD.TSi) return p;
    const sel: TrafficSelector[] = [];
    for (const t of (p as TsPayload).selectors) {
      for (const a of addrs) {
        const host = { ...hostTs(a), ipProtocol: t.ipProtocol, startPort: t.startPort, endPort: t.endPort };
        const x = isUnspecifiedHost(t, a) ? host : tsIntersect(t, host);
        if (x) sel.push(x);
      }
    }
    return { ...(p as TsPayload), selectors: sel };
  });
}

/**
 * Answer the peer's CP(CFG_REQUEST) of this IKE_AUTH. `identity` is the peer's
 * (EAP) identity, used for sticky addresses with `set stickyaddress`. On
 * failure nothing is kept (no lease).
 */
export function answerConfig(e: EngineContext, sa: IkeSa, inner: Payload[], identity: string, fromAaa: CfgAttribute[] = []): ConfigAnswer {
  const options = sa.policy.conf.config;
  if (fromAaa.length) return answerFromAaa(e, sa, inner, fromAaa);
  if (!options.length) return { ok: true, payloads: [], inner, assigned: null };
  const cp = find<CpPayload>(inner, PAYLOAD.CP);
  const pool = options.find((o) => ADDRESS_TYPES.has(o.type) && o.addr?.kind === 'net' && o.addr.isNetwork);
  if (!cp || cp.cfgType !== CFG.REQUEST) {
    if (pool) return { ok: false, notify: NOTIFY.FAILED_CP_REQUIRED, reason: `policy '${sa.policy.name}' assigns addresses but the peer sent no configuration request` };
    return { ok: true, payloads: [], inner, assigned: null };
  }
  const requested = new Set(cp.attributes.map((a) => a.type));
  const attrs: CfgAttribute[] = [];
  const leased: Buffer[] = [];
  const owner = leaseOwner(sa);
  const pools = enginePools(e);
  const undo = (): void => pools.releaseAll(owner);
  for (const o of options) {
    const a = specAddr(o.addr);
    if (!a) continue;
    if (ADDRESS_TYPES.has(o.type)) {
      if (!requested.has(o.type)) continue; // only to peers that ask for an address of that family
      let addr: Buffer;
      let lease: Lease | null = null;
      if (a.isNet) {
        const p = pools.get(sa.policy.name, { family: a.addr.length === 4 ? 4 : 6, addr: a.addr, prefixLen: a.prefixLen });
        lease = p.lease(owner, e.options.stickyAddress ? identity : undefined);
        if (!lease) {
          undo();
          return { ok: false, notify: NOTIFY.INTERNAL_ADDRESS_FAILURE, reason: `address pool ${p.text} of policy '${sa.policy.name}' is exhausted (${p.used} in use)` };
        }
        addr = lease.addr;
      } else {
        addr = a.addr;
      }
      leased.push(addr);
      attrs.push({ type: o.type, value: attrValue(o.type, addr, o.type === CFG_ATTR.INTERNAL_IP6_ADDRESS ? (a.isNet ? a.prefixLen : 128) : 32) });
      continue;
    }
    attrs.push({ type: o.type, value: attrValue(o.type, a.addr, a.prefixLen) });
  }
  if (!attrs.length) return { ok: true, payloads: [], inner, assigned: null };
  const assigned = parseReply(attrs);
  const narrowed = leased.length ? narrowTsi(inner, leased) : inner;
  const tsi = find<TsPayload>(narrowed, PAYLOAD.TSi);
  if (tsi && leased.length && !tsi.selectors.length) {
    undo();
    return { ok: false, notify: NOTIFY.TS_UNACCEPTABLE, reason: `peer's TSi does not include its assigned address ${leased.map(addressText).join(',')}` };
  }
  if (leased.length && e.log.getVerbose() >= 1) e.log.debug(`${e.spiTag(sa)}: TSi narrowed to ${tsi?.selectors.map(tsText).join(' ')}`);
  return { ok: true, payloads: [{ type: PAYLOAD.CP, cfgType: CFG.REPLY, attributes: attrs } as CpPayload], inner: narrowed, assigned };
}

/**
 * The AAA server (RADIUS: Framed-IP-Address, MS-Primary-DNS-Server, ... mapped by
 * `radius config`) decided the configuration: its attributes replace the pool and the
 * policy's `config` lines of the same type; the others still apply.
 */
function answerFromAaa(e: EngineContext, sa: IkeSa, inner: Payload[], fromAaa: CfgAttribute[]): ConfigAnswer {
  const cp = find<CpPayload>(inner, PAYLOAD.CP);
  if (!cp || cp.cfgType !== CFG.REQUEST) return { ok: true, payloads: [], inner, assigned: null };
  const requested = new Set(cp.attributes.map((a) => a.type));
  const aaaTypes = new Set(fromAaa.map((a) => a.type));
  const attrs: CfgAttribute[] = fromAaa.filter((a) => !ADDRESS_TYPES.has(a.type) || requested.has(a.type));
  for (const o of sa.policy.conf.config) {
    const a = specAddr(o.addr);
    if (!a || aaaTypes.has(o.type) || ADDRESS_TYPES.has(o.type)) continue;
    attrs.push({ type: o.type, value: attrValue(o.type, a.addr, a.prefixLen) });
  }
  const leased = attrs.filter((a) => ADDRESS_TYPES.has(a.type)).map((a) => a.value.subarray(0, a.type === CFG_ATTR.INTERNAL_IP6_ADDRESS ? 16 : 4));
  const narrowed = leased.length ? narrowTsi(inner, leased) : inner;
  const tsi = find<TsPayload>(narrowed, PAYLOAD.TSi);
  if (tsi && leased.length && !tsi.selectors.length) {
    return { ok: false, notify: NOTIFY.TS_UNACCEPTABLE, reason: `peer's TSi does not include its assigned address ${leased.map(addressText).join(',')}` };
  }
  e.log.debug(`${e.spiTag(sa)}: configuration from the AAA server: ${attrs.length} attributes`);
  return { ok: true, payloads: [{ type: PAYLOAD.CP, cfgType: CFG.REPLY, attributes: attrs } as CpPayload], inner: narrowed, assigned: parseReply(attrs) };
}

/** Give back what answerConfig leased for this SA (e.g. when the exchange fails). */
export function releaseConfig(e: EngineContext, sa: IkeSa): void {
  e.pools.releaseAll(leaseOwner(sa));
}

