/**
 * The IKE SA table: lookup by our SPI, and half-open tracking for responders.
 *
 * Its indexes are open-addressing tables (wire/hash-slots.ts) of the SAs themselves, hashed by
 * the SPI, by (peer address, SPIi) and by the peer's identity; a lookup compares the SA's own
 * fields, so there is no key string, bigint or Map entry per SA.
 */
import { IkeSa } from './ike-sa';
import { Endpoint } from '../../wire/endpoint';
import { HashSlots } from '../../wire/hash-slots';
import { StringTable } from '../../platform/intern';
import { combine32, hashBytes, hashSpi64, hashString, sameSpi64, spiLow32 } from '../../wire/hash32';

interface PeerIdentity {
  type: number;
  data: Buffer;
}

function initHash(address: string, spiI: Buffer): number {
  return combine32(hashString(address), hashSpi64(spiI));
}

function idHash(id: PeerIdentity): number {
  return hashBytes(id.data, id.type);
}

function sameId(a: PeerIdentity, b: PeerIdentity): boolean {
  return a.type === b.type && a.data.equals(b.data);
}

/**
 * Whether the slot (its hash equal to the SPI's) holds the SA under the SPI with this low word:
 * hash and low word determine the whole SPI (hashSpi64), so the SA's SPI bytes are not read.
 */
function hasSpiLow(sa: IkeSa, low: number): boolean {
  return sa.tableSpiLow === low;
}

function isPeerOf(sa: IkeSa, id: PeerIdentity): boolean {
  return sa.remoteId !== null && sameId(sa.remoteId, id);
}

export class SaTable {
  private readonly byLocalSpi = new HashSlots<IkeSa>();
  /**
   * Responder: (peer address, SPIi) -> SA, to answer a repeated IKE_SA_INIT, kept until the SA
   * goes: a retransmission that arrives late (reordered) must not make a second SA. The address
   * is the SA's tableInitAddress (the one at IKE_SA_INIT: MOBIKE may move the SA later).
   */
  private readonly byInit = new HashSlots<IkeSa>();
  /** Responder SAs not yet established. */
  private readonly halfOpenSas = new Set<IkeSa>();
  private halfOpenCount = 0;
  /** Half-open responder SAs per peer address (a per-address limit keeps one flooding peer from filling the table). */
  private readonly halfOpenByAddress = new Map<string, number>();
  /** Peer addresses, one copy each: every SA keeps the address of its IKE_SA_INIT (its endpoint's may be another copy). */
  private readonly addresses = new StringTable();
  /** Established SAs by the peer's identity (several per identity), for INITIAL_CONTACT without a scan of the table. */
  private readonly byPeerId = new HashSlots<IkeSa>();

  get size(): number {
    return this.byLocalSpi.size;
  }
  get halfOpen(): number {
    return this.halfOpenCount;
  }

  /** Half-open responder SAs with this peer address. */
  halfOpenFrom(address: string): number {
    return this.halfOpenByAddress.get(address) ?? 0;
  }

  private countHalfOpen(address: string, delta: 1 | -1): void {
    this.halfOpenCount += delta;
    const n = (this.halfOpenByAddress.get(address) ?? 0) + delta;
    if (n > 0) this.halfOpenByAddress.set(address, n);
    else this.halfOpenByAddress.delete(address);
  }

  add(sa: IkeSa): void {
    this.indexSpi(sa);
    if (!sa.initiator) {
      const address = this.addresses.intern(sa.remote.address);
      const spiI = sa.spiI;
      this.byInit.put(initHash(address, spiI), sa, (x) => x.tableInitAddress === address && sameSpi64(x.spiI, spiI));
      sa.tableInitAddress = address;
      this.halfOpenSas.add(sa);
      this.countHalfOpen(address, 1);
    }
  }

  /** A responder SA left the half-open state (established or deleted); an established SA is indexed by peer identity. */
  markOpened(sa: IkeSa): void {
    if (this.halfOpenSas.delete(sa)) this.countHalfOpen(this.initAddress(sa), -1);
    if (sa.remoteId && sa.state !== 'DEAD' && sa.tablePeerIdHash === null && this.get(sa.localSpi) === sa) {
      const h = idHash(sa.remoteId);
      sa.tablePeerIdHash = h;
      this.byPeerId.add(h, sa);
    }
  }

  /** Established SAs whose peer has this identity (any address). */
  withPeerIdentity(id: PeerIdentity): IkeSa[] {
    return this.byPeerId.findAll(idHash(id), isPeerOf, id);
  }

  private unindexPeerId(sa: IkeSa): void {
    const h = sa.tablePeerIdHash;
    if (h === null) return;
    sa.tablePeerIdHash = null;
    this.byPeerId.delete(h, sa);
  }

  get(localSpi: Buffer): IkeSa | undefined {
    return this.byLocalSpi.find(hashSpi64(localSpi), hasSpiLow, spiLow32(localSpi));
  }

  /** The responder SA (half-open or not) made by the IKE_SA_INIT with this address and SPIi. */
  findByInit(remote: Endpoint, spiI: Buffer): IkeSa | undefined {
    const address = remote.address;
    return this.byInit.find(initHash(address, spiI), (sa) => sa.tableInitAddress === address && sameSpi64(sa.spiI, spiI));
  }

  /** Re-key the table after the initiator SPI of a rekeyed SA is known, etc. */
  rekey(sa: IkeSa, oldLocalSpi: Buffer): void {
    this.byLocalSpi.delete(hashSpi64(oldLocalSpi), sa);
    this.indexSpi(sa);
  }

  /** Index `sa` by its local SPI, in place of an SA there under the same SPI. */
  private indexSpi(sa: IkeSa): void {
    const spi = sa.localSpi;
    const low = spiLow32(spi);
    this.byLocalSpi.put(hashSpi64(spi), sa, hasSpiLow, low);
    sa.tableSpiLow = low;
  }

  remove(sa: IkeSa): void {
    this.byLocalSpi.delete(hashSpi64(sa.localSpi), sa);
    this.unindexPeerId(sa);
    if (this.halfOpenSas.delete(sa)) this.countHalfOpen(this.initAddress(sa), -1);
    const address = sa.tableInitAddress;
    if (address !== null) {
      this.byInit.delete(initHash(address, sa.spiI), sa);
      sa.tableInitAddress = null;
    }
  }

  /** The peer address a responder SA's IKE_SA_INIT came from. */
  private initAddress(sa: IkeSa): string {
    return sa.tableInitAddress ?? sa.remote.address;
  }

  /** Every SA, oldest first (by serial: the table's own order is its hashes'). */
  all(): IkeSa[] {
    return [...this.byLocalSpi.values()].sort((a, b) => a.serial - b.serial);
  }
}
