/**
 * Address pools of `config address NET` (responder): one lease per IKE SA,
 * released when the SA goes; with `set stickyaddress` an identity gets the
 * same address again (also while its previous SA still exists). Addresses
 * are handed out lowest first; the network and broadcast addresses of IPv4
 * pools shorter than /31 are never leased.
 */
import { addressText, addressBytes } from '../../wire/endpoint';
import { Network, networkRange } from './traffic-selectors';

export interface Lease {
  pool: AddressPool;
  /** Address bytes (4 or 16). */
  addr: Buffer;
  text: string;
  owner: string;
}

function add(b: Buffer, n: bigint): Buffer {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  v += n;
  const out = Buffer.alloc(b.length);
  for (let i = b.length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function toBig(b: Buffer): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Upper bound of addresses scanned per lease (IPv6 pools are huge). */
const MAX_SCAN = 1 << 20;

export class AddressPool {
  readonly first: Buffer;
  readonly size: bigint;
  readonly text: string;
  /** address text -> owners (several only with sticky addresses). */
  private readonly holders = new Map<string, Set<string>>();
  /** owner -> lease */
  private readonly byOwner = new Map<string, Lease>();
  /** identity -> address text, with sticky addresses */
  private readonly sticky = new Map<string, string>();
  /** owner -> identity, for sticky leases */
  private readonly stickyOwnerIdentity = new Map<string, string>();
  /** lowest index that may be free */
  private hint = 0n;

  constructor(readonly net: Network) {
    const { start, end } = networkRange(net);
    const hostBits = (net.family === 4 ? 32 : 128) - net.prefixLen;
    const skipEnds = net.family === 4 && hostBits >= 2;
    this.first = skipEnds ? add(start, 1n) : start;
    const last = skipEnds ? add(end, -1n) : end;
    this.size = toBig(last) - toBig(this.first) + 1n;
    this.text = `${addressText(start)}/${net.prefixLen}`;
  }

  /** Addresses currently leased. */
  get used(): number {
    return this.holders.size;
  }

  leaseOf(owner: string): Lease | undefined {
    return this.byOwner.get(owner);
  }

  /**
   * Lease an address to `owner` (an IKE SA). With `stickyIdentity`, the address
   * this identity had before is given again if it is not held by someone else.
   * Returns null when the pool is exhausted.
   */
  lease(owner: string, stickyIdentity?: string): Lease | null {
    const had = this.byOwner.get(owner);
    if (had) return had;
    if (stickyIdentity !== undefined) {
      const t = this.sticky.get(stickyIdentity);
      if (t !== undefined) {
        const holders = this.holders.get(t);
        const sameIdentity = !holders || [...holders].every((o) => this.stickyOwnerIdentity.get(o) === stickyIdentity);
        if (sameIdentity) return this.take(owner, t, stickyIdentity);
      }
    }
    const limit = this.size < BigInt(MAX_SCAN) ? this.size : BigInt(MAX_SCAN);
    for (let i = this.hint; i < limit; i++) {
      const a = add(this.first, i);
      const t = addressText(a);
      if (this.holders.has(t)) continue;
      this.hint = i + 1n;
      return this.take(owner, t, stickyIdentity, a);
    }
    return null;
  }

  private take(owner: string, t: string, stickyIdentity?: string, bytes?: Buffer): Lease {
    const addr = bytes ?? addressBytes(t);
    let h = this.holders.get(t);
    if (!h) this.holders.set(t, (h = new Set()));
    h.add(owner);
    const l: Lease = { pool: this, addr, text: t, owner };
    this.byOwner.set(owner, l);
    if (stickyIdentity !== undefined) {
      this.sticky.set(stickyIdentity, t);
      this.stickyOwnerIdentity.set(owner, stickyIdentity);
    }
    return l;
  }

  /** Give back the lease of `owner` (no-op if it has none). */
  release(owner: string): void {
    const l = this.byOwner.get(owner);
    if (!l) return;
    this.byOwner.delete(owner);
    this.stickyOwnerIdentity.delete(owner);
    const h = this.holders.get(l.text);
    h?.delete(owner);
    if (h && h.size === 0) {
      this.holders.delete(l.text);
      const idx = toBig(l.addr) - toBig(this.first);
      if (idx < this.hint) this.hint = idx;
    }
  }
}

/** The pools of one engine, by policy name and pool network (survive reloads when unchanged). */
export class AddressPools {
  private readonly pools = new Map<string, AddressPool>();

  get(policyName: string, net: Network): AddressPool {
    const key = `${policyName} ${addressText(net.addr)}/${net.prefixLen}`;
    let p = this.pools.get(key);
    if (!p) this.pools.set(key, (p = new AddressPool(net)));
    return p;
  }

  /** Release every lease of `owner` in every pool. */
  releaseAll(owner: string): void {
    for (const p of this.pools.values()) p.release(owner);
  }
}
