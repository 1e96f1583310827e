/**
 * The decoupled adapter's SAs by (protocol, destination, SPI): a Map keyed by the SPI as a
 * 32-bit integer (a small integer, no key string per SA), the rare records that share an
 * SPI (another protocol or destination) in a short list.
 */
import type { IpsecProtocol } from './types';
import type { SaRecord } from './sa-record';

function matches(r: SaRecord, protocol: IpsecProtocol, dst: string): boolean {
  return r.protocol === protocol && r.dst === dst;
}

export class SaRecordTable {
  private readonly bySpi = new Map<number, SaRecord | SaRecord[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(protocol: IpsecProtocol, dst: string, spi: number): SaRecord | undefined {
    const h = this.bySpi.get(spi | 0);
    if (h === undefined) return undefined;
    if (!Array.isArray(h)) return matches(h, protocol, dst) ? h : undefined;
    return h.find((r) => matches(r, protocol, dst));
  }

  /** Add `r`, or put it in place of the record with its protocol, destination and SPI. */
  set(r: SaRecord): void {
    const k = r.spi | 0;
    const h = this.bySpi.get(k);
    if (h === undefined) {
      this.bySpi.set(k, r);
      this.count++;
    } else if (!Array.isArray(h)) {
      if (matches(h, r.protocol, r.dst)) this.bySpi.set(k, r);
      else {
        this.bySpi.set(k, [h, r]);
        this.count++;
      }
    } else {
      const i = h.findIndex((x) => matches(x, r.protocol, r.dst));
      if (i >= 0) h[i] = r;
      else {
        h.push(r);
        this.count++;
      }
    }
  }

  delete(protocol: IpsecProtocol, dst: string, spi: number): boolean {
    const k = spi | 0;
    const h = this.bySpi.get(k);
    if (h === undefined) return false;
    if (!Array.isArray(h)) {
      if (!matches(h, protocol, dst)) return false;
      this.bySpi.delete(k);
    } else {
      const i = h.findIndex((x) => matches(x, protocol, dst));
      if (i < 0) return false;
      h.splice(i, 1);
      if (h.length === 1) this.bySpi.set(k, h[0]);
    }
    this.count--;
    return true;
  }

  *values(): IterableIterator<SaRecord> {
    for (const h of this.bySpi.values()) {
      if (Array.isArray(h)) yield* h;
      else yield h;
    }
  }

  clear(): void {
    this.bySpi.clear();
    this.count = 0;
  }
}
