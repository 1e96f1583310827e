/** A Child SA (an ESP or AH pair) as the engine keeps it. */
import { TrafficSelector } from '../payloads/payload-types';
import type { Endpoint } from '../../wire/endpoint';
import { Chosen } from '../policy/proposals';
import { packTime, unpackTime } from './sa-time';
import { hex32 } from './hex-text';

export type ChildState = 'LARVAL' | 'INSTALLED' | 'REKEYING' | 'REKEYED' | 'DELETING';

export interface ChildKeysDir {
  encIn: Buffer;
  integIn: Buffer;
  encOut: Buffer;
  integOut: Buffer;
}

/** What a Child SA starts with (child-negotiate.ts). */
export interface ChildSaInit {
  reqid: number;
  protocol: 'esp' | 'ah';
  mode: 'tunnel' | 'transport';
  spiIn: number;
  spiOut: number;
  chosen: Chosen;
  tsLocal: TrafficSelector[];
  tsRemote: TrafficSelector[];
  encap: boolean;
  state: ChildState;
  established: number;
  rekeyOf?: number;
}

const STATES: readonly ChildState[] = ['LARVAL', 'INSTALLED', 'REKEYING', 'REKEYED', 'DELETING'];

/* ChildSa.bits: the state (3 bits), then one bit each. */
const STATE_MASK = 7;
const AH = 1 << 3;
const TRANSPORT = 1 << 4;
const ENCAP = 1 << 5;
const HAS_REKEY_OF = 1 << 6;
const FLOWS_HELD = 1 << 7;
const PEER_CREATED = 1 << 8;

/**
 * Every field is declared here, so all Child SAs share one shape with every field in the
 * object (no property array); the SPIs as signed 32-bit integers and the times relative to
 * the process's start (sa-time.ts), the state, protocol, mode and booleans as bits of one
 * integer: small integers, no heap numbers. Read and written through the accessors below.
 */
export class ChildSa {
  reqid: number;
  private bits: number;
  private spiInBits: number;
  private spiOutBits: number;
  private rekeyOfBits: number;
  private establishedT: number;
  private rekeyAtT = 0;
  private expireAtT = 0;
  /**
   * The kernel's packet counters of the inbound and outbound SA at the last liveness look
   * (liveness.ts), modulo 2^30 (small integers): a change since then is traffic.
   */
  seenPacketsIn = 0;
  seenPacketsOut = 0;
  chosen: Chosen;
  tsLocal: TrafficSelector[];
  tsRemote: TrafficSelector[];
  keys: ChildKeysDir | null = null;
  /** Ni and Nr of the exchange that created it (set when the peer created it by a rekey). */
  exchangeNonces: [Buffer, Buffer] | undefined = undefined;
  private placedLocal: Endpoint | null = null;
  private placedRemote: Endpoint | null = null;

  constructor(i: ChildSaInit) {
    this.reqid = i.reqid;
    this.bits = STATES.indexOf(i.state) | (i.protocol === 'ah' ? AH : 0) | (i.mode === 'transport' ? TRANSPORT : 0) | (i.encap ? ENCAP : 0) | (i.rekeyOf !== undefined ? HAS_REKEY_OF : 0);
    this.spiInBits = i.spiIn | 0;
    this.spiOutBits = i.spiOut | 0;
    this.rekeyOfBits = i.rekeyOf === undefined ? 0 : i.rekeyOf | 0;
    this.establishedT = packTime(i.established);
    this.chosen = i.chosen;
    this.tsLocal = i.tsLocal;
    this.tsRemote = i.tsRemote;
  }

  private flag(bit: number, v: boolean): void {
    this.bits = v ? this.bits | bit : this.bits & ~bit;
  }

  get state(): ChildState {
    return STATES[this.bits & STATE_MASK];
  }
  set state(s: ChildState) {
    this.bits = (this.bits & ~STATE_MASK) | STATES.indexOf(s);
  }
  get protocol(): 'esp' | 'ah' {
    return this.bits & AH ? 'ah' : 'esp';
  }
  get mode(): 'tunnel' | 'transport' {
    return this.bits & TRANSPORT ? 'transport' : 'tunnel';
  }
  get encap(): boolean {
    return (this.bits & ENCAP) !== 0;
  }
  set encap(v: boolean) {
    this.flag(ENCAP, v);
  }
  /** Ours: the peer sends to it. */
  get spiIn(): number {
    return this.spiInBits >>> 0;
  }
  /** The peer's. */
  get spiOut(): number {
    return this.spiOutBits >>> 0;
  }
  /** SPI of the Child SA this one replaced, when created by a rekey. */
  get rekeyOf(): number | undefined {
    return this.bits & HAS_REKEY_OF ? this.rekeyOfBits >>> 0 : undefined;
  }
  /** Unix ms. */
  get established(): number {
    return unpackTime(this.establishedT);
  }
  /** Unix ms, 0 = never. */
  get rekeyAt(): number {
    return unpackTime(this.rekeyAtT);
  }
  set rekeyAt(ms: number) {
    this.rekeyAtT = packTime(ms);
  }
  /** Unix ms, 0 = never. */
  get expireAt(): number {
    return unpackTime(this.expireAtT);
  }
  set expireAt(ms: number) {
    this.expireAtT = packTime(ms);
  }
  /**
   * Whether this Child SA holds its selectors' flows in the kernel (a reference in the
   * adapter's flow shares). The first of a rekey chain installs them; a successor
   * takes them over when its predecessor goes (exchange-info.ts removeChildren).
   */
  get flowsHeld(): boolean {
    return (this.bits & FLOWS_HELD) !== 0;
  }
  set flowsHeld(v: boolean) {
    this.flag(FLOWS_HELD, v);
  }
  /** Created by answering the peer's CREATE_CHILD_SA (for rekey collisions). */
  get peerCreated(): boolean {
    return (this.bits & PEER_CREATED) !== 0;
  }
  set peerCreated(v: boolean) {
    this.flag(PEER_CREATED, v);
  }
  /** The IKE SA's endpoints when this Child SA's kernel SAs were installed or last moved (made on read). */
  get placed(): { local: Endpoint; remote: Endpoint } | undefined {
    return this.placedLocal && this.placedRemote ? { local: this.placedLocal, remote: this.placedRemote } : undefined;
  }
  set placed(p: { local: Endpoint; remote: Endpoint } | undefined) {
    this.placedLocal = p ? p.local : null;
    this.placedRemote = p ? p.remote : null;
  }
}

export function spiHex(spi: number): string {
  return hex32(spi);
}

export function wipeChildKeys(c: ChildSa): void {
  if (!c.keys) return;
  c.keys.encIn.fill(0);
  c.keys.integIn.fill(0);
  c.keys.encOut.fill(0);
  c.keys.integOut.fill(0);
  c.keys = null;
}
