import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, ipBytes, formatIp } from '../../src/wire/ip-address';

test('IPv4 and IPv6 round trips (RFC 5952 text)', () => {
  const cases: [string, string][] = [
    ['192.0.2.1', 'c0000201'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'],
    ['fe80::1:0:0:1', 'fe800000000000000001000000000001'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
  ];
  for (const [text, hex] of cases) {
    assert.equal(parseIp(text)?.toString('hex'), hex, text);
    assert.equal(formatIp(Buffer.from(hex, 'hex')), text, hex);
  }
  // non-canonical input parses to the same bytes
  assert.equal(parseIp('2001:DB8:0:0:0:0:0:1')?.toString('hex'), '20010db8000000000000000000000001');
  assert.equal(parseIp('::192.0.2.1')?.toString('hex'), '000000000000000000000000c0000201');
  // RFC 5952 4.2.2: a single zero group is not compressed
  assert.equal(formatIp(Buffer.from('20010db8000000010001000100010001', 'hex')), '2001:db8:0:1:1:1:1:1');
});

test('not an address: null, or a clear error', () => {
  for (const bad of ['', '1.2.3', '256.1.1.1', 'fe80::1%eth0', 'host.example', '1::2::3']) assert.equal(parseIp(bad), null, bad);
  assert.throws(() => ipBytes('nope'), /"nope" is not an IP address/);
  assert.throws(() => formatIp(Buffer.alloc(5)), /4 or 16 bytes/);
});
