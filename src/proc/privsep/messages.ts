/**
 * The privsep message catalogue: every message type exchanged between parent,
 * engine (ikev2), ca and control, with the check of its body and reply.
 * Sizes: addresses 64 chars, keys 1 KiB, AUTH octets 64 KiB, certificates 64 KiB each.
 */
import type { KernelEvent, IpsecProtocol } from '../../platform/types';
import type { BinaryType } from './frame-channel';
import type { IkedConfig, OcspConf, PolicyConf } from '../../conf/types';
import type { IkedOptions } from '../daemon-options';
import type { ClientConfigPlan, ConfigReport } from '../../platform/client-config';
import { isIP } from 'node:net';
import type { CertstoreEntry, FlowView, IkeSaView, MonitorEvent, ResetTarget } from '../control-api';
import { RESET_TARGETS } from '../control-api';
import { Check, IpcCheckError, arr, bool, buf, int, isRecord, nothing, nullable, obj, oneOf, opt, plain, port, record, str, uint32 } from './check';

/** Message type names. */
export const M = {
  // engine -> parent (kernel proxy), parent -> engine (events)
  kFlush: 'kernel.flush',
  kEvent: 'kernel.event',
  /** the kernel requests issued in one tick (e.g. one Child SA's SAs and flows), one binary frame each way */
  kBatch: 'kernel.batch',
  // engine <-> ca
  caSign: 'ca.sign',
  caVerify: 'ca.verify',
  caVerifySign: 'ca.verify-sign',
  caInfo: 'ca.info',
  caLoad: 'ca.load',
  // parent <-> children
  caInit: 'ca.init',
  caCertstore: 'ca.certstore',
  /** ca -> parent, a confined ca at each load: the private key (the parent reads it) */
  caKey: 'ca.key',
  /** ca -> parent, a confined ca (no resolv.conf in its chroot): an OCSP responder's host name */
  caLookup: 'ca.lookup',
  engineInit: 'engine.init',
  engineConfig: 'engine.config',
  engineShutdown: 'engine.shutdown',
  controlInit: 'control.init',
  logVerbose: 'log.verbose',
  // control <-> engine / parent
  ctlReset: 'ctl.reset',
  ctlMode: 'ctl.mode',
  ctlShowSa: 'ctl.showSa',
  ctlShowFlows: 'ctl.showFlows',
  ctlShowStats: 'ctl.showStats',
  ctlEvent: 'ctl.event',
  /** control -> engine: whether ikectl monitors are connected (events are sent only then) */
  ctlMonitor: 'ctl.monitor',
  ctlReload: 'ctl.reload',
  ctlCouple: 'ctl.couple',
  ctlLog: 'ctl.log',
  ctlCertstore: 'ctl.certstore',
  // MOBIKE: parent -> engine, the local addresses changed (new sockets follow on the node IPC channel)
  engineAddresses: 'engine.addresses',
  // client configuration (`iface`): engine -> parent, applied/removed as root
  cfgApply: 'config.apply',
  cfgRemove: 'config.remove',
} as const;

/** Frame limits per link (both directions). */
export const MAX_FRAME = {
  parentEngine: 64 * 1024 * 1024, // configurations
  parentCa: 16 * 1024 * 1024,
  parentControl: 1024 * 1024,
  engineCa: 2 * 1024 * 1024, // up to 16 certificates of 64 KiB
  engineControl: 64 * 1024 * 1024, // SA views
} as const;

export const ADDR = 64;
export const KEY = 1024;
const NAME = 256;

const ipsecProtocol = oneOf<IpsecProtocol>('esp', 'ah');
const addr = str(ADDR);

// ------------------------------------------------------------------ kernel

/**
 * The engine's kernel requests (allocSpi, SAs, flows, counters) travel as binary
 * kernel.batch frames (kernel-codec.ts) with the limits above; MAX_BATCH operations
 * per frame at most.
 */
