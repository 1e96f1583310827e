/**
 * One copy of the strings that many held records repeat. A message that crosses
 * the privsep channel arrives with fresh copies of every string in it ('esp',
 * 'tunnel', the gateway's address, the peer's): a record that keeps them as they
 * came holds a dozen small strings per SA. Records keep these instead.
 */
import type { IpsecMode, IpsecProtocol } from './types';

/** The literal of a known protocol or mode (the value itself if it is none of them). */
export function canonicalProtocol(p: IpsecProtocol): IpsecProtocol {
  return p === 'esp' ? 'esp' : p === 'ah' ? 'ah' : p;
}

export function canonicalMode(m: IpsecMode): IpsecMode {
  return m === 'tunnel' ? 'tunnel' : m === 'transport' ? 'transport' : m;
}

/**
 * Addresses and networks: a bounded table (emptied when full, so a stream of
 * distinct peers cannot grow it without end; after a reset, sharing starts again).
 */
export class StringTable {
  private readonly table = new Map<string, string>();

  constructor(private readonly max = 8192) {}

  get size(): number {
    return this.table.size;
  }

  intern(s: string): string {
    const have = this.table.get(s);
    if (have !== undefined) return have;
    if (this.table.size >= this.max) this.table.clear();
    this.table.set(s, s);
    return s;
  }
}
