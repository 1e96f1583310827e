/**
 * What the exchanges (./exchange/) and the SA timers need of the engine: its
 * parts and the few operations they call back. Engine (./engine.ts) implements
 * it; the exchanges import only this, so the engine can import them without a
 * circle. State the exchanges keep per engine is here as typed fields.
 */
import type { Logger } from '../log/logger';
import type { KernelAdapter } from '../platform/types';
import type { ClientConfigSystem } from '../platform/client-config';
import type { GlobalOptions } from '../conf/types';
import type { Endpoint } from '../wire/endpoint';
import type { IkeHeader } from '../wire/ike-header';
import type { Payload } from './payloads/payload-types';
import type { IkeSa, QueuedRequest } from './sa/ike-sa';
import type { ChildSa } from './sa/child-sa';
import type { SaTable } from './sa/sa-table';
import type { CookieJar } from './sa/cookie';
import type { EngineStats } from './sa/stats';
import type { ReqidTable } from './sa/reqid-table';
import type { Policy } from './policy/policy';
import type { AuthProvider } from './policy/auth-provider';
import type { AddressPools } from './policy/address-pool';
import type { EapContext } from './exchange/eap-context';

export interface Transport {
  /** Send from the socket bound to `local` (port 4500 adds the non-ESP marker). */
  send(packet: Buffer, local: Endpoint, remote: Endpoint): void;
  /** The local address the routing table picks to reach `remote`. */
  sourceFor(remote: string): Promise<string>;
  /** A NAT keepalive (RFC 3948 2.3): one 0xFF byte, no marker. */
  sendKeepalive?(local: Endpoint, remote: Endpoint): void;
}

export interface EngineTiming {
  retransmitMs: number; // first timeout
  retransmitTries: number; // sends before giving up
  halfOpenTimeoutMs: number;
  cookieThreshold: number; // half-open SAs before cookies are required
  halfOpenLimit: number; // hard limit of half-open SAs
  halfOpenPerPeer: number; // half-open SAs one peer address may hold (charon's block_threshold)
  natKeepaliveMs: number; // NAT keepalive interval when we are behind a NAT
  /** DPD: no IKE message from the peer for this long sends a check even without ESP traffic (OpenIKED's IKED_IKE_SA_LAST_RECVD_TIMEOUT, 300 s) */
  dpdIdleMs: number;
}

export const defaultTiming: EngineTiming = {
  retransmitMs: 2000,
  retransmitTries: 6,
  halfOpenTimeoutMs: 30_000,
  cookieThreshold: 64,
  halfOpenLimit: 4096,
  halfOpenPerPeer: 32,
  natKeepaliveMs: 20_000,
  dpdIdleMs: 300_000,
};

/** Told when an IKE SA is gone (deleted, failed, timed out), in the order they were added. */
export type RemovalListener = (sa: IkeSa, reason: string) => void;

export interface EngineContext {
  readonly log: Logger;
  kernel: KernelAdapter;
  readonly auth: AuthProvider;
  readonly transport: Transport;
  policies: Policy[];
  options: GlobalOptions;
  readonly timing: EngineTiming;
  readonly sas: SaTable;
  readonly cookies: CookieJar;
  readonly stats: EngineStats;
  readonly natt: 'auto' | 'force' | 'disable';
  readonly nattPort: number;
  localIkePort: number;
  /** Reqids of Child SAs, shared by identical selectors (sa/reqid-table.ts). */
  readonly reqids: ReqidTable;
  /** EAP methods and credentials (src/eap/daemon-eap.ts); null: `eap` policies fail. */
  eap: EapContext | null;
  readonly removalListeners: RemovalListener[];
  /** Address pools of `config address` policies (leases released when an IKE SA goes). */
  readonly pools: AddressPools;
  /** The SA timers' functions, one per engine (the SA is the timer's argument: no closure per SA). */
  readonly timerFns: {
    readonly ikeRekey: (sa: IkeSa) => void;
    readonly dpd: (sa: IkeSa) => void;
    /** the Child SA's SPI (spiIn) is the timer's id */
    readonly childRekey: (sa: IkeSa, spiIn: number) => void;
    readonly childExpire: (sa: IkeSa, spiIn: number) => void;
  };
  /** Who applies a CFG_REPLY on an `iface` (this host, or under privsep the parent). */
  clientConfig: ClientConfigSystem;

  spiTag(sa: IkeSa): string;
  event(kind: string, message: string, sa?: IkeSa): void;
  respond(sa: IkeSa, req: IkeHeader, inner: Payload[]): void;
  request(sa: IkeSa, q: QueuedRequest): void;
  transmit(sa: IkeSa): void;
  sendPlainResponse(req: IkeHeader, payloads: Payload[], local: Endpoint, remote: Endpoint, spiR?: Buffer): void;
  established(sa: IkeSa, ms: number): void;
  deleteIkeSa(sa: IkeSa, reason: string, tellPeer: boolean): void;
  switchToNatt(sa: IkeSa): void;
  /** A Child SA's lifetime says rekey (the timers call this, the engine runs CREATE_CHILD_SA). */
  rekeyChildSa(sa: IkeSa, c: ChildSa): void;
  /** The IKE SA's lifetime says rekey. */
  rekeyIkeSa(sa: IkeSa): void;
}