export const MAX_BATCH = 64;
export const KERNEL_BATCH: BinaryType = { code: 1, name: M.kBatch };

const selectorCheck = obj<{ src: string; dst: string; proto: number }>({ src: addr, dst: addr, proto: int(0, 255) });

export const kernelEventCheck: Check<KernelEvent> = (v, w) => {
  const o = record(v, w);
  switch (o.type) {
    case 'acquire':
      return obj<Extract<KernelEvent, { type: 'acquire' }>>({ type: oneOf('acquire'), src: addr, dst: addr, selector: selectorCheck, reqid: opt(uint32) })(v, w);
    case 'expire':
      return obj<Extract<KernelEvent, { type: 'expire' }>>({ type: oneOf('expire'), hard: bool, spi: uint32, dst: addr, protocol: ipsecProtocol })(v, w);
    case 'migrate':
      plain(4)(v, w);
      return o as KernelEvent;
    default:
      throw new IpcCheckError(`${w}: unknown kernel event type`);
  }
};

// ------------------------------------------------------------------ ca

const hashAlgs = arr(int(0, 65535), 32);

/**
 * The engine's ca.sign, ca.verify and ca.verify-sign requests and their replies
 * travel as binary frames (auth-codec.ts, with the limits it names).
 */
export const CA_SIGN: BinaryType = { code: 2, name: M.caSign };
export const CA_VERIFY: BinaryType = { code: 3, name: M.caVerify };
export const CA_VERIFY_SIGN: BinaryType = { code: 4, name: M.caVerifySign };

export interface CaInfo {
  certRequest: Buffer | null;
  hashAlgorithms: number[];
}
export const caInfoCheck = obj<CaInfo>({ certRequest: nullable(buf(20 * 1024)), hashAlgorithms: hashAlgs });

/** Policies as configuration data (shape checked here, meaning by buildPolicy/CaService). */
export const policiesCheck: Check<PolicyConf[]> = (v, w) => {
  const list = arr(record, 10_000)(v, w);
  plain(24)(list, w);
  list.forEach((p, i) => {
    str(NAME)(p.name, `${w}[${i}].name`);
    const auth = record(p.auth, `${w}[${i}].auth`);
    str(32)(auth.method, `${w}[${i}].auth.method`);
  });
  return list as unknown as PolicyConf[];
};

/** Global options for the ca (CaOptions of ca-service): `set ocsp`. */
export interface CaOptionsMsg {
  ocsp?: OcspConf;
}
const ocspConfCheck = obj<OcspConf>({ url: str(2048), tolerate: int(0, 0x7fffffff), maxAge: int(-1, 0x7fffffff) });
export const caOptionsCheck = obj<CaOptionsMsg>({ ocsp: opt(ocspConfCheck) });

export const caLoadCheck = obj<{ policies: PolicyConf[]; options?: CaOptionsMsg }>({ policies: policiesCheck, options: opt(caOptionsCheck) });

const certstoreEntry = obj<CertstoreEntry>({ subject: str(4096), issuer: str(4096), notAfter: str(64), kind: oneOf('ca', 'cert') });
export const certstoreCheck = obj<{ certs: CertstoreEntry[] }>({ certs: arr(certstoreEntry, 10_000) });

export interface CaInit {
  dir: string;
  policies: PolicyConf[];
  options?: CaOptionsMsg;
  /** chroot to root and become uid/gid before loading (ca-confinement.ts); null or absent: stay root */
  confine?: { root: string; uid: number; gid: number } | null;
}
export const caInitCheck = obj<CaInit>({
  dir: str(4096),
  policies: policiesCheck,
  options: opt(caOptionsCheck),
  confine: opt(nullable(obj<{ root: string; uid: number; gid: number }>({ root: str(4096), uid: uint32, gid: uint32 }))),
});

/** The private key as PKCS#8 DER, or null when there is none. */
export const caKeyCheck = obj<{ key: Buffer | null }>({ key: nullable(buf(16 * 1024)) });

