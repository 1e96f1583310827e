/** The IKE SA: state, keys, message-ID windows and its Child SAs. */
import type { AssignedConfig } from './assigned-config';
import type { Reassembly } from '../payloads/fragment-reassembler';
import type { ResponderEap } from '../exchange/eap-backend';
import type { ClientConfigPlan } from '../../platform/client-config';
import { Endpoint } from '../../wire/endpoint';
import { ChildSa, wipeChildKeys } from './child-sa';
import { Chosen } from '../policy/proposals';
import type { Policy } from '../policy/policy';
import type { Identity } from '../../crypto/identity';
import type { EncrAlg } from '../../crypto/encr';
import type { IntegAlg } from '../../crypto/integ';
import type { PrfAlg } from '../../crypto/prf';
import type { KeyExchange } from '../../crypto/key-exchange';
import type { IkeSaKeys } from '../../crypto/keymat';
import type { SkSuite } from '../../crypto/sk-seal';
import type { IkeMessage } from '../payloads/payload-types';
import { SaTimers } from './sa-timers';
import { wipeIkeKeys } from './packed-views';
import { EMPTY } from '../../wire/empty-bytes';
import { PpkState, dropWithoutPpk } from './ppk-state';
import { defineFlagFields, defineRareFields } from './rare-fields';
import { packTime, unpackTime } from './sa-time';
import { hexAt } from './hex-text';

export type IkeState =
  | 'INIT_SENT' // initiator: IKE_SA_INIT request out
  | 'INIT_DONE' // responder: IKE_SA_INIT answered, waiting for IKE_AUTH
  | 'AUTH_SENT' // initiator: IKE_AUTH request out
  | 'ESTABLISHED'
  | 'REKEYED' // replaced by a rekey, waiting to be deleted
  | 'DELETING'
  | 'DEAD';

export interface IkeAlgorithms {
  chosen: Chosen;
  encr: EncrAlg;
  integ: IntegAlg | null;
  prf: PrfAlg;
  suite: SkSuite;
}

/**
 * RFC 9242 / RFC 9370: the IKE_INTERMEDIATE exchanges between IKE_SA_INIT and IKE_AUTH
 * that carry the additional key exchanges, and the IntAuth chain they leave for AUTH.
 */
export interface IntermediateState {
  /** Methods of the additional key exchanges still to do, in order (ADDKE1 first). */
  remaining: number[];
  /** Every key exchange method of this IKE SA (IKE_SA_INIT's first). */
  methods: number[];
  /** IntAuth_iN and IntAuth_rN so far (null before the first IKE_INTERMEDIATE). */
  intAuthI: Buffer | null;
  intAuthR: Buffer | null;
  /** Message ID of the first IKE_AUTH request (set when the last IKE_INTERMEDIATE is done). */
  authMessageId: number;
}

/** The responder's side of additional key exchanges under way (one at a time per IKE SA). */
export interface ResponderFollowup {
  /** Our ADDITIONAL_KEY_EXCHANGE link data. */
  link: Buffer;
  /** Methods still to do, in order. */
  remaining: number[];
  /** g^ir of the CREATE_CHILD_SA, then SK(1)...: zeroed when dropped. */
  secrets: Buffer[];
  /** What is being created, for logs ("Child SA 0x…", "IKE SA rekey"). */
  what: string;
  /** All secrets are in: make the SA (releasing what was prepared if that fails); returns payloads for the last answer. */
  finish: (gir: Buffer, add: Buffer) => Promise<import('../payloads/payload-types').Payload[]>;
  /** Given up (error, replaced, timeout): release what was prepared. */
  abandon: () => void;
}

/** IKE_AUTH may start only after every additional key exchange (RFC 9370 2.2.2). */
export function intermediatesDone(sa: { intermediate: IntermediateState | null }): boolean {
  return !sa.intermediate || sa.intermediate.remaining.length === 0;
}

export interface PendingRequest {
  messageId: number;
  exchange: number;
  packet: Buffer;
  /** RFC 7383: the request as SKF fragments (packet is the first); all are (re)sent. */
  fragments?: Buffer[];
  tries: number;
  timer: NodeJS.Timeout | null;
  onResponse: (m: IkeMessage, inner: import('../payloads/payload-types').Payload[], raw: Buffer) => void | Promise<void>;
  onGiveUp?: () => void;
}

export interface QueuedRequest {
  exchange: number;
  build: () => import('../payloads/payload-types').Payload[] | null;
  onResponse: PendingRequest['onResponse'];
  onGiveUp?: () => void;
}

let serial = 0;

/** The empty request queue every idle SA shares (frozen: add to a queue with queueRequest). */
export const NO_REQUESTS: QueuedRequest[] = Object.freeze([]) as unknown as QueuedRequest[];

