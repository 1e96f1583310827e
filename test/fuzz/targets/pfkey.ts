/**
 * PF_KEYv2 kernel replies and events (TypeScript side): parsePfkey, then what
 * the adapter does with a reply (saSpi, counters) and with an event
 * (PfkeyAdapter.decodeEvent, for the linux, openbsd and kame dialects).
 * parsePfkey, saSpi and counters may throw only their "PF_KEY ..." Error;
 * decodeEvent never throws (undefined if malformed).
 */
import fc from 'fast-check';
import { counters, parsePfkey, saSpi, SADB, SADB_EXT, OPENBSD_EXT } from '../../../src/platform/pfkey-parse';
import { PfkeyAdapter, type PfkeyAdapterName } from '../../../src/platform/pfkey';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const pad8 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((8 - (b.length % 8)) % 8)]);

function msg(type: number, satype: number, exts: Buffer[]): Buffer {
  const body = Buffer.concat(exts);
  const h = Buffer.concat([Buffer.from([2, type, 0, satype]), u16((16 + body.length) / 8), u16(0), u32(7), u32(1234)]);
  return Buffer.concat([h, body]);
}
function ext(type: number, body: Buffer): Buffer {
  const b = pad8(Buffer.concat([Buffer.alloc(4), body]));
  b.writeUInt16LE(b.length / 8, 0);
  b.writeUInt16LE(type, 2);
  return b;
}
const sadbSa = (spi: number): Buffer => { const b = Buffer.alloc(12); b.writeUInt32BE(spi, 0); b[4] = 32; b[5] = 1; return ext(SADB_EXT.SA, b); };
const linuxSin = (a: number[], port = 0): Buffer => { const b = Buffer.alloc(16); b.writeUInt16LE(2, 0); b.writeUInt16BE(port, 2); Buffer.from(a).copy(b, 4); return b; };
const bsdSin = (a: number[]): Buffer => { const b = Buffer.alloc(16); b[0] = 16; b[1] = 2; Buffer.from(a).copy(b, 4); return b; };
const bsdSin6 = (): Buffer => { const b = Buffer.alloc(28); b[0] = 28; b[1] = 24; b[8 + 15] = 1; return b; };
const kameAddr = (type: number, plen: number, sa: Buffer): Buffer => ext(type, Buffer.concat([Buffer.from([255, plen, 0, 0]), sa]));
const obsdAddr = (type: number, sa: Buffer): Buffer => ext(type, Buffer.concat([Buffer.alloc(4), sa]));
const lifetime = (type: number, packets: number, bytes: number): Buffer => {
  const b = Buffer.alloc(28);
  b.writeUInt32LE(packets, 0);
  b.writeBigUInt64LE(BigInt(bytes), 4);
  b.writeBigUInt64LE(1700000000n, 20);
  return ext(type, b);
};

function seeds(): Buffer[] {
  const A = [192, 0, 2, 1];
  const B = [198, 51, 100, 2];
  return [
    ...corpus('pfkey'),
    msg(SADB.EXPIRE, 3, [sadbSa(0x1234), lifetime(SADB_EXT.LIFETIME_HARD, 0, 0), kameAddr(SADB_EXT.ADDRESS_SRC, 32, linuxSin(A)), kameAddr(SADB_EXT.ADDRESS_DST, 32, linuxSin(B))]),
    msg(SADB.ACQUIRE, 3, [kameAddr(SADB_EXT.ADDRESS_SRC, 24, linuxSin(A, 500)), kameAddr(SADB_EXT.ADDRESS_DST, 24, linuxSin(B))]),
    msg(SADB.ACQUIRE, 3, [kameAddr(SADB_EXT.ADDRESS_SRC, 24, bsdSin(A)), kameAddr(SADB_EXT.ADDRESS_DST, 128, bsdSin6())]),
    msg(SADB.ACQUIRE, 2, [obsdAddr(SADB_EXT.ADDRESS_SRC, bsdSin(A)), obsdAddr(SADB_EXT.ADDRESS_DST, bsdSin(B)), obsdAddr(OPENBSD_EXT.SRC_FLOW, bsdSin(A)), obsdAddr(OPENBSD_EXT.DST_FLOW, bsdSin(B))]),
    msg(SADB.EXPIRE, 2, [sadbSa(0x99), lifetime(SADB_EXT.LIFETIME_SOFT, 1, 2), obsdAddr(SADB_EXT.ADDRESS_DST, bsdSin6())]),
    msg(SADB.GET, 3, [sadbSa(0x5678), lifetime(SADB_EXT.LIFETIME_CURRENT, 10, 1000)]),
    msg(SADB.GET, 2, [sadbSa(0x5678), ext(OPENBSD_EXT.COUNTER, Buffer.alloc(36, 1))]),
    msg(SADB.GETSPI, 3, [sadbSa(0xc0ffee)]),
  ];
}

const fakeAddon = {} as never;
const adapters = (['pfkey-linux', 'pfkey-openbsd', 'pfkey-kame'] as PfkeyAdapterName[]).map(
  (n) => new (PfkeyAdapter as unknown as new (name: PfkeyAdapterName, addon: never, handle: never) => PfkeyAdapter)(n, fakeAddon, {} as never),
);

const isPfkeyError = (e: unknown): boolean => e instanceof Error && e.constructor === Error && /^PF_KEY /.test(e.message);

export const target: FuzzTarget<[Buffer, boolean]> = {
  name: 'pfkey',
  sources: ['src/platform/pfkey-parse.ts', 'src/platform/pfkey.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 2048), fc.boolean()),
  run([buf, fixLength]) {
    if (fixLength && buf.length >= 16) buf.writeUInt16LE(Math.floor(buf.length / 8) & 0xffff, 4);
    const m = decodeOnly('parsePfkey', () => parsePfkey(buf), isPfkeyError);
    if (m) {
      check(m.len <= buf.length, 'message length beyond the buffer');
      for (const e of m.exts.values()) check(e.length >= 8 && e.length % 8 === 0, 'extension of a bad length accepted');
      decodeOnly('saSpi', () => saSpi(m), isPfkeyError);
      decodeOnly('counters', () => counters(m), isPfkeyError);
    }
    for (const a of adapters) decodeOnly(`${a.name} decodeEvent`, () => a.decodeEvent(buf), () => false);
  },
};