/** A host name as in an http:// URL (letters, digits, '-', '.'; or a bracket-less IPv6 literal). */
const hostName: Check<string> = (v, w) => {
  const h = str(253)(v, w);
  if (!/^[A-Za-z0-9.-]+$/.test(h) && !isIP(h)) throw new IpcCheckError(`${w}: not a host name`);
  return h;
};
export const caLookupCheck = obj<{ host: string }>({ host: hostName });
export interface LookupAddress {
  address: string;
  family: number;
}
const lookupAddress: Check<LookupAddress> = (v, w) => {
  const a = obj<LookupAddress>({ address: addr, family: int(4, 6) })(v, w);
  if (isIP(a.address) !== a.family) throw new IpcCheckError(`${w}: ${a.address} is not an IPv${a.family} address`);
  return a;
};
export const caLookupReplyCheck = obj<{ addresses: LookupAddress[] }>({ addresses: arr(lookupAddress, 32) });

/** The ca needs no pre-shared key: drop them before a config goes there. */
export function withoutPsk(policies: PolicyConf[]): PolicyConf[] {
  return policies.map((p) => (p.auth.method === 'psk' ? { ...p, auth: { method: 'psk', psk: Buffer.alloc(0) } } : p));
}

// ------------------------------------------------------------------ engine

export const configCheck: Check<IkedConfig> = (v, w) => {
  const o = record(v, w);
  record(o.options, `${w}.options`);
  policiesCheck(o.policies, `${w}.policies`);
  plain(24)(o, w);
  return o as unknown as IkedConfig;
};

export const ikedOptionsCheck: Check<IkedOptions> = (v, w) => {
  const o = record(v, w);
  plain(4)(o, w);
  str(4096)(o.configFile, `${w}.configFile`);
  str(4096)(o.socketPath, `${w}.socketPath`);
  int(0, 16)(o.verbose, `${w}.verbose`);
  port(o.ikePort, `${w}.ikePort`);
  port(o.nattPort, `${w}.nattPort`);
  oneOf('auto', 'force', 'disable')(o.natt, `${w}.natt`);
  bool(o.passive, `${w}.passive`);
  bool(o.foreground, `${w}.foreground`);
  if (!isRecord(o.macros)) throw new IpcCheckError(`${w}.macros: expected an object`);
  return o as unknown as IkedOptions;
};

export interface EngineInit {
  opts: IkedOptions;
  config: IkedConfig;
  /** the sockets that follow on the node IPC channel */
  sockets: Array<{ address: string; port: number }>;
  timing: Record<string, number>;
  /** the parent's kernel adapter name */
  kernelName?: string;
}
export const engineInitCheck = obj<EngineInit>({
  opts: ikedOptionsCheck,
  config: configCheck,
  sockets: arr(obj<{ address: string; port: number }>({ address: addr, port }), 4096),
  timing: (v, w) => {
    const o = record(v, w);
    for (const [k, x] of Object.entries(o)) int(0, Number.MAX_SAFE_INTEGER)(x, `${w}.${k}`);
    return o as Record<string, number>;
  },
  kernelName: (v, w) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !/^[a-z-]{1,32}$/.test(v)) throw new IpcCheckError(`${w}: expected an adapter name`);
    return v;
  },
});
export const engineConfigCheck = obj<{ config: IkedConfig }>({ config: configCheck });

export const verboseCheck = obj<{ verbose: boolean }>({ verbose: bool });

// ------------------------------------------------------------------ control

export interface ControlInit {
  socketPath: string;
  chroot: string;
  uid: number;
  gid: number;
}
export const controlInitCheck = obj<ControlInit>({ socketPath: str(4096), chroot: str(4096), uid: uint32, gid: uint32 });

