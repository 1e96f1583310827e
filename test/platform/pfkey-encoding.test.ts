/**
 * PF_KEYv2 messages from the C builders, byte for byte against the RFC 2367 /
 * OS header layouts: Linux af_key (the addon of this OS), OpenBSD and KAME
 * (FreeBSD layout), both compiled on Linux against native/compat/.
 * Expected bytes are spelled out with the field layouts (little-endian host).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernelAddon, loadPfkeyCompatAddon } from '../../src/platform/native-binding';

const u8 = (...v: number[]): Buffer => Buffer.from(v);
const u16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u16be = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u32be = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
const u64 = (v: number): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const zero = (n: number): Buffer => Buffer.alloc(n);
const pad8 = (b: Buffer): Buffer => Buffer.concat([b, zero((8 - (b.length % 8)) % 8)]);
const cat = (...b: Buffer[]): Buffer => Buffer.concat(b);

/** sadb_msg: version 2, type, errno 0, satype, len (64-bit words), reserved, seq, pid */
const msg = (type: number, satype: number, body: Buffer, seq: number, pid: number): Buffer =>
  cat(u8(2, type, 0, satype), u16((16 + body.length) / 8), u16(0), u32(seq), u32(pid), body);
/** Linux sockaddr_in: u16 family (host order), port (BE), addr, 8 zero */
const linuxSin = (a: number[], port = 0): Buffer => cat(u16(2), u16be(port), u8(...a), zero(8));
/** BSD sockaddr_in: sin_len 16, family 2, port, addr, 8 zero */
const bsdSin = (a: number[], port = 0): Buffer => cat(u8(16, 2), u16be(port), u8(...a), zero(8));
/** KAME/Linux sadb_address: len, type, proto, prefixlen, reserved + sockaddr */
const kameAddr = (type: number, proto: number, plen: number, sin: Buffer): Buffer =>
  pad8(cat(u16((8 + sin.length + 7) >> 3), u16(type), u8(proto, plen), u16(0), sin));
/** OpenBSD sadb_address: len, type, reserved u32 + sockaddr */
const obsdAddr = (type: number, sin: Buffer): Buffer => pad8(cat(u16((8 + sin.length + 7) >> 3), u16(type), u32(0), sin));
const sadbSa = (spi: number, replay: number, state: number, auth: number, enc: number, flags: number): Buffer =>
  cat(u16(2), u16(1), u32be(spi), u8(replay, state, auth, enc), u32(flags));
const lifetime = (type: number, bytes: number, secs: number): Buffer => cat(u16(4), u16(type), u32(0), u64(bytes), u64(secs), u64(0));
const key = (type: number, k: Buffer): Buffer => pad8(cat(u16((8 + k.length + 7) >> 3), u16(type), u16(k.length * 8), u16(0), k));
const sa2 = (mode: number, reqid: number): Buffer => cat(u16(2), u16(19), u8(mode, 0), u16(0), u32(0), u32(reqid));

const L = [192, 0, 2, 1];
const R = [192, 0, 2, 2];
const encKey = Buffer.alloc(16, 0x11);
const authKey = Buffer.alloc(20, 0x22);
const cbcSha1 = {
  protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 0x01020304, reqid: 5,
  enc: { id: 12, key: encKey }, auth: { id: 3, key: authKey }, esn: false, replayWindow: 32,
  lifetime: { softSeconds: 3000, hardSeconds: 3600, softBytes: 0, hardBytes: 0 },
};
const flowOut = {
  dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/16', proto: 6, dport: 80,
  tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 5, priority: 1000,
};

const linux = process.platform === 'linux' ? loadKernelAddon() : undefined;
const compat = process.platform === 'linux' ? loadPfkeyCompatAddon() : undefined;

