/**
 * What the decoupled adapter keeps of an SA it "would have installed": a small
 * record of the per-SA values (SPI, reqid, addresses, an arena slot with both keys)
 * and a shared, interned shape for what many SAs have in common (protocol, mode,
 * algorithms, lifetimes). A full KernelSaSpec is rebuilt only when asked for.
 */
import type { IpsecProtocol, KernelSaSpec } from './types';
import { canonicalMode, canonicalProtocol, StringTable } from './intern';
import type { KeyArena } from './key-arena';

/** Where records keep what they share: one copy of each address, keys packed in an arena. */
export interface RecordStore {
  strings: StringTable;
  keys: KeyArena;
}

interface SaShape {
  readonly protocol: IpsecProtocol;
  /** false: the shape of a reserved SPI (allocSpi), nothing installed; the rest is unused */
  readonly installed: boolean;
  readonly mode: KernelSaSpec['mode'];
  readonly encr: { ianaId: number; keyBits: number; icvLen?: number; keyLen: number } | null;
  readonly integ: { ianaId: number; keyLen: number } | null;
  readonly esn: boolean;
  readonly replayWindow: number;
  readonly lifetime: KernelSaSpec['lifetime'];
}

/** Per-SA values that are rare (NAT-T ports, a selector): kept only when present. */
interface SaExtra {
  encap?: { sport: number; dport: number };
  selector?: { src: string; dst: string; proto: number };
}

const shapes = new Map<string, SaShape>();
let lastShape: SaShape | null = null;

/** Whether `s` describes `sa` (the common case: the same shape as the SA before). */
function fits(s: SaShape, sa: KernelSaSpec): boolean {
  const { encr, integ, lifetime: l } = sa;
  const sl = s.lifetime;
  return (
    s.installed &&
    s.protocol === sa.protocol &&
    s.mode === sa.mode &&
    s.esn === sa.esn &&
    s.replayWindow === sa.replayWindow &&
    (encr ? !!s.encr && s.encr.ianaId === encr.ianaId && s.encr.keyBits === encr.keyBits && s.encr.icvLen === encr.icvLen && s.encr.keyLen === encr.key.length : !s.encr) &&
    (integ ? !!s.integ && s.integ.ianaId === integ.ianaId && s.integ.keyLen === integ.key.length : !s.integ) &&
    sl.softSeconds === l.softSeconds &&
    sl.hardSeconds === l.hardSeconds &&
    sl.softBytes === l.softBytes &&
    sl.hardBytes === l.hardBytes
  );
}

function shapeOf(sa: KernelSaSpec): SaShape {
  if (lastShape && fits(lastShape, sa)) return lastShape;
  lastShape = internShape(sa);
  return lastShape;
}

function internShape(sa: KernelSaSpec): SaShape {
  const { encr, integ, lifetime: l } = sa;
  const k =
    `${sa.protocol} ${sa.mode} ${encr ? `${encr.ianaId}/${encr.keyBits}/${encr.icvLen ?? ''}/${encr.key.length}` : '-'} ` +
    `${integ ? `${integ.ianaId}/${integ.key.length}` : '-'} ${sa.esn ? 1 : 0} ${sa.replayWindow} ${l.softSeconds} ${l.hardSeconds} ${l.softBytes} ${l.hardBytes}`;
  let s = shapes.get(k);
  if (!s) {
    s = {
      protocol: canonicalProtocol(sa.protocol),
      installed: true,
      mode: canonicalMode(sa.mode),
      encr: encr ? { ianaId: encr.ianaId, keyBits: encr.keyBits, icvLen: encr.icvLen, keyLen: encr.key.length } : null,
      integ: integ ? { ianaId: integ.ianaId, keyLen: integ.key.length } : null,
      esn: sa.esn,
      replayWindow: sa.replayWindow,
      lifetime: { ...l },
    };
    shapes.set(k.normalize(), s);
  }
  return s;
}

const larvalShapes = new Map<IpsecProtocol, SaShape>();

