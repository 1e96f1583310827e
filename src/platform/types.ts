/**
 * The kernel adapter interface: the one contract between the IKEv2 engine and
 * the operating system's IPsec stack (Linux XFRM, PF_KEY on Linux/OpenBSD/KAME,
 * or nothing at all with `set decouple`).
 */

export type IpsecProtocol = 'esp' | 'ah';
export type IpsecMode = 'tunnel' | 'transport';

export interface KernelSaSpec {
  protocol: IpsecProtocol;
  mode: IpsecMode;
  /** outer addresses (IPv4/IPv6 text) */
  src: string;
  dst: string;
  /** uint32, host order */
  spi: number;
  reqid: number;
  /** key includes the 4-byte salt for GCM / ChaCha20-Poly1305 (keyBits excludes it) */
  encr?: { ianaId: number; keyBits: number; key: Buffer; icvLen?: number };
  integ?: { ianaId: number; key: Buffer };
  esn: boolean;
  replayWindow: number;
  lifetime: { softSeconds: number; hardSeconds: number; softBytes: number; hardBytes: number };
  /** ESP-in-UDP (NAT-T, RFC 3948) */
  encap?: { sport: number; dport: number };
  /** optional, e.g. "10.1.0.0/24" */
  selector?: { src: string; dst: string; proto: number };
}

export interface KernelFlowSpec {
  dir: 'in' | 'out' | 'fwd';
  /** CIDR */
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  tunnelSrc: string;
  tunnelDst: string;
  protocol: IpsecProtocol;
  mode: IpsecMode;
  reqid: number;
  priority?: number;
}

export interface SaCounters {
  bytes: number;
  packets: number;
  /** unix seconds, 0 = never used */
  lastUse: number;
}

export type KernelEvent =
  | { type: 'acquire'; src: string; dst: string; selector: { src: string; dst: string; proto: number }; reqid?: number }
  | { type: 'expire'; hard: boolean; spi: number; dst: string; protocol: IpsecProtocol }
  | { type: 'migrate'; [k: string]: unknown };

export type KernelAdapterName = 'xfrm' | 'pfkey-linux' | 'pfkey-openbsd' | 'pfkey-kame' | 'decoupled';

export interface KernelAdapter {
  readonly name: string; // KernelAdapterName
  /** Can it install an SA with this cipher, integrity algorithm (0: none, with AEAD) and ESN? */
  supports(encrId: number, integId: number, esn: boolean): boolean;
  allocSpi(protocol: IpsecProtocol, src: string, dst: string): Promise<number>;
  addSa(sa: KernelSaSpec): Promise<void>;
  updateSa(sa: KernelSaSpec): Promise<void>;
  deleteSa(protocol: IpsecProtocol, dst: string, spi: number): Promise<void>;
  addFlow(f: KernelFlowSpec): Promise<void>;
  deleteFlow(f: KernelFlowSpec): Promise<void>;
  getCounters(protocol: IpsecProtocol, dst: string, spi: number): Promise<SaCounters>;
  /** remove only what WE installed */
  flush(): Promise<void>;
  onEvent(cb: (e: KernelEvent) => void): void;
  close(): Promise<void>;
}
