/**
 * Policies and users as iked's print_policy()/print_user() show them
 * (`iked -n -v`), so the two implementations can be diffed. Where iked's
 * output would not parse back (an identity with spaces or a leading '/',
 * `inet` printed after `proto`), the text is quoted or the parser accepts
 * it, so print -> parse -> print is stable.
 */
import { ESN, TRANSFORM } from '../wire/iana';
import { addrText, formatAddress, isNetworkAddr } from './address';
import { expandFlows, ExpandedFlow } from './flows';
import { bareOrQuoted, quoteString } from './conf-quote';
import { ppkText } from './ppk';
import { PRINT_ORDER } from './proposal-build';
import { protocolName } from './protocols';
import { AUTH_XFS, cpName, ESN_XFS, GROUP_XFS, IKE_ENC_XFS, IPSEC_ENC_XFS, PRF_XFS, XfEntry, xfName } from './transforms';
import type { AddrSpec, ChildProposalConf, IkeProposalConf, PolicyConf, TransformConf, UserConf } from './types';
import type { NetAddr } from './address';

export function printUser(u: Pick<UserConf, 'name' | 'password'>): string {
  return `user ${quoteString(u.name)} ${quoteString(u.password)}`;
}

function netText(a: NetAddr): string {
  return isNetworkAddr(a) ? `${formatAddress(a.addr)}/${a.prefixLen}` : formatAddress(a.addr);
}

function flowText(f: ExpandedFlow): string {
  let s = ` from ${netText(f.src)}`;
  if (f.srcPort) s += ` port ${f.srcPort}`;
  s += ` to ${netText(f.dst)}`;
  if (f.dstPort) s += ` port ${f.dstPort}`;
  return s;
}

/** print_host of local/peer: unspecified and `any` print as "any". */
function endpointText(a: AddrSpec | undefined): string {
  if (!a || a.kind === 'dynamic') return 'any';
  return addrText(a);
}

/** Config values print as the bare address (no prefix length), like print_addr(). */
function cfgAddrText(a: AddrSpec | undefined): string {
  return a && a.kind === 'net' ? formatAddress(a.addr) : endpointText(a);
}

function encName(t: TransformConf, table: readonly XfEntry[]): string {
  return xfName(t.id, t.keyBits ? t.keyBits / 8 : 0, table);
}

function proposalText(kind: 'ikesa' | 'childsa', p: IkeProposalConf | ChildProposalConf): string {
  const encTable = kind === 'ikesa' ? IKE_ENC_XFS : IPSEC_ENC_XFS;
  const prf = 'prf' in p ? p.prf : [];
  const esn = 'esn' in p ? p.esn : [];
  const n = p.encr.length + prf.length + p.integ.length + p.dh.length + esn.length;
  if (n === 0) return '';
  let s = ` ${kind}`;
  for (const type of PRINT_ORDER) {
    switch (type) {
      case TRANSFORM.ENCR:
        for (const t of p.encr) s += ` enc ${encName(t, encTable)}`;
        break;
      case TRANSFORM.PRF:
        for (const id of prf) s += ` prf ${xfName(id, 0, PRF_XFS)}`;
        break;
      case TRANSFORM.INTEG:
        for (const id of p.integ) s += ` auth ${xfName(id, 0, AUTH_XFS)}`;
        break;
      case TRANSFORM.DH:
        for (const id of p.dh) s += ` group ${xfName(id, 0, GROUP_XFS)}`;
        // RFC 9370 additional key exchanges (transform types 6..12) right after the main one.
        (p.addke ?? []).forEach((list, i) => {
          for (const id of list) s += ` ke${i + 1} ${xfName(id, 0, GROUP_XFS)}`;
        });
        break;
      case TRANSFORM.ESN:
        for (const id of esn) s += ` ${xfName(id === ESN.YES ? ESN.YES : ESN.NO, 0, ESN_XFS)}`;
        break;
    }
  }
  return s;
}

function authText(p: PolicyConf): string {
  const a = p.auth;
  switch (a.method) {
    case 'psk':
      return ` psk 0x${a.psk.toString('hex')}`;
    case 'eap':
      return ` eap "${a.eap === 'radius' ? 'RADIUS' : 'MSCHAP_V2'}"`;
    default:
      return ` ${a.method}`;
  }
}

/** One policy, exactly one line without the trailing newline. */
export function printPolicy(p: PolicyConf): string {
  let s = `ikev2 ${quoteString(p.name)}`;
  if (p.isDefault) s += ' default';
  else if (p.quick) s += ' quick';
  else if (p.skip) s += ' skip';
  s += p.mode === 'active' ? ' active' : ' passive';
  if (p.ipcomp) s += ' ipcomp';
  s += p.encap === 'transport' ? ' transport' : ' tunnel';
  if (p.natt) s += ' natt';
  s += ` ${p.saProto}`;
  if (p.protos.length) s += ` proto { ${p.protos.map(protocolName).join(', ')} }`;
  if (p.af) s += p.af === 4 ? ' inet' : ' inet6';
  if (p.rdomain !== undefined) s += ` rdomain ${p.rdomain}`;
  const ex = expandFlows(p);
  if (ex.ok) for (const f of ex.flows) s += flowText(f);
  if (!p.isDefault) s += ` local ${endpointText(p.local)} peer ${endpointText(p.peer)}`;
  for (const prop of p.ikesa) s += proposalText('ikesa', prop);
  for (const prop of p.childsa) s += proposalText('childsa', prop);
  if (p.srcid) s += ` srcid ${bareOrQuoted(p.srcid.text)}`;
  if (p.dstid) s += ` dstid ${bareOrQuoted(p.dstid.text)}`;
  if (p.ikeLifetimeExplicit) s += ` ikelifetime ${p.ikeLifetime}`;
  s += ` lifetime ${p.lifetime.seconds} bytes ${p.lifetime.bytes}`;
  s += authText(p);
  if (p.ppk) s += ppkText(p.ppk);
  for (const c of p.config) s += ` config ${cpName(c.type)} ${cfgAddrText(c.addr)}`;
  for (const c of p.request) s += ` request ${cpName(c.type)} ${cfgAddrText(c.addr)}`;
  if (p.iface) s += ` iface ${bareOrQuoted(p.iface)}`;
  if (p.tag) s += ` tag ${quoteString(p.tag)}`;
  if (p.tap && Number(p.tap.slice(3)) !== 0) s += ` tap "enc${Number(p.tap.slice(3))}"`;
  return s;
}