/** The shape of a reserved SPI of `protocol` (one per protocol). */
function larvalShape(protocol: IpsecProtocol): SaShape {
  let s = larvalShapes.get(protocol);
  if (!s) {
    s = { protocol: canonicalProtocol(protocol), installed: false, mode: 'tunnel', encr: null, integ: null, esn: false, replayWindow: 0, lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 } };
    larvalShapes.set(s.protocol, s);
  }
  return s;
}

/**
 * One per kernel SA (two per Child SA): 7 fields, the protocol in the shared shape, the store
 * (the same for all records of an adapter) passed in by the adapter when the keys are needed.
 */
export class SaRecord {
  private constructor(
    readonly src: string,
    readonly dst: string,
    /** the SPI as a signed 32-bit integer: a small integer in the record, not a heap number (`spi` reads it back) */
    private readonly spi32: number,
    /** what many SAs share; a larval shape when only the SPI is reserved (allocSpi) */
    private readonly shape: SaShape,
    private readonly reqid: number,
    /** encryption key then integrity key, in a slot of store.keys (-1: none, or wiped) */
    private keySlot: number,
    private readonly extra: SaExtra | null,
  ) {}

  static larval(protocol: IpsecProtocol, src: string, dst: string, spi: number, store: RecordStore): SaRecord {
    const { strings } = store;
    return new SaRecord(strings.intern(src), strings.intern(dst), spi | 0, larvalShape(protocol), 0, -1, null);
  }

  get protocol(): IpsecProtocol {
    return this.shape.protocol;
  }

  /** A copy of `sa`: the keys are copied into the arena, the caller's buffers are not kept. */
  static of(sa: KernelSaSpec, store: RecordStore): SaRecord {
    const { strings } = store;
    const parts: Buffer[] = [];
    if (sa.encr) parts.push(sa.encr.key);
    if (sa.integ) parts.push(sa.integ.key);
    const keySlot = parts.length && parts.some((p) => p.length) ? store.keys.store(parts) : -1;
    const extra: SaExtra | null =
      sa.encap || sa.selector
        ? {
            encap: sa.encap ? { sport: sa.encap.sport, dport: sa.encap.dport } : undefined,
            selector: sa.selector ? { src: strings.intern(sa.selector.src), dst: strings.intern(sa.selector.dst), proto: sa.selector.proto } : undefined,
          }
        : null;
    return new SaRecord(strings.intern(sa.src), strings.intern(sa.dst), sa.spi | 0, shapeOf(sa), sa.reqid, keySlot, extra);
  }

  get spi(): number {
    return this.spi32 >>> 0;
  }

  get installed(): boolean {
    return this.shape.installed;
  }

  /** The full spec (keys as views of the arena slot in `store`, the record's), or null for a reserved SPI. */
  spec(store: RecordStore): KernelSaSpec | null {
    const s = this.shape;
    if (!s.installed) return null;
    const eLen = s.encr ? s.encr.keyLen : 0;
    const iLen = s.integ ? s.integ.keyLen : 0;
    // views (no copy of a secret left unzeroed): valid until the SA is deleted and its slot reused
    const keys = this.keySlot >= 0 ? store.keys.view(this.keySlot, eLen + iLen) : Buffer.alloc(0);
    return {
      protocol: s.protocol,
      mode: s.mode,
      src: this.src,
      dst: this.dst,
      spi: this.spi,
      reqid: this.reqid,
      encr: s.encr ? { ianaId: s.encr.ianaId, keyBits: s.encr.keyBits, key: keys.subarray(0, eLen), icvLen: s.encr.icvLen } : undefined,
      integ: s.integ ? { ianaId: s.integ.ianaId, key: keys.subarray(eLen, eLen + s.integ.keyLen) } : undefined,
      esn: s.esn,
      replayWindow: s.replayWindow,
      lifetime: { ...s.lifetime },
      encap: this.extra?.encap ? { ...this.extra.encap } : undefined,
      selector: this.extra?.selector ? { ...this.extra.selector } : undefined,
    };
  }

  /** Zero the keys and give their slot back to `store` (the record's; the record is being dropped). */
  wipe(store: RecordStore): void {
    if (this.keySlot < 0) return;
    store.keys.free(this.keySlot);
    this.keySlot = -1;
  }
}
