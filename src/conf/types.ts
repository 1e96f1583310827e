/**
 * Data model of a parsed iked.conf(5): what the parser produces and the
 * daemon consumes. All algorithm/ID/config numbers are those of
 * src/wire/iana.ts.
 */

/** One configuration error or warning, with exact location. */
export interface ConfError {
  file: string;
  /** 1-based; 0 when it is about the whole file (as iked: "no valid configuration rules found") */
  line: number;
  message: string;
}

/** OCSP settings: `set ocsp URL [tolerate T [maxage T]]`. */
export interface OcspConf {
  /** Responder URL. */
  url: string;
  /** Tolerated clock skew for thisUpdate/nextUpdate, seconds. */
  tolerate: number;
  /** Maximum age of a response, seconds; -1 = not checked. */
  maxAge: number;
}

export interface GlobalOptions {
  mode: 'active' | 'passive';
  decouple: boolean;
  fragmentation: boolean;
  mobike: boolean;
  enforceSingleIkeSa: boolean;
  stickyAddress: boolean;
  vendorId: boolean;
  certPartialChain: boolean;
  ocsp?: OcspConf;
  /** Seconds; iked default 60. */
  dpdCheckInterval: number;
}

/** `user "name" "password"`: local EAP-MSCHAPv2 user. */
export interface UserConf {
  name: string;
  password: string;
  file: string;
  line: number;
  /** Position among the users and policies of the file (load order). */
  seq?: number;
}

/** An address as written in iked.conf. */
export type AddrSpec =
  | {
      kind: 'net';
      family: 4 | 6;
      addr: Buffer /* 4 or 16 bytes, as written (not masked) */;
      prefixLen: number;
      /** Canonical text: "10.0.0.1", "10.0.0.0/24", "2001:db8::/32". */
      text: string;
      /** Written with "/len" (iked's "netaddress"); a plain host when false/absent. */
      isNetwork?: boolean;
    }
  | { kind: 'any' }
  | { kind: 'dynamic' }
  | { kind: 'iface'; name: string };

/**
 * One `from SRC [port P] [(NAT)] to DST [port P]` pair, as written (interface
 * names are resolved to their addresses like iked does; `any`/`dynamic` kept).
 * See flows.ts expandFlows() for iked's per-family / per-protocol expansion.
 */
export interface FlowConf {
  src: AddrSpec;
  srcPort?: number;
  srcNat?: AddrSpec;
  dst: AddrSpec;
  dstPort?: number;
}

/** An encryption transform; keyBits set for variable-key-length ciphers (AES, Camellia...). */
export interface TransformConf {
  id: number;
  keyBits?: number;
}

/**
 * RFC 9370 additional key exchanges: `addke[n - 1]` lists the methods written as `ken`
 * (n = 1..7), DH.NONE (0) for `none`; a missing or empty entry means that transform
 * type is not offered.
 */
export type AddKeConf = number[][];

export interface IkeProposalConf {
  encr: TransformConf[];
  prf: number[];
  integ: number[];
  dh: number[];
  /** `ke1` .. `ke7` (RFC 9370); absent when none was written. */
  addke?: AddKeConf;
}

export interface ChildProposalConf {
  encr: TransformConf[];
  integ: number[];
  /** PFS groups; [] or [DH.NONE] (iked's default "group none") = no PFS. */
  dh: number[];
  /** ESN.* ids. */
  esn: number[];
  /** `ke1` .. `ke7` (RFC 9370), used with PFS (CREATE_CHILD_SA); absent when none was written. */
  addke?: AddKeConf;
}

/** RFC 8784 post-quantum preshared key: `ppk "ID" KEY [required]`. */
export interface PpkConf {
  /** PPK_ID (sent as PPK_ID_FIXED, type 2, followed by these bytes). */
  id: Buffer;
  /** The PPK itself (a secret: zeroed on reload). */
  key: Buffer;
  /** true: refuse the IKE SA unless both sides use the PPK (RFC 8784 mandatory mode). */
  required: boolean;
}

export interface IdentityConf {
  /** ID.* from iana.ts. */
  type: number;
  text: string;
}

