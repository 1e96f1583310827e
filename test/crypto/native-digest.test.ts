import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hash, randomBytes } from 'node:crypto';
import { digestOf } from '../../src/crypto/native-digest';
import { loadCryptoAddon } from '../../src/crypto/native-crypto';
import { natDetectionHash } from '../../src/ikev2/exchange/nat-detection';
import { nativeSkip, testBothPaths } from './crypto-paths';

testBothPaths('digestOf is the digest of the four parts concatenated (empty parts too)', () => {
  for (const [name, len] of [['sha1', 20], ['sha256', 32]] as const) {
    for (const sizes of [[8, 8, 4, 2], [8, 8, 16, 2], [0, 0, 0, 0], [65, 0, 1, 130]]) {
      const parts = sizes.map((n) => randomBytes(n));
      const got = digestOf(name, len, parts[0], parts[1], parts[2], parts[3]);
      assert.deepEqual(got, hash(name, Buffer.concat(parts), 'buffer'));
    }
  }
});

testBothPaths('a NAT detection hash is SHA1(SPIi | SPIr | IP | port) (RFC 7296 2.23)', () => {
  const spiI = Buffer.from('0102030405060708', 'hex');
  const spiR = Buffer.alloc(8);
  const v4 = Buffer.concat([spiI, spiR, Buffer.from([192, 0, 2, 7]), Buffer.from([0x11, 0x94])]);
  assert.deepEqual(natDetectionHash(spiI, spiR, { address: '192.0.2.7', port: 4500 }), hash('sha1', v4, 'buffer'));
  const v6addr = Buffer.from('20010db8000000000000000000000001', 'hex');
  const v6 = Buffer.concat([spiR, spiI, v6addr, Buffer.from([0x01, 0xf4])]);
  assert.deepEqual(natDetectionHash(spiR, spiI, { address: '2001:db8::1', port: 500 }), hash('sha1', v6, 'buffer'));
});

test('the addon refuses an output buffer of the wrong length and an unknown digest', { skip: nativeSkip() }, () => {
  const addon = loadCryptoAddon();
  assert.ok(addon);
  const di = addon.digestIndex('sha1');
  assert.ok(di >= 0);
  assert.equal(addon.digestIndex('no-such-digest'), -1);
  const e = Buffer.alloc(0);
  assert.notEqual(addon.digest(di, e, null, null, null, Buffer.alloc(19)), 0);
  const out = Buffer.alloc(20);
  assert.equal(addon.digest(di, Buffer.from('abc'), null, null, null, out), 0);
  assert.equal(out.toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
});
