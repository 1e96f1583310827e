/** The IKE SA table: lookup by our SPI, and half-open tracking for responders. */
import { IkeSa } from './ike-sa';
import { Endpoint } from '../../wire/endpoint';

/**
 * `prefix` (ASCII) then `bytes` as one flat one-byte string: made by Buffer's decoder, not a
 * concatenation (a Map keeps a concatenation's tree; normalize() would make a two-byte string of bytes >= 0x80).
 */
function flatKey(prefix: string, bytes: Buffer): string {
  const b = Buffer.allocUnsafe(prefix.length + bytes.length);
  b.write(prefix, 0, 'latin1');
  bytes.copy(b, prefix.length);
  return b.toString('latin1');
}

export class SaTable {
  private readonly byLocalSpi = new Map<bigint, IkeSa>();
  /**
   * Responder: (peer address, SPIi) -> SA, to answer a repeated IKE_SA_INIT, kept until the SA
   * goes: a retransmission that arrives late (reordered) must not make a second SA.
   */
  private readonly byPeerSpi = new Map<string, IkeSa>();
  /** Responder SAs not yet established. */
  private readonly halfOpenSas = new Set<IkeSa>();
  private halfOpenCount = 0;
  /** Half-open responder SAs per peer address (a per-address limit keeps one flooding peer from filling the table). */
  private readonly halfOpenByAddress = new Map<string, number>();
  /** Established SAs by the peer's identity, for INITIAL_CONTACT without a scan of the table. */
  private readonly byPeerId = new Map<string, IkeSa | Set<IkeSa>>(); // a Set only for an identity with several SAs
  // an SA's byPeerSpi key (the address at IKE_SA_INIT: MOBIKE may move the SA later) and byPeerId
  // key are in its own fields (IkeSa.tableInitKey, IkeSa.tablePeerIdKey), not in two more Maps keyed by SA

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

  static key(spi: Buffer): bigint {
    return spi.readBigUInt64BE(0);
  }
  /** address|SPIi, the SPI's 8 bytes as 8 one-byte characters (half of hex: the map keeps one per SA). */
  private static peerKey(remote: Endpoint, spiI: Buffer): string {
    return flatKey(`${remote.address}|`, spiI);
  }

  add(sa: IkeSa): void {
    this.byLocalSpi.set(SaTable.key(sa.localSpi), sa);
    if (!sa.initiator) {
      const pk = SaTable.peerKey(sa.remote, sa.spiI);
      this.byPeerSpi.set(pk, sa);
      sa.tableInitKey = pk;
      this.halfOpenSas.add(sa);
      this.countHalfOpen(sa.remote.address, 1);
    }
  }

  private static idKey(id: { type: number; data: Buffer }): string {
    return flatKey(`${id.type}|`, id.data); // one character per byte: the maps keep it
  }

  /** A responder SA left the half-open state (established or deleted); an established SA is indexed by peer identity. */
  markOpened(sa: IkeSa): void {
    if (this.halfOpenSas.delete(sa)) this.countHalfOpen(this.initAddress(sa), -1);
    if (sa.remoteId && sa.state !== 'DEAD' && sa.tablePeerIdKey === null && this.byLocalSpi.get(SaTable.key(sa.localSpi)) === sa) {
      const k = SaTable.idKey(sa.remoteId);
      sa.tablePeerIdKey = k;
      const cur = this.byPeerId.get(k);
      if (!cur) this.byPeerId.set(k, sa);
      else if (cur instanceof Set) cur.add(sa);
      else if (cur !== sa) this.byPeerId.set(k, new Set([cur, sa]));
    }
  }

  /** Established SAs whose peer has this identity (any address). */
  withPeerIdentity(id: { type: number; data: Buffer }): IkeSa[] {
    const cur = this.byPeerId.get(SaTable.idKey(id));
    return !cur ? [] : cur instanceof Set ? [...cur] : [cur];
  }

  private unindexPeerId(sa: IkeSa): void {
    const k = sa.tablePeerIdKey;
    if (k === null) return;
    sa.tablePeerIdKey = null;
    const cur = this.byPeerId.get(k);
    if (cur === sa) this.byPeerId.delete(k);
    else if (cur instanceof Set) {
      cur.delete(sa);
      if (cur.size === 1) this.byPeerId.set(k, cur.values().next().value as IkeSa);
      else if (!cur.size) this.byPeerId.delete(k);
    }
  }

  get(localSpi: Buffer): IkeSa | undefined {
    return this.byLocalSpi.get(SaTable.key(localSpi));
  }

  /** The responder SA (half-open or not) made by the IKE_SA_INIT with this address and SPIi. */
  findByInit(remote: Endpoint, spiI: Buffer): IkeSa | undefined {
    return this.byPeerSpi.get(SaTable.peerKey(remote, spiI));
  }

  /** Re-key the table after the initiator SPI of a rekeyed SA is known, etc. */
  rekey(sa: IkeSa, oldLocalSpi: Buffer): void {
    this.byLocalSpi.delete(SaTable.key(oldLocalSpi));
    this.byLocalSpi.set(SaTable.key(sa.localSpi), sa);
  }

  remove(sa: IkeSa): void {
    const k = SaTable.key(sa.localSpi);
    if (this.byLocalSpi.get(k) === sa) this.byLocalSpi.delete(k);
    this.unindexPeerId(sa);
    if (this.halfOpenSas.delete(sa)) this.countHalfOpen(this.initAddress(sa), -1);
    const pk = sa.tableInitKey;
    if (pk !== null) {
      sa.tableInitKey = null;
      if (this.byPeerSpi.get(pk) === sa) this.byPeerSpi.delete(pk);
    }
  }

  /** The peer address a responder SA's IKE_SA_INIT came from. */
  private initAddress(sa: IkeSa): string {
    const pk = sa.tableInitKey;
    return pk !== null ? pk.slice(0, pk.length - 9) : sa.remote.address; // less '|' and the 8 SPI characters
  }

  all(): IkeSa[] {
    return [...this.byLocalSpi.values()];
  }
}