/** Append `q` to the SA's queue (a fresh array in place of the shared empty one). */
export function queueRequest(sa: { queue: QueuedRequest[] }, q: QueuedRequest): void {
  if (sa.queue === NO_REQUESTS) sa.queue = [q];
  else sa.queue.push(q);
}

/** IkeSa fields that are null for an idle established SA (rare-fields.ts): one slot for all of them. */
const RARE_FIELDS = ['ke', 'initRequest', 'initResponse', 'cookie', 'ikeRekeyNonce', 'rekeyNonces', 'eapIdentity', 'tag', 'assignedConfig', 'appliedConfig', 'reassembly', 'kernelQueue', 'eapResponder', 'intermediate', 'followup', 'ppk', 'replacedBy'] as const;

/** IkeSa booleans, bits of IkeSa.flags (rare-fields.ts). */
const FLAG_FIELDS = ['natLocal', 'natRemote', 'peerFragmentation', 'initialContact', 'authPending', 'mobike'] as const;

export class IkeSa {
  readonly serial = ++serial;
  /** The FLAG_FIELDS, one bit each (all false at first). */
  flags = 0;
  /** Where the RARE_FIELDS are (null: all of them are null). */
  rare: Record<string, unknown> | null = null;
  state: IkeState;
  /**
   * SPIi then SPIr (16 bytes at spiAt; SPIr zero until known): spiI and spiR read views of
   * them. Its own 16 bytes at first; a settled SA's packed bytes (sa-settle.ts), so it keeps
   * no Buffer object of its own.
   */
  private spiBytes: Buffer;
  private spiAt = 0;
  declare natLocal: boolean;
  declare natRemote: boolean;
  ni: Buffer = EMPTY;
  nr: Buffer = EMPTY;
  declare ke: KeyExchange | null;
  dhGroup = 0;
  alg: IkeAlgorithms | null = null;
  keys: IkeSaKeys | null = null;
  declare initRequest: Buffer | null;
  declare initResponse: Buffer | null;
  declare cookie: Buffer | null;
  /** Our requests. */
  nextRequestId = 0;
  pending: PendingRequest | null = null;
  queue: QueuedRequest[] = NO_REQUESTS;
  /** The peer's requests. */
  peerNextId = 0;
  lastResponse: { id: number; packets: Buffer[] } | null = null;
  children: ChildSa[] = [];
  localId: Identity | null = null;
  remoteId: Identity | null = null;
  /* createdAt, establishedAt, lastInbound, rekeyAt (accessors below): small integers (sa-time.ts) */
  private createdAtT = packTime(Date.now());
  private establishedAtT = 0;
  private lastInboundT = this.createdAtT;
  private rekeyAtT = 0;
  /** Where the SaTable (sa-table.ts) indexes this SA: the peer address of its IKE_SA_INIT, the hash of its peer's identity. */
  tableInitAddress: string | null = null;
  tablePeerIdHash: number | null = null;
  /** The low 32 bits of the SPI the SaTable has this SA under: with the slot's hash, the whole SPI (hash32.ts hashSpi64). */
  tableSpiLow = 0;
  /** Named timers on the shared timer queue (src/ikev2/sa/sa-timers.ts). */
  readonly timers = new SaTimers();
  /** Peer supports RFC 7427 with these hash algorithms. */
  peerHashAlgs: number[] = [];
  declare peerFragmentation: boolean;
  /** The IKE SA that replaced this one (after IKE rekey). */
  declare replacedBy: IkeSa | null;
  /** Our Ni while our own IKE SA rekey is under way (collision detection, RFC 7296 2.8.1). */
  declare ikeRekeyNonce: Buffer | null;
  /** Ni and Nr of the CREATE_CHILD_SA exchange that created this SA by a rekey. */
  declare rekeyNonces: [Buffer, Buffer] | null;
  /** Set when the peer's first request carried INITIAL_CONTACT. */
  declare initialContact: boolean;
  declare authPending: boolean;
  /** The EAP identity the peer authenticated with (src/ikev2/exchange/eap.ts). */
  declare eapIdentity: string | null;
  /** The policy's `tag` expanded for this SA (src/ikev2/sa/sa-tag.ts). */
  declare tag: string | null;
  /** Configuration assigned by CP: to the peer (responder) or to us (initiator); src/ikev2/exchange/config-payload.ts. */
  declare assignedConfig: AssignedConfig | null;
  /** What was applied on the policy's `iface` from assignedConfig (undone when the SA goes). */
  declare appliedConfig: ClientConfigPlan | null;
  /** Fragments being collected (RFC 7383), made on the first fragment. */
  declare reassembly: Reassembly | null;
  /** Both sides sent MOBIKE_SUPPORTED while we had it enabled (RFC 4555). */
  declare mobike: boolean;
  /** The tail of this SA's kernel changes, run one after another (exchange/child-kernel-order.ts). */
  declare kernelQueue: Promise<void> | null;
  /** The responder's EAP conversation (exchange/eap.ts). */
  declare eapResponder: ResponderEap | null;
  /** IKE_INTERMEDIATE exchanges (RFC 9242/9370): null when the SA has no additional key exchange. */
  declare intermediate: IntermediateState | null;
  /** Every key exchange method used for the current keys (IKE_SA_INIT's or the rekey's first), for show sa. */
  keMethods: number[] = [];
  /** The responder's RFC 9370 IKE_FOLLOWUP_KE exchanges under way (exchange/followup-ke.ts). */
  declare followup: ResponderFollowup | null;
  /** RFC 8784: null unless both sides sent USE_PPK (exchange/ppk.ts). */
  declare ppk: PpkState | null;