export type AuthConf =
  | { method: 'psk'; psk: Buffer }
  | { method: 'rsa' | 'ecdsa256' | 'ecdsa384' | 'ecdsa521' | 'rfc7427' | 'signature' }
  /** eap: 'mschap-v2' or 'radius' (the IKE AUTH itself is by signature, as in iked). */
  | { method: 'eap'; eap: string };

/** `config OPTION ADDR` / `request OPTION ADDR`. */
export interface ConfigOptionConf {
  /** iked keyword: address, netmask, name-server, netbios-server, dhcp-server, protected-subnet, access-server. */
  option: string;
  /** CFG_ATTR.* number; the v4/v6 variant is chosen from the address family (v4 for `request X any`). */
  type: number;
  /** Value: a host or network (`config address 10.0.0.0/24` is an address pool); `any` for requests. Always set by the parser. */
  addr?: AddrSpec;
}

/** A RADIUS server (`radius [accounting] server ADDR [port N] secret S`). */
export interface RadiusServerConf {
  addr: AddrSpec;
  port: number;
  secret: string;
}

/** `radius config OPTION [vendor V] [ATTR]`: map a RADIUS attribute onto a CP attribute. */
export interface RadiusConfigConf {
  /** cpxfs keyword ("address", "name-server", ...) or "none". */
  option: string;
  /** CFG_ATTR.* number, 0 for "none". */
  cfgType: number;
  /** RADIUS vendor id (0: standard attribute). */
  vendor: number;
  /** RADIUS attribute type. */
  attr: number;
}

export interface RadiusConf {
  /** Authentication servers. */
  servers: RadiusServerConf[];
  /** Accounting servers. */
  accountingServers: RadiusServerConf[];
  /** Dynamic authorization (DAE) listeners: `radius dae listen on ADDR [port N]` (default port 3799). */
  daeListen: { addr: AddrSpec; port: number }[];
  /** DAE clients: `radius dae client ADDR secret S`. */
  daeClients: { addr: AddrSpec; secret: string }[];
  /** `radius [accounting] max-tries N` (iked default 3). */
  maxTries: number;
  accountingMaxTries: number;
  /** `radius [accounting] max-failovers N` (iked default 0). */
  maxFailovers: number;
  accountingMaxFailovers: number;
  /** `radius config ...` mappings. */
  config: RadiusConfigConf[];
}

export interface PolicyConf {
  name: string;
  file: string;
  line: number;
  quick: boolean;
  skip: boolean;
  isDefault: boolean;
  mode: 'active' | 'passive';
  ipcomp: boolean;
  encap: 'tunnel' | 'transport';
  natt: boolean;
  saProto: 'esp' | 'ah';
  af?: 4 | 6;
  /** IP protocols; [] = any. */
  protos: number[];
  rdomain?: number;
  flows: FlowConf[];
  local?: AddrSpec;
  peer?: AddrSpec;
  ikesa: IkeProposalConf[];
  childsa: ChildProposalConf[];
  srcid?: IdentityConf;
  dstid?: IdentityConf;
  /** IKE SA lifetime in seconds (iked default 86400 when not written). */
  ikeLifetime: number;
  /** `ikelifetime` was written (print_policy shows it only then). */
  ikeLifetimeExplicit: boolean;
  lifetime: { seconds: number; bytes: number };
  auth: AuthConf;
  /** `ppk ...` (RFC 8784); absent: PPK not used. */
  ppk?: PpkConf;
  config: ConfigOptionConf[];
  request: ConfigOptionConf[];
  iface?: string;
  tag?: string;
  tap?: string;
  /** True when the ikesa proposals were not written (iked defaults used). */
  ikesaDefault: boolean;
  /** True when the childsa proposals were not written (iked defaults used). */
  childsaDefault: boolean;
  /** Auth keyword explicitly written (false: iked's default, "signature"). */
  authExplicit: boolean;
  /** Position among the users and policies of the file (load order). */
  seq?: number;
}

export interface IkedConfig {
  options: GlobalOptions;
  users: UserConf[];
  radius: RadiusConf;
  policies: PolicyConf[];
}
