import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReqidTable } from '../../src/ikev2/sa/reqid-table';
import { TS } from '../../src/wire/iana';
import type { TrafficSelector } from '../../src/ikev2/payloads/payload-types';

const net = (a: number[], b: number[]): TrafficSelector => ({
  tsType: TS.IPV4_ADDR_RANGE, ipProtocol: 0, startPort: 0, endPort: 65535, startAddr: Buffer.from(a), endAddr: Buffer.from(b),
});
const L = [net([10, 1, 0, 0], [10, 1, 0, 255])];
const R = [net([10, 2, 0, 0], [10, 2, 0, 255])];
const R2 = [net([10, 3, 0, 0], [10, 3, 0, 255])];

test('identical selectors share a reqid; others get their own; the entry goes with the last reference', () => {
  let n = 0;
  const t = new ReqidTable(() => ++n);
  const a = t.acquire({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: R });
  const b = t.acquire({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: [net([10, 2, 0, 0], [10, 2, 0, 255])] });
  const c = t.acquire({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: R2 });
  const d = t.acquire({ protocol: 'esp', mode: 'transport', tsLocal: L, tsRemote: R });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.notEqual(a, d);
  t.retain(a); // a rekey's successor
  assert.equal(t.references(a), 3);
  t.release(a);
  t.release(a);
  assert.equal(t.references(a), 1);
  t.release(a);
  assert.equal(t.references(a), 0);
  const again = t.acquire({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: R });
  assert.notEqual(again, a, 'a fresh reqid once the last holder went');
  t.release(999); // unknown: ignored
  t.retain(999);
  assert.equal(t.references(999), 0);
});

test('a reqid still in use is never handed out again when the counter wraps', () => {
  const seq = [1, 1, 1, 2];
  const t = new ReqidTable(() => seq.shift()!);
  assert.equal(t.acquire({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: R }), 1);
  assert.equal(t.acquire({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: R2 }), 2);
});

test('many selector sets: each its own reqid (reqids above 2^31 too), found again by selectors and by reqid, all released', () => {
  let n = 0x7ffffff0;
  const t = new ReqidTable(() => ++n);
  const sets = Array.from({ length: 3000 }, (_, i) => ({ protocol: 'esp', mode: 'tunnel', tsLocal: L, tsRemote: [net([10, 64, i >> 8, i & 255], [10, 64, i >> 8, i & 255])] }));
  const got = sets.map((s) => t.acquire(s));
  assert.equal(new Set(got).size, sets.length);
  assert.ok(got.some((r) => r > 0x80000000));
  assert.equal(t.size, sets.length);
  sets.forEach((s, i) => assert.equal(t.acquire(s), got[i]));
  for (const r of got) assert.equal(t.references(r), 2);
  for (const r of got) {
    t.release(r);
    t.release(r);
  }
  assert.equal(t.size, 0);
  for (const r of got) assert.equal(t.references(r), 0);
});
