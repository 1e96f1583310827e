/**
 * XFRM netlink messages from the addon's pure builders, checked field by field
 * against the <linux/xfrm.h> layouts (x86-64/arm64: little-endian hosts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernelAddon } from '../../src/platform/native-binding';

const X = { NEWSA: 16, DELSA: 17, GETSA: 18, NEWPOLICY: 19, DELPOLICY: 20, ALLOCSPI: 22, UPDPOLICY: 25, UPDSA: 26 };
const A = { ALG_AUTH: 1, ALG_CRYPT: 2, ENCAP: 4, TMPL: 5, ALG_AEAD: 18, ALG_AUTH_TRUNC: 20, REPLAY_ESN_VAL: 23 };
const INF = 0xffffffffffffffffn;

function attrs(msg: Buffer, bodyLen: number): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let off = 16 + bodyLen;
  while (off + 4 <= msg.length) {
    const len = msg.readUInt16LE(off);
    m.set(msg.readUInt16LE(off + 2), msg.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
  return m;
}
const cstr = (b: Buffer): string => b.subarray(0, b.indexOf(0)).toString();

const addon = process.platform === 'linux' ? loadKernelAddon() : undefined;
const build = addon?.xfrmBuild;

describe('XFRM message builders', { skip: build ? false : 'Linux addon only' }, () => {
  const gcmKey = Buffer.from('000102030405060708090a0b0c0d0e0f10111213', 'hex');
  it('NEWSA: AEAD rfc4106 with ICV bits, ESN window, NAT-T encap, lifetimes', () => {
    const m = build!('newsa', {
      protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 0xc0ffee01, reqid: 77,
      aead: { name: 'rfc4106(gcm(aes))', key: gcmKey, keyBits: 160, bits: 128 },
      esn: true, replayWindow: 128,
      lifetime: { softSeconds: 3000, hardSeconds: 3600, softBytes: 0, hardBytes: 1e9 },
      encap: { sport: 4500, dport: 4501 },
    }, 99);
    // nlmsghdr
    assert.equal(m.readUInt32LE(0), m.length);
    assert.equal(m.readUInt16LE(4), X.NEWSA);
    assert.equal(m.readUInt16LE(6), 1 /* NLM_F_REQUEST */);
    assert.equal(m.readUInt32LE(8), 99);
    const p = m.subarray(16, 16 + 224); // struct xfrm_usersa_info
    assert.deepEqual([...p.subarray(56, 60)], [192, 0, 2, 2], 'id.daddr');
    assert.equal(p.readUInt32BE(56 + 16), 0xc0ffee01, 'id.spi (network order)');
    assert.equal(p[56 + 20], 50, 'id.proto = ESP');
    assert.deepEqual([...p.subarray(80, 84)], [192, 0, 2, 1], 'saddr');
    assert.equal(p.readBigUInt64LE(96), INF, 'soft_byte_limit: none -> XFRM_INF');
    assert.equal(p.readBigUInt64LE(104), 1000000000n, 'hard_byte_limit');
    assert.equal(p.readBigUInt64LE(96 + 32), 3000n, 'soft_add_expires_seconds');
    assert.equal(p.readBigUInt64LE(96 + 40), 3600n, 'hard_add_expires_seconds');
    assert.equal(p.readUInt32LE(208), 77, 'reqid');
    assert.equal(p.readUInt16LE(212), 2, 'family AF_INET');
    assert.equal(p[214], 1, 'mode XFRM_MODE_TUNNEL');
    assert.equal(p[215], 0, 'replay_window 0: ESN uses XFRMA_REPLAY_ESN_VAL');
    assert.equal(p[216] & 128, 128, 'XFRM_STATE_ESN flag');
    const at = attrs(m, 224);
    const aead = at.get(A.ALG_AEAD)!;
    assert.equal(cstr(aead.subarray(0, 64)), 'rfc4106(gcm(aes))');
    assert.equal(aead.readUInt32LE(64), 160, 'alg_key_len bits incl. salt');
    assert.equal(aead.readUInt32LE(68), 128, 'alg_icv_len');
    assert.deepEqual(aead.subarray(72), gcmKey);
    const esn = at.get(A.REPLAY_ESN_VAL)!;
    assert.equal(esn.readUInt32LE(0), 4, 'bmp_len = 128/32');
    assert.equal(esn.readUInt32LE(20), 128, 'replay_window');
    assert.equal(esn.length, 24 + 16);
    const encap = at.get(A.ENCAP)!;
    assert.equal(encap.readUInt16LE(0), 2, 'UDP_ENCAP_ESPINUDP');
    assert.equal(encap.readUInt16BE(2), 4500);
    assert.equal(encap.readUInt16BE(4), 4501);
    assert.equal(at.has(A.ALG_CRYPT) || at.has(A.ALG_AUTH_TRUNC), false);
    const zeroWin = build!('newsa', {
      protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 5,
      aead: { name: 'rfc4106(gcm(aes))', key: gcmKey, keyBits: 160, bits: 128 }, esn: true, replayWindow: 0,
    }, 1);
    assert.equal(attrs(zeroWin, 224).get(A.REPLAY_ESN_VAL)!.readUInt32LE(20), 32, 'ESN needs a non-zero window');
  });
  it('UPDSA: cbc(aes) + hmac(sha256) via XFRMA_ALG_AUTH_TRUNC (128), transport, IPv6, small window', () => {
    const m = build!('updsa', {
      protocol: 'esp', mode: 'transport', src: '2001:db8::1', dst: '2001:db8::2', spi: 0x1001,
      enc: { name: 'cbc(aes)', key: Buffer.alloc(32, 0xaa), keyBits: 256 },
      auth: { name: 'hmac(sha256)', key: Buffer.alloc(32, 0xbb), keyBits: 256, bits: 128 },
      esn: false, replayWindow: 32, lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
      selector: { src: '2001:db8::1/128', dst: '2001:db8::2/128', proto: 6 },
    }, 1);
    assert.equal(m.readUInt16LE(4), X.UPDSA);
    const p = m.subarray(16, 240);
    assert.equal(p.readUInt16LE(40), 10, 'sel.family AF_INET6');
    assert.deepEqual([p[42], p[43], p[44]], [128, 128, 6], 'sel prefixes and proto');
    assert.equal(p.subarray(56, 72).toString('hex'), '20010db8000000000000000000000002');
    assert.equal(p.readUInt16LE(212), 10);
    assert.equal(p[214], 0, 'XFRM_MODE_TRANSPORT');
    assert.equal(p[215], 32);
    const at = attrs(m, 224);
    const crypt = at.get(A.ALG_CRYPT)!;
    assert.equal(cstr(crypt), 'cbc(aes)');
    assert.equal(crypt.readUInt32LE(64), 256);
    assert.deepEqual(crypt.subarray(68), Buffer.alloc(32, 0xaa));
    const auth = at.get(A.ALG_AUTH_TRUNC)!;
    assert.equal(cstr(auth), 'hmac(sha256)');
    assert.deepEqual([auth.readUInt32LE(64), auth.readUInt32LE(68)], [256, 128]);
    assert.deepEqual(auth.subarray(72), Buffer.alloc(32, 0xbb));
    assert.equal(at.has(A.REPLAY_ESN_VAL), false);
  });
  it('ALLOCSPI, DELSA and GETSA bodies', () => {
    const a = build!('allocspi', { protocol: 'esp', src: '10.0.0.1', dst: '10.0.0.2', reqid: 3, min: 0x100, max: 0x200 }, 5);
    assert.equal(a.readUInt16LE(4), X.ALLOCSPI);
    assert.equal(a.length, 16 + 224 + 8);
    assert.equal(a.readUInt32LE(16 + 224), 0x100);
    assert.equal(a.readUInt32LE(16 + 228), 0x200);
    const d = build!('delsa', { protocol: 'ah', dst: '10.0.0.2', spi: 0x01020304 }, 6);
    assert.equal(d.readUInt16LE(4), X.DELSA);
    assert.equal(d.subarray(16).toString('hex'), '0a000002' + '00'.repeat(12) + '01020304' + '0200' + '33' + '00');
    assert.equal(build!('getsa', { protocol: 'esp', dst: '10.0.0.2', spi: 1 }, 7).readUInt16LE(4), X.GETSA);
  });
  it('NEWPOLICY with template (reqid, tunnel endpoints), DELPOLICY by selector and direction', () => {
    const f = { dir: 'fwd', src: '10.1.0.0/16', dst: '10.2.0.0/24', proto: 17, dport: 53, tunnelSrc: '192.0.2.2', tunnelDst: '192.0.2.1', protocol: 'esp', mode: 'tunnel', reqid: 9, priority: 1234 };
    const m = build!('newpolicy', f, 8);
    assert.equal(m.readUInt16LE(4), X.NEWPOLICY);
    const p = m.subarray(16, 16 + 168);
    assert.deepEqual([...p.subarray(0, 4)], [10, 2, 0, 0], 'sel.daddr');
    assert.deepEqual([...p.subarray(16, 20)], [10, 1, 0, 0], 'sel.saddr');
    assert.equal(p.readUInt16BE(32), 53, 'sel.dport');
    assert.equal(p.readUInt16LE(34), 0xffff, 'sel.dport_mask');
    assert.deepEqual([p.readUInt16LE(40), p[42], p[43], p[44]], [2, 24, 16, 17]);
    assert.equal(p.readUInt32LE(152), 1234, 'priority');
    assert.equal(p[160], 2, 'dir XFRM_POLICY_FWD');
    assert.equal(p[161], 0, 'action ALLOW');
    const t = attrs(m, 168).get(A.TMPL)!;
    assert.equal(t.length, 64);
    assert.deepEqual([...t.subarray(0, 4)], [192, 0, 2, 1], 'tmpl id.daddr');
    assert.equal(t[20], 50);
    assert.equal(t.readUInt16LE(24), 2);
    assert.deepEqual([...t.subarray(28, 32)], [192, 0, 2, 2], 'tmpl saddr');
    assert.equal(t.readUInt32LE(44), 9, 'reqid');
    assert.equal(t[48], 1, 'tunnel');
    assert.deepEqual([t.readUInt32LE(52), t.readUInt32LE(56), t.readUInt32LE(60)], [0xffffffff, 0xffffffff, 0xffffffff]);
    const d = build!('delpolicy', f, 9);
    assert.equal(d.readUInt16LE(4), X.DELPOLICY);
    assert.equal(d.length, 16 + 64);
    assert.equal(d[16 + 60], 2);
  });
  it('invalid specs are refused with clear errors', () => {
    assert.throws(() => build!('newsa', { protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '2001:db8::1', spi: 1 }, 0), /same address family/);
    assert.throws(() => build!('newsa', { protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.300', spi: 1 }, 0), /property 'dst': invalid IP address or prefix '192.0.2.300'/);
    assert.throws(() => build!('newsa', { protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 1 }, 0), /needs a cipher or an AEAD/);
    assert.throws(() => build!('newsa', { protocol: 'gre', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 1 }, 0), /'esp' or 'ah', not 'gre'/);
    assert.throws(() => build!('newpolicy', { dir: 'up', src: '1.0.0.0/8', dst: '2.0.0.0/8' }, 0), /'in', 'out' or 'fwd', not 'up'/);
    assert.throws(() => build!('newsa', { protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2' }, 0), /missing required property 'spi'/);
  });
});