  constructor(
    readonly initiator: boolean,
    spiI: Buffer,
    public policy: Policy,
    public local: Endpoint,
    public remote: Endpoint,
  ) {
    this.state = initiator ? 'INIT_SENT' : 'INIT_DONE';
    this.spiBytes = Buffer.alloc(16);
    spiI.copy(this.spiBytes, 0, 0, 8);
  }

  /** SPIi then SPIr (a view). */
  get spis(): Buffer {
    return this.spiBytes.subarray(this.spiAt, this.spiAt + 16);
  }
  /** The SPIs are now the 16 bytes at `at` in `blob` (sa-settle.ts: the SA's packed bytes). */
  moveSpis(blob: Buffer, at: number): void {
    this.spiBytes = blob;
    this.spiAt = at;
  }

  /** Unix ms. */
  get createdAt(): number {
    return unpackTime(this.createdAtT);
  }
  set createdAt(ms: number) {
    this.createdAtT = packTime(ms);
  }
  /** Unix ms, 0 until established. */
  get establishedAt(): number {
    return unpackTime(this.establishedAtT);
  }
  set establishedAt(ms: number) {
    this.establishedAtT = packTime(ms);
  }
  /** Unix ms of the last message from the peer. */
  get lastInbound(): number {
    return unpackTime(this.lastInboundT);
  }
  set lastInbound(ms: number) {
    this.lastInboundT = packTime(ms);
  }
  /** Unix ms, 0 = never. */
  get rekeyAt(): number {
    return unpackTime(this.rekeyAtT);
  }
  set rekeyAt(ms: number) {
    this.rekeyAtT = packTime(ms);
  }

  /** The initiator's SPI (a view: copy it to keep it past a settle). */
  get spiI(): Buffer {
    return this.spiBytes.subarray(this.spiAt, this.spiAt + 8);
  }
  /** The responder's SPI (zero until known). */
  get spiR(): Buffer {
    return this.spiBytes.subarray(this.spiAt + 8, this.spiAt + 16);
  }
  set spiR(v: Buffer) {
    v.copy(this.spiBytes, this.spiAt + 8, 0, 8);
  }

  get localSpi(): Buffer {
    return this.initiator ? this.spiI : this.spiR;
  }
  /** Our SPI as 16 hex digits (log tags, events), read in place: no view is made. */
  localSpiHex(): string {
    return hexAt(this.spiBytes, this.initiator ? this.spiAt : this.spiAt + 8, 8);
  }
  get remoteSpi(): Buffer {
    return this.initiator ? this.spiR : this.spiI;
  }
  get natDetected(): boolean {
    return this.natLocal || this.natRemote;
  }

  /** Keys for what we send and what we receive. */
  outKeys(): { enc: Buffer; integ: Buffer | null } {
    const k = this.keys!;
    return this.initiator ? { enc: k.skEi, integ: k.skAi.length ? k.skAi : null } : { enc: k.skEr, integ: k.skAr.length ? k.skAr : null };
  }
  inKeys(): { enc: Buffer; integ: Buffer | null } {
    const k = this.keys!;
    return this.initiator ? { enc: k.skEr, integ: k.skAr.length ? k.skAr : null } : { enc: k.skEi, integ: k.skAi.length ? k.skAi : null };
  }

  setTimer<A>(name: string, ms: number, fn: (arg: A, id: number) => void, arg?: A, id = 0): void {
    this.timers.set(name, ms, fn, arg, id);
  }
  clearTimer(name: string, id = 0): void {
    this.timers.delete(name, id);
  }

  static {
    defineRareFields(IkeSa.prototype, RARE_FIELDS);
    defineFlagFields(IkeSa.prototype, FLAG_FIELDS);
  }

  /** Drop every timer and zero every secret. */
  destroy(): void {
    this.timers.clear();
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.pending = null;
    this.queue = NO_REQUESTS;
    this.ke?.dispose();
    this.ke = null;
    if (this.followup) {
      for (const s of this.followup.secrets) s.fill(0);
      this.followup.abandon();
    }
    this.followup = null;
    if (this.keys) wipeIkeKeys(this.keys);
    this.keys = null;
    dropWithoutPpk(this.ppk);
    for (const c of this.children) wipeChildKeys(c);
    this.state = 'DEAD';
  }
}