export const resetCheck = obj<{ what: ResetTarget; arg?: string }>({ what: oneOf(...RESET_TARGETS), arg: opt(str(1024)) });
export const modeCheck = obj<{ mode: 'active' | 'passive' }>({ mode: oneOf('active', 'passive') });
export const reloadCheck = obj<{ file?: string }>({ file: opt(str(4096)) });
export const reloadResultCheck = obj<{ ok: boolean; errors: string[] }>({ ok: bool, errors: arr(str(4096), 1000) });
export const coupleCheck = obj<{ coupled: boolean }>({ coupled: bool });

/** Views the control process asks the engine for when ikectl does (replies are plain data, shape-checked). */
export const saViewsCheck: Check<IkeSaView[]> = (v, w) => arr(plain(8), 1_000_000)(v, w) as IkeSaView[];
export const flowViewsCheck: Check<FlowView[]> = (v, w) => arr(plain(4), 1_000_000)(v, w) as FlowView[];
export const statsCheck: Check<Record<string, number>> = (v, w) => {
  const o = record(v, w);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'number') throw new IpcCheckError(`${w}.${k}: expected a number`);
  return o as Record<string, number>;
};
export const monitorOnCheck = obj<{ on: boolean }>({ on: bool });
export const monitorEventCheck = obj<MonitorEvent>({ time: int(0, Number.MAX_SAFE_INTEGER), kind: str(64), message: str(4096), spi: opt(str(64)) });

export const empty = nothing;
export { str };

// ------------------------------------------------------------------ MOBIKE addresses

/** An IP address in its textual form (what os.networkInterfaces() and the sockets use). */
export const ipAddress: Check<string> = (v, w) => {
  const a = str(ADDR)(v, w);
  if (isIP(a) === 0) throw new IpcCheckError(`${w}: '${a}' is not an IP address`);
  return a;
};

export const MAX_ADDRESSES = 4096;

export interface AddressChangeMsg {
  /** every local address now */
  present: string[];
  /** addresses gone: the engine closes their sockets */
  removed: string[];
  /** sockets the parent bound on new addresses: they follow on the node IPC channel */
  sockets: Array<{ address: string; port: number }>;
}
export const addressChangeCheck = obj<AddressChangeMsg>({
  present: arr(ipAddress, MAX_ADDRESSES),
  removed: arr(ipAddress, MAX_ADDRESSES),
  sockets: arr(obj<{ address: string; port: number }>({ address: ipAddress, port: int(1, 65535) }), MAX_ADDRESSES),
});

// ------------------------------------------------------------------ client configuration

export const IFACE_RE = /^[A-Za-z0-9_.:-]{1,15}$/;

/** A Linux interface name; none starts with '-' (it would read as an option). */
export const ifaceName: Check<string> = (v, w) => {
  const n = str(15)(v, w);
  if (!IFACE_RE.test(n) || n.startsWith('-')) throw new IpcCheckError(`${w}: '${n}' is not an interface name`);
  return n;
};

/** "ADDRESS/LEN" with LEN within the family's range (0 excluded: no default route taken over). */
export const cidr: Check<string> = (v, w) => {
  const s = str(ADDR + 4)(v, w);
  const m = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(s);
  const fam = m ? isIP(m[1]) : 0;
  if (!m || fam === 0) throw new IpcCheckError(`${w}: '${s}' is not ADDRESS/PREFIX`);
  const len = Number(m[2]);
  if (len < 1 || len > (fam === 4 ? 32 : 128)) throw new IpcCheckError(`${w}: prefix length ${len} out of range`);
  return s;
};

export const MAX_CFG_ADDRESSES = 16;
export const MAX_CFG_ROUTES = 256;
export const MAX_CFG_DNS = 16;

export const clientConfigPlanCheck = obj<ClientConfigPlan>({
  iface: ifaceName,
  addresses: arr(cidr, MAX_CFG_ADDRESSES),
  routes: arr(cidr, MAX_CFG_ROUTES),
  src: opt(ipAddress),
  dns: arr(ipAddress, MAX_CFG_DNS),
});
export const configReportCheck = obj<ConfigReport>({ info: arr(str(4096), 64), warnings: arr(str(4096), 64) });
