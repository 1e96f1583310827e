/**
 * iked's create_ike(): from a parsed `ikev2` rule to a PolicyConf with the
 * semantic checks and inferences of iked (policy name, local/peer from the
 * flow when not given, address families, active mode requirements,
 * proposals with defaults, identities, lifetimes).
 */
import type { Token } from './lexer';
import type { ParseContext } from './parse-context';
import type { HostItem } from './parse-values';
import type { XformSet } from './proposal-build';
import { DEFAULT_IKE_LIFETIME, DEFAULT_LIFETIME_BYTES, DEFAULT_LIFETIME_SECONDS } from './defaults';
import { expandFlows } from './flows';
import { ID_MAX, makeIdentity } from './identity';
import type { AddrSpec, AuthConf, ConfigOptionConf, FlowConf, PolicyConf, PpkConf } from './types';

/** The lifetime of the policies that write none: one object for all (never modified). */
const DEFAULT_LIFETIME: PolicyConf['lifetime'] = Object.freeze({ seconds: DEFAULT_LIFETIME_SECONDS, bytes: DEFAULT_LIFETIME_BYTES });

/** IKED_CFG_MAX: iked keeps at most 16 config payload attributes. */
export const CFG_MAX = 16;

export interface RawPolicy {
  file: string;
  line: number;
  name?: string;
  quick: boolean;
  skip: boolean;
  isDefault: boolean;
  mode: 'active' | 'passive';
  ipcomp: boolean;
  encap: 'tunnel' | 'transport';
  natt: boolean;
  saProto: 'esp' | 'ah';
  af?: 4 | 6;
  protos: number[];
  rdomain?: number;
  /** Concatenated source and destination host lists (iked pairs them one by one). */
  src: HostItem[];
  dst: HostItem[];
  peer?: AddrSpec;
  local?: AddrSpec;
  ikesa: XformSet[];
  childsa: XformSet[];
  srcid?: string;
  dstid?: string;
  ikeLifetime?: number;
  lifetimeSeconds?: number;
  lifetimeBytes?: number;
  auth?: AuthConf;
  ppk?: PpkConf;
  cfg: RawCfg[];
  iface?: string;
  tag?: string;
  tap?: string;
}

/** A `config` or `request` option as written. */
export interface RawCfg {
  opt: ConfigOptionConf;
  request: boolean;
}

/** Zero the keys of a rule that is not kept (a psk, a ppk). */
export function wipeRawSecrets(raw: RawPolicy): void {
  if (raw.auth?.method === 'psk') raw.auth.psk.fill(0);
  raw.ppk?.key.fill(0);
}

function familyOf(a: AddrSpec | undefined): 4 | 6 | 0 {
  return a && a.kind === 'net' ? a.family : 0;
}

/** iked's "netaddress": networks and `any` cannot be an active peer. */
function isNetworkish(a: AddrSpec): boolean {
  if (a.kind === 'any') return true;
  if (a.kind === 'net') return a.isNetwork ?? a.text.includes('/');
  return false;
}

/** Report why the rule is refused, after zeroing its keys. */
function refuse(ctx: ParseContext, raw: RawPolicy, at: Token, message: string): void {
  wipeRawSecrets(raw);
  ctx.error(message, at);
  ctx.error('create_ike failed', at);
}

/** Local and peer as iked settles them (inferred from a single flow), or why the rule is refused. */
interface Ends {
  local: AddrSpec | undefined;
  peer: AddrSpec | undefined;
  af: 4 | 6 | undefined;
}

function settleEnds(raw: RawPolicy): Ends | string {
  if (raw.srcid !== undefined && Buffer.byteLength(raw.srcid) > ID_MAX) return 'srcid too long';
  if (raw.dstid !== undefined && Buffer.byteLength(raw.dstid) > ID_MAX) return 'dstid too long';
  const lf = familyOf(raw.local);
  const pf = familyOf(raw.peer);
  if (raw.local && raw.peer && lf && pf && lf !== pf) return 'create_ike: peer address family mismatch';
  if (raw.af && ((lf && lf !== raw.af) || (pf && pf !== raw.af))) return 'create_ike: policy address family mismatch';

  let local = raw.local;
  let peer = raw.peer;
  // (Not for default policies: print_policy omits their local/peer, so inferring would not print back.)
  if (!local && !peer && !raw.isDefault) {
    if (raw.src.length === 1) local = raw.src[0].addr;
    if (raw.dst.length === 1) peer = raw.dst[0].addr;
  }
  // A default policy needs none (print_policy omits local/peer for it, so its output parses back).
  if (!local && !peer && !raw.isDefault) return 'could not get local/peer specification';
  // as iked: a default policy may be active without local/peer (it answers any peer; with no peer it starts nothing)
  if (raw.mode === 'active' && !(raw.isDefault && !local && !peer)) {
    // `local any` is accepted (iked refuses it): print_policy shows an unset local as "any".
    if (!peer || isNetworkish(peer) || (local && local.kind !== 'any' && isNetworkish(local))) {
      return 'active mode requires local/peer address';
    }
  }
  // dynamic is only meaningful in flows; as local/peer it is "unspecified".
  if (local && local.kind === 'dynamic') local = undefined;
  if (peer && peer.kind === 'dynamic') peer = undefined;
  let af = raw.af;
  if (af === undefined) {
    const f = familyOf(local) || familyOf(peer);
    if (f) af = f;
  }
  return { local, peer, af };
}

