import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPool, AddressPools } from '../../src/ikev2/policy/address-pool';
import { answerConfig, configRequest, parseReply, attrValue } from '../../src/ikev2/exchange/config-payload';
import { expandTag, domainOf } from '../../src/ikev2/sa/sa-tag';
import { CFG, CFG_ATTR } from '../../src/wire/iana';

const net = (a: string, len: number) => ({ family: 4 as const, addr: Buffer.from(a.split('.').map(Number)), prefixLen: len });

test('pool: lowest first, skips network and broadcast, one lease per owner', () => {
  const p = new AddressPool(net('10.2.100.0', 24));
  assert.equal(p.size, 254n);
  assert.equal(p.lease('sa1')!.text, '10.2.100.1');
  assert.equal(p.lease('sa2')!.text, '10.2.100.2');
  assert.equal(p.lease('sa1')!.text, '10.2.100.1', 'same owner, same lease');
  assert.equal(p.used, 2);
});

test('pool: exhaustion returns null, release makes room again (lowest reused)', () => {
  const p = new AddressPool(net('10.9.0.0', 30)); // .1 and .2
  assert.equal(p.size, 2n);
  assert.equal(p.lease('a')!.text, '10.9.0.1');
  assert.equal(p.lease('b')!.text, '10.9.0.2');
  assert.equal(p.lease('c'), null);
  assert.equal(p.used, 2);
  p.release('a');
  p.release('a'); // idempotent
  assert.equal(p.lease('c')!.text, '10.9.0.1');
  assert.equal(p.lease('d'), null);
});

test('pool: /32 and /31 pools use every address', () => {
  assert.equal(new AddressPool(net('10.0.0.7', 32)).lease('x')!.text, '10.0.0.7');
  const p = new AddressPool(net('10.0.0.6', 31));
  assert.equal(p.lease('x')!.text, '10.0.0.6');
  assert.equal(p.lease('y')!.text, '10.0.0.7');
});

test('pool: sticky addresses follow the identity, also while the old SA lives', () => {
  const p = new AddressPool(net('10.2.100.0', 24));
  const a1 = p.lease('sa1', 'alice')!;
  const b1 = p.lease('sa2', 'bob')!;
  assert.notEqual(a1.text, b1.text);
  // alice reconnects before sa1 is gone: same address
  assert.equal(p.lease('sa3', 'alice')!.text, a1.text);
  p.release('sa1');
  p.release('sa3');
  p.lease('sa4', 'carol'); // takes the lowest free... which is alice's old one
  const again = p.lease('sa5', 'alice')!;
  // carol now holds alice's old address, so alice gets another one
  assert.notEqual(again.text, b1.text);
  const q = new AddressPool(net('10.3.0.0', 24));
  q.lease('s1', 'alice');
  q.release('s1');
  q.lease('s2', 'zed');
  q.release('s2');
  assert.equal(q.lease('s3', 'alice')!.text, '10.3.0.1', 'free sticky address given back to its identity');
});

test('pools are per policy and network; releaseAll frees an owner everywhere', () => {
  const ps = new AddressPools();
  const p1 = ps.get('rw', net('10.2.100.0', 24));
  assert.equal(ps.get('rw', net('10.2.100.0', 24)), p1);
  const p2 = ps.get('other', net('10.2.100.0', 24));
  assert.notEqual(p1, p2);
  p1.lease('o');
  p2.lease('o');
  ps.releaseAll('o');
  assert.equal(p1.used + p2.used, 0);
});

test('CP attribute values and reply parsing', () => {
  const a = Buffer.from([10, 2, 0, 0]);
  assert.deepEqual(attrValue(CFG_ATTR.INTERNAL_IP4_SUBNET, a, 16), Buffer.from([10, 2, 0, 0, 255, 255, 0, 0]));
  assert.deepEqual(attrValue(CFG_ATTR.INTERNAL_IP4_NETMASK, Buffer.from([255, 255, 255, 0]), 32), Buffer.from([255, 255, 255, 0]));
  const v6 = Buffer.alloc(16);
  v6[0] = 0x20;
  assert.equal(attrValue(CFG_ATTR.INTERNAL_IP6_ADDRESS, v6, 64).length, 17);
  const r = parseReply([
    { type: CFG_ATTR.INTERNAL_IP4_ADDRESS, value: Buffer.from([10, 2, 100, 1]) },
    { type: CFG_ATTR.INTERNAL_IP4_DNS, value: Buffer.from([10, 2, 0, 53]) },
    { type: CFG_ATTR.INTERNAL_IP4_SUBNET, value: Buffer.from([10, 2, 0, 0, 255, 255, 255, 0]) },
    { type: CFG_ATTR.INTERNAL_IP4_DNS, value: Buffer.from([1, 2, 3]) }, // malformed: skipped
  ]);
  assert.deepEqual(r.addresses, [{ addr: '10.2.100.1', prefixLen: 32 }]);
  assert.deepEqual(r.dns, ['10.2.0.53']);
  assert.deepEqual(r.subnets, [{ addr: '10.2.0.0', prefixLen: 24 }]);
  const req = configRequest([{ option: 'address', type: CFG_ATTR.INTERNAL_IP4_ADDRESS, addr: { kind: 'any' } }]);
  assert.equal(req?.cfgType, CFG.REQUEST);
  assert.deepEqual(req?.attributes, [{ type: CFG_ATTR.INTERNAL_IP4_ADDRESS, value: Buffer.alloc(0) }]);
  assert.equal(configRequest([]), null);
  assert.equal(typeof answerConfig, 'function');
});

test('tag expansion', () => {
  assert.equal(expandTag('$name-$id', { name: 'rw', id: 'alice@example.org' }), 'rw-alice@example.org');
  assert.equal(expandTag('$eapid/$domain', { name: 'rw', id: '10.0.0.1', eapid: 'bob@corp.test' }), 'bob@corp.test/corp.test');
  assert.equal(domainOf('host.example.org'), 'example.org');
  assert.equal(expandTag('plain', { name: 'x', id: 'y' }), 'plain');
});
