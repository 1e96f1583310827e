/**
 * PF_KEYv2 message parser (RFC 2367 layout, common to every dialect) for the
 * kernel's answers and events: sadb_msg header, extensions, sockaddrs in the
 * Linux (no sa_len) or BSD (sa_len + family byte) layout.
 */
export type PfkeyDialect = 'linux' | 'openbsd' | 'kame';

export const SADB = { GETSPI: 1, UPDATE: 2, ADD: 3, DELETE: 4, GET: 5, ACQUIRE: 6, REGISTER: 7, EXPIRE: 8 } as const;
export const SADB_EXT = {
  SA: 1,
  LIFETIME_CURRENT: 2,
  LIFETIME_HARD: 3,
  LIFETIME_SOFT: 4,
  ADDRESS_SRC: 5,
  ADDRESS_DST: 6,
  KEY_AUTH: 8,
  KEY_ENCRYPT: 9,
} as const;
/** OpenBSD-only extensions */
export const OPENBSD_EXT = { SRC_MASK: 17, DST_MASK: 18, PROTOCOL: 19, SRC_FLOW: 21, DST_FLOW: 22, COUNTER: 36 } as const;

export interface PfkeyMessage {
  version: number;
  type: number;
  errno: number;
  satype: number;
  len: number;
  seq: number;
  pid: number;
  /** extension bodies including their 4-byte header, by type (first occurrence) */
  exts: Map<number, Buffer>;
}

export function parsePfkey(buf: Buffer): PfkeyMessage {
  if (buf.length < 16) throw new Error(`PF_KEY message too short (${buf.length} bytes)`);
  const len = buf.readUInt16LE(4) * 8;
  if (len > buf.length || len < 16) throw new Error(`PF_KEY message length ${len} does not match ${buf.length} bytes`);
  const m: PfkeyMessage = {
    version: buf[0],
    type: buf[1],
    errno: buf[2],
    satype: buf[3],
    len,
    seq: buf.readUInt32LE(8),
    pid: buf.readUInt32LE(12),
    exts: new Map(),
  };
  let off = 16;
  while (off + 4 <= len) {
    const elen = buf.readUInt16LE(off) * 8;
    const etype = buf.readUInt16LE(off + 2);
    if (elen < 8 || off + elen > len) throw new Error(`PF_KEY extension ${etype} at ${off}: bad length ${elen}`);
    if (!m.exts.has(etype)) m.exts.set(etype, buf.subarray(off, off + elen));
    off += elen;
  }
  return m;
}

/** sockaddr at the start of buf -> { addr, port } */
export function parseSockaddr(buf: Buffer, dialect: PfkeyDialect): { addr: string; port: number } {
  const family = buf.length < 2 ? -1 : dialect === 'linux' ? buf.readUInt16LE(0) : buf[1];
  if (buf.length < (family === 2 ? 8 : 24)) throw new Error(`PF_KEY sockaddr (family ${family}) of ${buf.length} bytes is too short`);
  const port = buf.readUInt16BE(2);
  if (family === 2) return { addr: [...buf.subarray(4, 8)].join('.'), port };
  const a = buf.subarray(8, 24);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
  return { addr: compressV6(groups), port };
}

function compressV6(g: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** sadb_address extension -> address, prefix length (KAME), upper-layer proto (KAME), port */
export function parseAddressExt(ext: Buffer, dialect: PfkeyDialect): { addr: string; plen: number; proto: number; port: number } {
  const sa = parseSockaddr(ext.subarray(8), dialect);
  const full = sa.addr.includes(':') ? 128 : 32;
  const plen = dialect === 'openbsd' ? full : ext[5] || full;
  const proto = dialect === 'openbsd' ? 0 : ext[4] === 255 ? 0 : ext[4];
  return { ...sa, plen, proto };
}

/** SPI (host order) of the sadb_sa extension */
export function saSpi(m: PfkeyMessage): number {
  const sa = m.exts.get(SADB_EXT.SA);
  if (!sa) throw new Error('PF_KEY message has no SA extension');
  return sa.readUInt32BE(4);
}

/** counters from a SADB_GET answer */
export function counters(m: PfkeyMessage): { bytes: number; packets: number; lastUse: number } {
  const c = m.exts.get(OPENBSD_EXT.COUNTER);
  const cur = m.exts.get(SADB_EXT.LIFETIME_CURRENT);
  let bytes = 0;
  let packets = 0;
  let lastUse = 0;
  if (cur) {
    if (cur.length < 32) throw new Error(`PF_KEY lifetime extension of ${cur.length} bytes is too short`);
    packets = cur.readUInt32LE(4);
    bytes = Number(cur.readBigUInt64LE(8));
    lastUse = Number(cur.readBigUInt64LE(24));
  }
  if (c && c.length >= 40) {
    // OpenBSD sadb_x_counter: ipackets, opackets, ibytes, obytes
    packets = Number(c.readBigUInt64LE(8) + c.readBigUInt64LE(16));
    bytes = Number(c.readBigUInt64LE(24) + c.readBigUInt64LE(32));
  }
  return { bytes, packets, lastUse };
}