describe('PF_KEY encodings: Linux af_key (KAME dialect, Linux sockaddrs)', { skip: linux?.pfkeyBuild ? false : 'Linux only' }, () => {
  const b = (k: Parameters<NonNullable<typeof linux>['pfkeyBuild'] & object>[0], s: object): Buffer => linux!.pfkeyBuild!(k, s, 7, 1234);
  it('SADB_ADD cbc(aes)-128 + hmac-sha1, tunnel, reqid, lifetimes', () => {
    const want = msg(3, 3 /* SADB_SATYPE_ESP */, cat(
      sadbSa(0x01020304, 32, 1, 3, 12, 0),
      sa2(2 /* IPSEC_MODE_TUNNEL */, 5),
      lifetime(3, 0, 3600),
      lifetime(4, 0, 3000),
      kameAddr(5, 255, 32, linuxSin(L)),
      kameAddr(6, 255, 32, linuxSin(R)),
      key(8, authKey),
      key(9, encKey),
    ), 7, 1234);
    assert.equal(b('add', cbcSha1).toString('hex'), want.toString('hex'));
  });
  it('SADB_UPDATE with NAT-T (type, sport, dport) and SADB_GETSPI', () => {
    const got = b('update', { ...cbcSha1, lifetime: undefined, encap: { sport: 4500, dport: 4501 } });
    const want = msg(2, 3, cat(
      sadbSa(0x01020304, 32, 1, 3, 12, 0), sa2(2, 5),
      kameAddr(5, 255, 32, linuxSin(L)), kameAddr(6, 255, 32, linuxSin(R)),
      key(8, authKey), key(9, encKey),
      cat(u16(1), u16(20), u8(2, 0, 0, 0)), // sadb_x_nat_t_type UDP_ENCAP_ESPINUDP
      cat(u16(1), u16(21), u16be(4500), u16(0)),
      cat(u16(1), u16(22), u16be(4501), u16(0)),
    ), 7, 1234);
    assert.equal(got.toString('hex'), want.toString('hex'));
    const spi = b('getspi', { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2', reqid: 5, min: 256, max: 0xffffffff });
    assert.equal(spi.toString('hex'), msg(1, 3, cat(
      sa2(2, 5), kameAddr(5, 255, 32, linuxSin(L)), kameAddr(6, 255, 32, linuxSin(R)),
      cat(u16(2), u16(16), u32(256), u32(0xffffffff), u32(0)),
    ), 7, 1234).toString('hex'));
  });
  it('SADB_DELETE / SADB_GET with SA and addresses (src: unspecified if unknown)', () => {
    assert.equal(b('delete', { protocol: 'ah', dst: '192.0.2.2', spi: 0x99 }).toString('hex'), msg(4, 2, cat(
      sadbSa(0x99, 0, 0, 0, 0, 0), kameAddr(5, 255, 32, linuxSin([0, 0, 0, 0])), kameAddr(6, 255, 32, linuxSin(R)),
    ), 7, 1234).toString('hex'));
    assert.equal(b('get', { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2', spi: 0x99 })[1], 5);
  });
  it('SADB_X_SPDADD: selectors with prefix/proto/port, policy + ipsecrequest with tunnel endpoints; fwd exists', () => {
    // Linux's sadb_x_ipsecrequest is 16 bytes: len, proto, mode, level, reserved1, u32 reqid, reserved2
    const req = cat(u16(48), u16(50), u8(2, 3 /* UNIQUE */), u16(0), u32(5), u32(0), linuxSin(L), linuxSin(R));
    const pol = (dir: number, withReq: boolean): Buffer =>
      cat(u16(withReq ? 8 : 2), u16(18), u16(2 /* IPSEC_POLICY_IPSEC */), u8(dir, 0), u32(0), u32(1000), withReq ? req : zero(0));
    const want = msg(14, 0, cat(
      kameAddr(5, 6, 24, linuxSin([10, 1, 0, 0])), kameAddr(6, 6, 16, linuxSin([10, 2, 0, 0], 80)), pol(2, true),
    ), 7, 1234);
    assert.equal(b('spdadd', flowOut).toString('hex'), want.toString('hex'));
    assert.equal(b('spdadd', { ...flowOut, dir: 'fwd' })[16 + 24 + 24 + 6], 3, 'IPSEC_DIR_FWD');
    // a newer SA with the same selectors: SADB_X_SPDUPDATE (13), the same body with the new template
    const upd = msg(13, 0, cat(
      kameAddr(5, 6, 24, linuxSin([10, 1, 0, 0])), kameAddr(6, 6, 16, linuxSin([10, 2, 0, 0], 80)), pol(2, true),
    ), 7, 1234);
    assert.equal(b('spdupdate', flowOut).toString('hex'), upd.toString('hex'));
    assert.equal(b('spddelete', flowOut).toString('hex'), msg(15, 0, cat(
      kameAddr(5, 6, 24, linuxSin([10, 1, 0, 0])), kameAddr(6, 6, 16, linuxSin([10, 2, 0, 0], 80)), pol(2, false),
    ), 7, 1234).toString('hex'));
  });
  it('AEAD and ESN are refused by the KAME builder', () => {
    assert.throws(() => b('add', { ...cbcSha1, enc: undefined, auth: undefined, aead: { name: 'rfc4106(gcm(aes))', key: Buffer.alloc(20) } }), /AEAD algorithms are not supported/);
    assert.throws(() => b('add', { ...cbcSha1, esn: true }), /ESN\) are not supported/);
  });
  it('socket(PF_KEY) on a kernel without af_key fails clearly', (t) => {
    let h: object | undefined;
    try {
      h = linux!.pfkeyOpen!();
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'EAFNOSUPPORT');
      assert.match((e as Error).message, /^socket\(PF_KEY, SOCK_RAW, PF_KEY_V2\) \[is af_key loaded\?\]: Address family not supported by protocol \(EAFNOSUPPORT\)$/);
      return;
    }
    linux!.pfkeyClose!(h);
    t.diagnostic('this kernel has af_key: socket opened');
  });
});

describe('PF_KEY encodings: OpenBSD (compat build)', { skip: compat ? false : 'Linux only' }, () => {
  const b = (k: Parameters<NonNullable<typeof compat>['pfkeyBuildOpenbsd']>[0], s: object): Buffer => compat!.pfkeyBuildOpenbsd(k, s, 3, 42);
  it('SADB_ADD: satype ESP = 2, TUNNEL flag, BSD sockaddrs, no sa2', () => {
    const want = msg(3, 2, cat(
      sadbSa(0x01020304, 32, 1, 3, 12, 0x004),
      lifetime(3, 0, 3600), lifetime(4, 0, 3000),
      obsdAddr(5, bsdSin(L)), obsdAddr(6, bsdSin(R)),
      key(8, authKey), key(9, encKey),
    ), 3, 42);
    assert.equal(b('add', cbcSha1).toString('hex'), want.toString('hex'));
  });
  it('AES-GCM: cipher AESGCM16 with key+salt, GMAC auth id without key; ESN and UDP encap flags + port', () => {
    const k = Buffer.alloc(20, 0x33);
    const got = b('add', { ...cbcSha1, mode: 'transport', enc: { id: 20, key: k }, auth: { id: 9, key: Buffer.alloc(0) }, esn: true, lifetime: undefined, encap: { sport: 4500, dport: 4500 } });
    const want = msg(3, 2, cat(
      sadbSa(0x01020304, 32, 1, 9, 20, 0x400 | 0x200),
      obsdAddr(5, bsdSin(L)), obsdAddr(6, bsdSin(R)),
      key(9, k),
      cat(u16(1), u16(31), u16be(4500), u16(0)), // sadb_x_udpencap
    ), 3, 42);
    assert.equal(got.toString('hex'), want.toString('hex'));
  });
  it('SADB_X_ADDFLOW / DELFLOW: flow type, peer addresses, flows, masks, protocol', () => {
    const flowType = (dir: number): Buffer => cat(u16(1), u16(20), u8(3 /* REQUIRE */, dir, 0, 0));
    const flows = cat(
      obsdAddr(21, bsdSin([10, 1, 0, 0])), obsdAddr(17, bsdSin([255, 255, 255, 0])),
      obsdAddr(22, bsdSin([10, 2, 0, 0], 80)), obsdAddr(18, bsdSin([255, 255, 0, 0], 0xffff)),
      cat(u16(1), u16(19), u8(6, 0, 0, 0)),
    );
    const want = msg(12, 2, cat(flowType(2), obsdAddr(5, bsdSin(L)), obsdAddr(6, bsdSin(R)), flows), 3, 42);
    assert.equal(b('spdadd', flowOut).toString('hex'), want.toString('hex'));
    assert.equal(b('spddelete', flowOut).toString('hex'), msg(13, 2, cat(flowType(2), flows), 3, 42).toString('hex'));
    // OpenBSD has no SPDUPDATE: SADB_X_ADDFLOW on an existing flow updates it in place (as OpenIKED relies on)
    assert.equal(b('spdupdate', flowOut).toString('hex'), want.toString('hex'));
    assert.equal(b('spdupdate', { ...flowOut, reqid: 9 }).toString('hex'), want.toString('hex'), 'OpenBSD flows carry no reqid');
    const inb = b('spdadd', { ...flowOut, dir: 'in', proto: 0, dport: undefined });
    assert.equal(inb[16 + 5], 1, 'IPSP_DIRECTION_IN');
    assert.throws(() => b('spdadd', { ...flowOut, dir: 'fwd' }), /'fwd'\) flows do not exist on OpenBSD/);
  });
  it('IPv6 sockaddr_in6 with sin6_len 28 and AF_INET6 = 24', () => {
    const m = b('delete', { protocol: 'esp', dst: '2001:db8::2', spi: 1 });
    const addr = m.subarray(32);
    assert.deepEqual([addr.readUInt16LE(0), addr.readUInt16LE(2)], [5, 6], '8 + 28 bytes -> 40 = 5 words, SADB_EXT_ADDRESS_DST');
    assert.deepEqual([addr[8], addr[9]], [28, 24]);
    assert.equal(addr.subarray(16, 32).toString('hex'), '20010db8000000000000000000000002');
  });
});

describe('PF_KEY encodings: KAME / FreeBSD layout (compat build)', { skip: compat ? false : 'Linux only' }, () => {
  const b = (k: Parameters<NonNullable<typeof compat>['pfkeyBuildKame']>[0], s: object): Buffer => compat!.pfkeyBuildKame(k, s, 9, 77);
  it('SADB_ADD: RFC 2367 satype 3, replay in bytes (32 packets -> 4), BSD sockaddrs', () => {
    const want = msg(3, 3, cat(
      sadbSa(0x01020304, 4, 1, 3, 12, 0), sa2(2, 5),
      lifetime(3, 0, 3600), lifetime(4, 0, 3000),
      kameAddr(5, 255, 32, bsdSin(L)), kameAddr(6, 255, 32, bsdSin(R)),
      key(8, authKey), key(9, encKey),
    ), 9, 77);
    assert.equal(b('add', cbcSha1).toString('hex'), want.toString('hex'));
  });
  it('SADB_X_SPDADD with sa_len sockaddrs and the 8-byte KAME ipsecrequest; no fwd on BSD', () => {
    const req = cat(u16(40), u16(50), u8(2, 3), u16(5), bsdSin(L), bsdSin(R));
    const want = msg(14, 0, cat(
      kameAddr(5, 6, 24, bsdSin([10, 1, 0, 0])), kameAddr(6, 6, 16, bsdSin([10, 2, 0, 0], 80)),
      cat(u16(7), u16(18), u16(2), u8(2, 0), u32(0), u32(1000), req),
    ), 9, 77);
    assert.equal(b('spdadd', flowOut).toString('hex'), want.toString('hex'));
    const upd = Buffer.from(want);
    upd[1] = 13; // SADB_X_SPDUPDATE: the same message, another type
    assert.equal(b('spdupdate', flowOut).toString('hex'), upd.toString('hex'));
    const newer = b('spdupdate', { ...flowOut, reqid: 6 });
    assert.equal(newer.readUInt16LE(16 + 24 + 24 + 16 + 6), 6, 'the newer template: its reqid in the ipsecrequest');
    assert.throws(() => b('spdadd', { ...flowOut, dir: 'fwd' }), /do not exist in KAME PF_KEY/);
    assert.throws(() => b('spdadd', { ...flowOut, reqid: 20000 }), /limited to 16383/);
  });
  it('SADB_REGISTER', () => {
    assert.equal(b('register', { protocol: 'ah' }).toString('hex'), msg(7, 2, zero(0), 9, 77).toString('hex'));
  });
});
