/** traffic-selectors.ts: ranges, intersection, narrowing, subsets, prefixes and log text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  networkRange,
  tsFromNetwork,
  tsAny,
  tsIntersect,
  tsNarrow,
  tsSubset,
  tsEqual,
  rangePrefix,
  tsText,
} from '../../src/ikev2/policy/traffic-selectors';
import { addressBytes } from '../../src/wire/endpoint';
import { TS } from '../../src/wire/iana';
import type { TrafficSelector } from '../../src/ikev2/payloads/payload-types';

function net(cidr: string, proto = 0, port?: number): TrafficSelector {
  const [a, len] = cidr.split('/');
  const addr = addressBytes(a);
  return tsFromNetwork({ family: addr.length === 4 ? 4 : 6, addr, prefixLen: Number(len) }, proto, port);
}

function range(start: string, end: string, proto = 0, sp = 0, ep = 65535): TrafficSelector {
  const s = addressBytes(start);
  return { tsType: s.length === 4 ? TS.IPV4_ADDR_RANGE : TS.IPV6_ADDR_RANGE, ipProtocol: proto, startPort: sp, endPort: ep, startAddr: s, endAddr: addressBytes(end) };
}

test('networkRange masks host bits and fills the range', () => {
  const r = networkRange({ family: 4, addr: addressBytes('10.1.2.3'), prefixLen: 27 });
  assert.deepEqual([...r.start], [10, 1, 2, 0]);
  assert.deepEqual([...r.end], [10, 1, 2, 31]);
  const all = networkRange({ family: 4, addr: addressBytes('10.1.2.3'), prefixLen: 0 });
  assert.deepEqual([...all.start], [0, 0, 0, 0]);
  assert.deepEqual([...all.end], [255, 255, 255, 255]);
  const host = networkRange({ family: 4, addr: addressBytes('10.1.2.3'), prefixLen: 32 });
  assert.deepEqual([...host.start], [10, 1, 2, 3]);
  assert.deepEqual([...host.end], [10, 1, 2, 3]);
  const v6 = networkRange({ family: 6, addr: addressBytes('2001:db8:1:2:3::1'), prefixLen: 60 });
  assert.deepEqual(v6.start, addressBytes('2001:db8:1::'));
  assert.deepEqual(v6.end, addressBytes('2001:db8:1:f:ffff:ffff:ffff:ffff'));
});

test('tsFromNetwork and tsAny: types, ports, protocol', () => {
  const t = net('10.0.0.0/8', 6, 443);
  assert.equal(t.tsType, TS.IPV4_ADDR_RANGE);
  assert.equal(t.ipProtocol, 6);
  assert.equal(t.startPort, 443);
  assert.equal(t.endPort, 443);
  const any6 = tsAny(6);
  assert.equal(any6.tsType, TS.IPV6_ADDR_RANGE);
  assert.equal(any6.startAddr.length, 16);
  assert.equal(any6.startPort, 0);
  assert.equal(any6.endPort, 65535);
  assert.equal(tsText(any6), '::/0');
});

test('tsIntersect: addresses, ports, protocols and families', () => {
  const i = tsIntersect(range('10.0.0.0', '10.0.0.200'), range('10.0.0.100', '10.0.1.0'))!;
  assert.deepEqual([i.startAddr, i.endAddr], [addressBytes('10.0.0.100'), addressBytes('10.0.0.200')]);
  assert.equal(tsIntersect(range('10.0.0.0', '10.0.0.9'), range('10.0.0.10', '10.0.0.20')), null, 'disjoint');
  const touching = tsIntersect(range('10.0.0.0', '10.0.0.10'), range('10.0.0.10', '10.0.0.20'))!;
  assert.ok(touching.startAddr.equals(touching.endAddr), 'a single shared address');
  assert.equal(tsIntersect(net('10.0.0.0/8', 6), net('10.0.0.0/8', 0))!.ipProtocol, 6, 'any protocol narrows to TCP');
  assert.equal(tsIntersect(net('10.0.0.0/8', 0), net('10.0.0.0/8', 17))!.ipProtocol, 17);
  assert.equal(tsIntersect(net('10.0.0.0/8', 6), net('10.0.0.0/8', 17)), null, 'TCP and UDP');
  const ports = tsIntersect(range('10.0.0.0', '10.0.0.1', 6, 1000, 2000), range('10.0.0.0', '10.0.0.1', 6, 1500, 3000))!;
  assert.deepEqual([ports.startPort, ports.endPort], [1500, 2000]);
  assert.equal(tsIntersect(range('10.0.0.0', '10.0.0.1', 6, 1, 10), range('10.0.0.0', '10.0.0.1', 6, 11, 20)), null, 'disjoint ports');
  assert.equal(tsIntersect(tsAny(4), tsAny(6)), null, 'IPv4 and IPv6');
});

test('tsNarrow: what the peer proposed, cut down to what we allow', () => {
  const proposed = [net('10.0.0.0/8'), net('192.168.0.0/16')];
  const allowed = [net('10.1.0.0/16'), net('10.2.0.0/16'), net('172.16.0.0/12')];
  assert.deepEqual(tsNarrow(proposed, allowed).map(tsText), ['10.1.0.0/16', '10.2.0.0/16']);
  assert.deepEqual(tsNarrow([net('172.16.5.0/24')], allowed).map(tsText), ['172.16.5.0/24'], 'already narrow enough');
  assert.deepEqual(tsNarrow([net('8.8.8.0/24')], allowed), [], 'nothing acceptable');
  assert.deepEqual(tsNarrow([net('10.1.0.0/16'), net('10.1.0.0/16')], allowed).map(tsText), ['10.1.0.0/16'], 'no duplicates');
  assert.deepEqual(tsNarrow([], allowed), []);
});

test('tsSubset: every inner selector inside one outer selector', () => {
  assert.equal(tsSubset([net('10.1.2.0/24')], [net('10.1.0.0/16')]), true);
  assert.equal(tsSubset([net('10.1.0.0/16')], [net('10.1.2.0/24')]), false, 'wider');
  assert.equal(tsSubset([net('10.1.2.0/24', 6)], [net('10.1.0.0/16')]), true, 'TCP inside any protocol');
  assert.equal(tsSubset([net('10.1.2.0/24')], [net('10.1.0.0/16', 6)]), false, 'any protocol is not inside TCP');
  assert.equal(tsSubset([net('10.1.2.0/24', 6, 80)], [net('10.1.0.0/16', 6)]), true, 'a port inside all ports');
  assert.equal(tsSubset([net('10.1.2.0/24'), net('10.9.0.0/24')], [net('10.1.0.0/16')]), false, 'one of two outside');
  assert.equal(tsSubset([], [net('10.1.0.0/16')]), true);
});

test('tsEqual compares every field', () => {
  assert.equal(tsEqual(net('10.0.0.0/8'), net('10.0.0.0/8')), true);
  assert.equal(tsEqual(net('10.0.0.0/8'), net('10.0.0.0/8', 6)), false);
  assert.equal(tsEqual(net('10.0.0.0/8'), net('10.0.0.0/9')), false);
  assert.equal(tsEqual(net('10.0.0.0/8', 6, 1), net('10.0.0.0/8', 6, 2)), false);
});

test('rangePrefix: exactly one CIDR block or -1', () => {
  const rp = (a: string, b: string): number => rangePrefix(addressBytes(a), addressBytes(b));
  assert.equal(rp('10.0.0.0', '10.0.0.255'), 24);
  assert.equal(rp('10.0.0.0', '10.0.1.255'), 23);
  assert.equal(rp('10.0.0.0', '10.255.255.255'), 8);
  assert.equal(rp('0.0.0.0', '255.255.255.255'), 0);
  assert.equal(rp('10.0.0.7', '10.0.0.7'), 32);
  assert.equal(rp('10.0.0.0', '10.0.0.254'), -1, 'end not all ones');
  assert.equal(rp('10.0.0.1', '10.0.0.255'), -1, 'start not aligned');
  assert.equal(rp('10.0.0.0', '10.0.2.255'), -1, 'three /24s');
  assert.equal(rp('10.0.0.128', '10.0.1.127'), -1, 'crosses a boundary');
  assert.equal(rp('2001:db8::', '2001:db8::ffff:ffff:ffff:ffff'), 64);
  assert.equal(rp('2001:db8::1', '2001:db8::1'), 128);
  assert.equal(rp('2001:db8::', '2001:db8::fffe'), -1);
});

test('tsText: prefixes, ranges, protocols and ports', () => {
  assert.equal(tsText(net('10.1.0.0/24')), '10.1.0.0/24');
  assert.equal(tsText(range('10.0.0.5', '10.0.0.9')), '10.0.0.5-10.0.0.9');
  assert.equal(tsText(net('10.1.0.0/24', 17)), '10.1.0.0/24[17]');
  assert.equal(tsText(net('10.1.0.0/24', 6, 443)), '10.1.0.0/24[6/443]');
  assert.equal(tsText(range('10.1.0.0', '10.1.0.255', 6, 1000, 2000)), '10.1.0.0/24[6/1000-2000]');
  assert.equal(tsText(range('10.1.0.0', '10.1.0.255', 0, 53, 53)), '10.1.0.0/24[0/53]');
  assert.equal(tsText(net('2001:db8::/32')), '2001:db8::/32');
});
