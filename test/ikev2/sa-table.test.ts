/** SaTable: lookups by SPI, by IKE_SA_INIT (address, SPIi) and by peer identity, any byte value in SPIs and identities. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaTable } from '../../src/ikev2/sa/sa-table';
import { IkeSa } from '../../src/ikev2/sa/ike-sa';
import type { Policy } from '../../src/ikev2/policy/policy';

const policy = {} as Policy;

test('SaTable: IKE_SA_INIT lookup, half-open count by address and peer identity with bytes >= 0x80 and "|"', () => {
  const t = new SaTable();
  const remote = { address: '2001:db8::7', port: 500 };
  const spiI = Buffer.from('7cff00e97c80017c', 'hex'); // '|', 0xff, 0x00, 0xe9 ...
  const sa = new IkeSa(false, spiI, policy, { address: '2001:db8::1', port: 500 }, remote);
  sa.spiR = Buffer.from('0102030405060708', 'hex');
  t.add(sa);
  assert.equal(t.halfOpenFrom('2001:db8::7'), 1);
  assert.equal(t.findByInit(remote, Buffer.from(spiI)), sa);
  assert.equal(t.findByInit(remote, Buffer.from('7cff00e97c80017d', 'hex')), undefined);
  assert.equal(t.findByInit({ address: '2001:db8::8', port: 500 }, spiI), undefined);
  sa.remoteId = { type: 2, data: Buffer.from([0xc3, 0xa9, 0x7c, 0x80]) };
  sa.state = 'ESTABLISHED';
  t.markOpened(sa);
  assert.equal(t.halfOpenFrom('2001:db8::7'), 0, 'counted off by the address it came from');
  assert.deepEqual(t.withPeerIdentity({ type: 2, data: Buffer.from([0xc3, 0xa9, 0x7c, 0x80]) }), [sa]);
  assert.deepEqual(t.withPeerIdentity({ type: 2, data: Buffer.from('é|\u0080', 'utf8') }), [], 'bytes, not text');
  t.remove(sa);
  assert.equal(t.findByInit(remote, spiI), undefined);
  assert.deepEqual(t.withPeerIdentity(sa.remoteId), []);
  assert.equal(t.size, 0);
});

test('SaTable: lookup by SPI tells apart SPIs that share a low word or a high word', () => {
  const t = new SaTable();
  const mk = (spiR: string): IkeSa => {
    const sa = new IkeSa(false, Buffer.from('0000000000000001', 'hex'), policy, { address: '192.0.2.1', port: 500 }, { address: '192.0.2.2', port: 500 });
    sa.spiR = Buffer.from(spiR, 'hex');
    return sa;
  };
  const a = mk('80000000deadbeef');
  const b = mk('00000001deadbeef');
  t.add(a);
  t.add(b);
  assert.equal(t.get(Buffer.from('80000000deadbeef', 'hex')), a);
  assert.equal(t.get(Buffer.from('00000001deadbeef', 'hex')), b);
  assert.equal(t.get(Buffer.from('80000001deadbeef', 'hex')), undefined);
  assert.equal(t.get(Buffer.from('80000000deadbeee', 'hex')), undefined);
  t.remove(a);
  assert.equal(t.get(Buffer.from('80000000deadbeef', 'hex')), undefined);
  assert.equal(t.get(Buffer.from('00000001deadbeef', 'hex')), b);
  assert.equal(t.size, 1);
  assert.deepEqual(t.all(), [b]);
});
