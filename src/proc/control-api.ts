/**
 * The interface the daemon implements for the control socket (ikectl).
 * Everything here is plain JSON-serialisable data.
 */

export interface ChildSaView {
  spiIn: string;
  spiOut: string;
  protocol: 'ESP' | 'AH';
  mode: 'tunnel' | 'transport';
  encr: string;
  encrKeyBits?: number;
  integ: string | null;
  dh: string | null;
  /** RFC 9370 additional key exchanges of the rekey that made this Child SA, in order (ADDKE1 first). */
  addKe?: string[];
  tsLocal: string[];
  tsRemote: string[];
  encap: boolean;
  reqid: number;
  bytesIn?: number;
  bytesOut?: number;
  /** unix seconds */
  established: number;
  rekeyAt?: number;
  expiresAt?: number;
}

export interface IkeSaView {
  name: string;
  state: string;
  ikeSpiI: string;
  ikeSpiR: string;
  local: string;
  remote: string;
  localId: string;
  remoteId: string;
  initiator: boolean;
  encr: string;
  encrKeyBits?: number;
  integ: string | null;
  prf: string;
  dh: string;
  /** RFC 9370 additional key exchanges (IKE_INTERMEDIATE / IKE_FOLLOWUP_KE), in order (ADDKE1 first). */
  addKe?: string[];
  natLocal: boolean;
  natRemote: boolean;
  /** RFC 8784: the keys have the PPK in them; absent when the policy has no PPK. */
  ppk?: boolean;
  /** unix seconds */
  established: number;
  rekeyAt?: number;
  tag?: string;
  children: ChildSaView[];
}

export interface FlowView {
  policy: string;
  dir: 'in' | 'out';
  src: string;
  dst: string;
  proto: number;
  peer: string;
  saProto: string;
  reqid?: number;
}

export type MonitorEvent = { time: number; kind: string; message: string; spi?: string };

export interface CertstoreEntry {
  subject: string;
  issuer: string;
  notAfter: string;
  kind: 'ca' | 'cert';
}

export type ResetTarget = 'all' | 'ca' | 'policy' | 'sa' | 'user' | 'id';
export const RESET_TARGETS: readonly ResetTarget[] = ['all', 'ca', 'policy', 'sa', 'user', 'id'];

/**
 * Views are asynchronous: under privilege separation the control process asks
 * the engine (SAs, flows, stats) for them when ikectl does, nothing is pushed.
 */
export interface DaemonControl {
  showSa(): Promise<IkeSaView[]>;
  showFlows(): Promise<FlowView[]>;
  showStats(): Promise<Record<string, number>>;
  showCertstore(): Promise<CertstoreEntry[]>;
  showCa(name: string): Promise<string[]>;
  reload(file?: string): Promise<{ ok: boolean; errors: string[] }>;
  reset(what: ResetTarget, arg?: string): Promise<string>;
  setCoupled(coupled: boolean): Promise<void>;
  setMode(mode: 'active' | 'passive'): void;
  setLogVerbose(verbose: boolean): void;
  /** Returns an unsubscribe function. */
  subscribe(cb: (e: MonitorEvent) => void): () => void;
}
