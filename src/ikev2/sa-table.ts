/** The IKE SA table: lookup by our SPI, and half-open tracking for responders. */
import { IkeSa } from './ike-sa';
import { Endpoint } from './endpoint';

export class SaTable {
  private readonly byLocalSpi = new Map<bigint, IkeSa>();
  /** Responder: (peer address, SPIi) -> SA, to answer a repeated IKE_SA_INIT. */
  private readonly byPeerSpi = new Map<string, IkeSa>();
  private halfOpenCount = 0;

  get size(): number {
    return this.byLocalSpi.size;
  }
  get halfOpen(): number {
    return this.halfOpenCount;
  }

  static key(spi: Buffer): bigint {
    return spi.readBigUInt64BE(0);
  }
  private static peerKey(remote: Endpoint, spiI: Buffer): string {
    return `${remote.address}|${spiI.toString('hex')}`;
  }

  add(sa: IkeSa): void {
    this.byLocalSpi.set(SaTable.key(sa.localSpi), sa);
    if (!sa.initiator) {
      this.byPeerSpi.set(SaTable.peerKey(sa.remote, sa.spiI), sa);
      this.halfOpenCount++;
    }
  }

  /** A responder SA left the half-open state (established or deleted). */
  markOpened(sa: IkeSa): void {
    if (!sa.initiator && this.byPeerSpi.delete(SaTable.peerKey(sa.remote, sa.spiI))) this.halfOpenCount--;
  }

  get(localSpi: Buffer): IkeSa | undefined {
    return this.byLocalSpi.get(SaTable.key(localSpi));
  }

  findHalfOpen(remote: Endpoint, spiI: Buffer): IkeSa | undefined {
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
    this.markOpened(sa);
  }

  all(): IkeSa[] {
    return [...this.byLocalSpi.values()];
  }
}
