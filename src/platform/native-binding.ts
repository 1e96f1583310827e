/**
 * Loads the native kernel addon built by node-gyp from binding.gyp
 * (build/Release/iked_kernel.node) and describes its exports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type NativeHandle = object & { readonly __nativeHandle?: never };

/** An SA as the addon wants it: algorithm names/ids already resolved by algorithms.ts */
export interface NativeAlg {
  name?: string;
  id?: number;
  key?: Buffer;
  keyBits?: number;
  bits?: number;
}
export interface NativeSaSpec {
  protocol: 'esp' | 'ah';
  mode: 'tunnel' | 'transport';
  src: string;
  dst: string;
  spi: number;
  reqid?: number;
  aead?: NativeAlg;
  enc?: NativeAlg;
  auth?: NativeAlg;
  esn?: boolean;
  replayWindow?: number;
  lifetime?: { softSeconds: number; hardSeconds: number; softBytes: number; hardBytes: number };
  encap?: { sport: number; dport: number };
  selector?: { src: string; dst: string; proto: number };
}
export interface NativeSaId {
  protocol: 'esp' | 'ah';
  dst: string;
  src?: string;
  spi: number;
}
export interface NativeSpiRequest {
  protocol: 'esp' | 'ah';
  src: string;
  dst: string;
  reqid?: number;
  mode?: 'tunnel' | 'transport';
  min?: number;
  max?: number;
}
export interface NativeFlow {
  dir: 'in' | 'out' | 'fwd';
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  tunnelSrc: string;
  tunnelDst: string;
  protocol: 'esp' | 'ah';
  mode: 'tunnel' | 'transport';
  reqid: number;
  priority?: number;
}
export interface NativeXfrmEvent {
  type: 'acquire' | 'expire' | 'migrate';
  hard?: boolean;
  spi?: number;
  src?: string;
  dst?: string;
  protocol?: 'esp' | 'ah';
  selector?: { src: string; dst: string; proto: number };
  reqid?: number;
  dir?: 'in' | 'out' | 'fwd';
  policyIndex?: number;
}
export type PfkeyKind = 'getspi' | 'add' | 'update' | 'delete' | 'get' | 'spdadd' | 'spdupdate' | 'spddelete' | 'register';
export type XfrmBuildKind = 'newsa' | 'updsa' | 'allocspi' | 'delsa' | 'getsa' | 'newpolicy' | 'updpolicy' | 'delpolicy';

export interface KernelAddon {
  /** adapters compiled into this addon, e.g. "xfrm,pfkey-linux" */
  adapters: string;
  openlog(ident: string, facility: number): void;
  syslog(priority: number, msg: string): void;
  closelog(): void;
  chrootAndDrop(dir: string, uid: number, gid: number): void;
  /** UDP_ENCAP_ESPINUDP (Linux, KAME); on OpenBSD a check only (sysctl net.inet.esp.udpencap) */
  udpEncapSocketOption(fd: number): void;
  /** per-socket IPsec bypass so IKE traffic is never caught by our own policies */
  socketBypass(fd: number, family: 4 | 6): void;
  // Linux XFRM
  xfrmOpen?(netns?: string): NativeHandle;
  xfrmClose?(h: NativeHandle): void;
  xfrmProbeEsp?(h: NativeHandle): Promise<void>;
  xfrmAllocSpi?(h: NativeHandle, req: NativeSpiRequest): Promise<number>;
  xfrmAddSa?(h: NativeHandle, sa: NativeSaSpec, update: boolean): Promise<void>;
  xfrmDeleteSa?(h: NativeHandle, id: NativeSaId): Promise<void>;
  xfrmGetSa?(h: NativeHandle, id: NativeSaId): Promise<{ bytes: number; packets: number; lastUse: number }>;
  xfrmPolicy?(h: NativeHandle, f: NativeFlow, op: 'add' | 'update' | 'delete'): Promise<void>;
  xfrmSubscribe?(h: NativeHandle, cb: (e: NativeXfrmEvent) => void): void;
  xfrmBuild?(kind: XfrmBuildKind, spec: object, seq: number): Buffer;
  // PF_KEY (dialect of this OS)
  pfkeyDialect?: 'kame' | 'openbsd';
  pfkeyOpen?(netns?: string): NativeHandle;
  pfkeyClose?(h: NativeHandle): void;
  pfkeyRequest?(h: NativeHandle, kind: PfkeyKind, spec: object): Promise<Buffer>;
  pfkeySubscribe?(h: NativeHandle, cb: (msg: Buffer) => void): void;
  pfkeyBuild?(kind: PfkeyKind, spec: object, seq?: number, pid?: number): Buffer;
  /** Linux with glibc: malloc_trim(0); true when memory went back to the kernel */
  mallocTrim?(): boolean;
  /** V8's Isolate::LowMemoryNotification() for this thread's isolate */
  lowMemoryNotification?(): void;
}

export interface PfkeyCompatAddon {
  pfkeyBuildOpenbsd(kind: PfkeyKind, spec: object, seq?: number, pid?: number): Buffer;
  pfkeyBuildKame(kind: PfkeyKind, spec: object, seq?: number, pid?: number): Buffer;
}

function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the iked package root (binding.gyp) above ${__dirname}`);
    dir = up;
  }
}

const cache = new Map<string, unknown>();

function load<T>(file: string): T {
  const hit = cache.get(file);
  if (hit) return hit as T;
  const p = path.join(packageRoot(), 'build', 'Release', file);
  if (!fs.existsSync(p)) {
    throw new Error(`native addon ${p} is not built: run 'npm install' (or 'npx node-gyp rebuild') in ${packageRoot()}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(p) as T;
  cache.set(file, mod);
  return mod;
}

/** the kernel addon of this OS */
export function loadKernelAddon(): KernelAddon {
  return load<KernelAddon>('iked_kernel.node');
}

/** Linux only: OpenBSD and KAME PF_KEY builders compiled against native/compat (tests) */
export function loadPfkeyCompatAddon(): PfkeyCompatAddon {
  return load<PfkeyCompatAddon>('iked_pfkey_compat.node');
}
