/**
 * The decoupled adapter's SAs by (protocol, destination, SPI): an open-addressing table
 * (wire/hash-slots.ts) hashed by the SPI, no key and no Map entry per SA; the rare records that
 * share an SPI (another protocol or destination) are told apart by the lookup's predicate.
 */
import type { IpsecProtocol } from './types';
import type { SaRecord } from './sa-record';
import { HashSlots } from '../wire/hash-slots';
import { hashInt32 } from '../wire/hash32';

interface SaKey {
  spi: number;
  protocol: IpsecProtocol;
  dst: string;
}

/** Whether `r` is the record of `k` (`k.spi` unsigned). */
function isRecordOf(r: SaRecord, k: SaKey): boolean {
  return r.spi === k.spi && r.protocol === k.protocol && r.dst === k.dst;
}

export class SaRecordTable {
  private readonly bySpi = new HashSlots<SaRecord>();

  get size(): number {
    return this.bySpi.size;
  }

  get(protocol: IpsecProtocol, dst: string, spi: number): SaRecord | undefined {
    const s = spi >>> 0;
    return this.bySpi.find(hashInt32(s), isRecordOf, { spi: s, protocol, dst });
  }

  /** Add `r`, or put it in place of the record with its protocol, destination and SPI. */
  set(r: SaRecord): void {
    this.bySpi.put(hashInt32(r.spi), r, isRecordOf, r);
  }

  delete(protocol: IpsecProtocol, dst: string, spi: number): boolean {
    const r = this.get(protocol, dst, spi);
    return r !== undefined && this.bySpi.delete(hashInt32(spi >>> 0), r);
  }

  values(): IterableIterator<SaRecord> {
    return this.bySpi.values();
  }

  clear(): void {
    this.bySpi.clear();
  }
}