/** The written from/to pairs (iked pairs the source and destination lists one by one). */
function flowsOf(raw: RawPolicy): FlowConf[] {
  const flows: FlowConf[] = [];
  for (let i = 0; i < raw.src.length && i < raw.dst.length; i++) {
    const s = raw.src[i];
    const d = raw.dst[i];
    const f: FlowConf = { src: s.addr, dst: d.addr };
    if (s.port !== undefined) f.srcPort = s.port;
    if (d.port !== undefined) f.dstPort = d.port;
    if (s.nat) f.srcNat = s.nat;
    flows.push(f);
  }
  return flows;
}

/** Build and record the policy; errors are reported at `at` (the end of the rule). */
export function buildPolicy(ctx: ParseContext, raw: RawPolicy, at: Token): void {
  const id = ++ctx.policyId;
  const ends = settleEnds(raw);
  if (typeof ends === 'string') return refuse(ctx, raw, at, ends);

  const ike = ctx.proposals.ikeFor(raw.ikesa);
  if (!ike.ok) return refuse(ctx, raw, at, ike.message);
  const child = ctx.proposals.childFor(raw.childsa);
  if (!child.ok) return refuse(ctx, raw, at, child.message);

  const flows = flowsOf(raw);
  const ex = expandFlows({ flows, protos: raw.protos });
  if (!ex.ok) {
    ctx.error(ex.message, at);
    return refuse(ctx, raw, at, 'create_ike: invalid flow');
  }
  if (ex.duplicates) ctx.warn('create_ike: duplicate flow', at);

  if (raw.cfg.length > CFG_MAX) ctx.warn(`more than ${CFG_MAX} config/request options: the rest are ignored`, at);
  // Checked: a check that prints no policies keeps none (LoadOptions.keepPolicies), and
  // making the PolicyConf can fail no more. The rule's psk and ppk are zeroed as it is dropped.
  if (ctx.settings.keepPolicies === false) {
    wipeRawSecrets(raw);
    ctx.rules++;
    return;
  }

  const config: ConfigOptionConf[] = [];
  const request: ConfigOptionConf[] = [];
  for (let i = 0; i < raw.cfg.length && i < CFG_MAX; i++) {
    const c = raw.cfg[i];
    (c.request ? request : config).push(c.opt);
  }

  const p: PolicyConf = {
    name: raw.name ?? `policy${id}`,
    file: raw.file,
    line: raw.line,
    quick: raw.quick,
    skip: raw.skip,
    isDefault: raw.isDefault,
    mode: raw.mode,
    ipcomp: raw.ipcomp,
    encap: raw.encap,
    natt: raw.natt,
    saProto: raw.saProto,
    protos: raw.protos,
    flows,
    ikesa: ike.proposals,
    childsa: child.proposals,
    ikeLifetime: raw.ikeLifetime || DEFAULT_IKE_LIFETIME,
    ikeLifetimeExplicit: !!raw.ikeLifetime,
    lifetime:
      raw.lifetimeSeconds === undefined ? DEFAULT_LIFETIME : { seconds: raw.lifetimeSeconds, bytes: raw.lifetimeBytes ?? DEFAULT_LIFETIME_BYTES },
    auth: raw.auth ?? { method: 'signature' },
    authExplicit: raw.auth !== undefined,
    config,
    request,
    ikesaDefault: raw.ikesa.length === 0,
    childsaDefault: raw.childsa.length === 0,
    seq: ctx.rules,
  };
  addOptional(p, raw, ends);
  ctx.config.policies.push(p);
  ctx.rules++;
}

/** The fields a policy has only when set (as written, or inferred). */
function addOptional(p: PolicyConf, raw: RawPolicy, ends: Ends): void {
  if (ends.af) p.af = ends.af;
  if (raw.rdomain !== undefined) p.rdomain = raw.rdomain;
  if (ends.local) p.local = ends.local;
  if (ends.peer) p.peer = ends.peer;
  if (raw.srcid !== undefined) p.srcid = makeIdentity(raw.srcid);
  if (raw.dstid !== undefined) p.dstid = makeIdentity(raw.dstid);
  if (raw.ppk) p.ppk = raw.ppk;
  if (raw.iface !== undefined) p.iface = raw.iface;
  if (raw.tag !== undefined) p.tag = raw.tag.length > 63 ? raw.tag.slice(0, 63) : raw.tag;
  if (raw.tap !== undefined) p.tap = raw.tap;
}
