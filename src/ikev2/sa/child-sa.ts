/** A Child SA (an ESP or AH pair) as the engine keeps it. */
import { TrafficSelector } from '../payloads/payload-types';
import type { Endpoint } from '../../wire/endpoint';
import { Chosen } from '../policy/proposals';

export type ChildState = 'LARVAL' | 'INSTALLED' | 'REKEYING' | 'REKEYED' | 'DELETING';

export interface ChildKeysDir {
  encIn: Buffer;
  integIn: Buffer;
  encOut: Buffer;
  integOut: Buffer;
}

export interface ChildSa {
  reqid: number;
  protocol: 'esp' | 'ah';
  mode: 'tunnel' | 'transport';
  spiIn: number; // ours: the peer sends to it
  spiOut: number; // the peer's
  chosen: Chosen;
  tsLocal: TrafficSelector[];
  tsRemote: TrafficSelector[];
  keys: ChildKeysDir | null;
  encap: boolean;
  state: ChildState;
  established: number; // unix ms
  rekeyAt: number; // unix ms, 0 = never
  expireAt: number; // unix ms, 0 = never
  /** SPI of the Child SA this one replaced, when created by a rekey. */
  rekeyOf?: number;
  /**
   * Whether this Child SA holds its selectors' flows in the kernel (a reference in the
   * adapter's flow shares). The first of a rekey chain installs them; a successor
   * takes them over when its predecessor goes (exchange-info.ts removeChildren).
   */
  flowsHeld?: boolean;
  /** Created by answering the peer's CREATE_CHILD_SA (for rekey collisions). */
  peerCreated?: boolean;
  /** Ni and Nr of the exchange that created it. */
  exchangeNonces?: [Buffer, Buffer];
  /** The IKE SA's endpoints when this Child SA's kernel SAs were installed or last moved. */
  placed?: { local: Endpoint; remote: Endpoint };
}

export function spiHex(spi: number): string {
  return spi.toString(16).padStart(8, '0');
}

export function wipeChildKeys(c: ChildSa): void {
  if (!c.keys) return;
  c.keys.encIn.fill(0);
  c.keys.integIn.fill(0);
  c.keys.encOut.fill(0);
  c.keys.integOut.fill(0);
  c.keys = null;
}
