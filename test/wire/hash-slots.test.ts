/** The open-addressing multimap: insert, delete, tombstones, growth, shared hashes, against a Map model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HashSlots } from '../../src/wire/hash-slots';
import { hashBytes, hashSpi64, hashString, hashInt32, sameSpi64, spiLow32 } from '../../src/wire/hash32';

interface Item {
  key: Buffer;
  n: number;
}
const itemOf = (key: Buffer, n = 0): Item => ({ key, n });
const spiOf = (hi: number, lo: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(hi >>> 0, 0);
  b.writeUInt32BE(lo >>> 0, 4);
  return b;
};

test('64-bit SPI keys, bytes >= 0x80 included: found by hash and key, absent keys not found', () => {
  const t = new HashSlots<Item>();
  const keys = [spiOf(0xffffffff, 0xffffffff), spiOf(0x80000000, 1), spiOf(1, 0x80000000), spiOf(0, 0), spiOf(0xdeadbeef, 0xcafebabe)];
  for (const k of keys) t.add(hashSpi64(k), itemOf(k));
  assert.equal(t.size, keys.length);
  for (const k of keys) assert.equal(t.find(hashSpi64(k), (v) => sameSpi64(v.key, k))?.key, k);
  const absent = spiOf(0xdeadbeef, 0xcafebabf);
  assert.equal(t.find(hashSpi64(absent), (v) => sameSpi64(v.key, absent)), undefined);
});

test('grows past its load limit and keeps every entry; deletions leave tombstones that probing passes', () => {
  const t = new HashSlots<Item>();
  assert.equal(t.capacity, 8);
  const items = Array.from({ length: 1000 }, (_, i) => itemOf(spiOf(i * 0x9e3779b1, i), i));
  for (const it of items) t.add(hashSpi64(it.key), it);
  assert.equal(t.size, 1000);
  assert.ok(t.capacity >= 1000 / 0.75 && t.capacity <= 4096, `capacity ${t.capacity}`);
  // delete every other one: the rest must still be found past the tombstones
  for (const it of items) if (it.n % 2) assert.equal(t.delete(hashSpi64(it.key), it), true);
  assert.equal(t.size, 500);
  for (const it of items) {
    const found = t.find(hashSpi64(it.key), (v) => v === it);
    assert.equal(found, it.n % 2 ? undefined : it);
  }
  assert.equal(t.delete(hashSpi64(items[1].key), items[1]), false, 'deleted twice');
  assert.equal([...t.values()].length, 500);
});

test('tombstones are reclaimed: churn at a constant size does not grow the table', () => {
  const t = new HashSlots<Item>();
  const live: Item[] = [];
  for (let i = 0; i < 100; i++) {
    const it = itemOf(spiOf(i, i));
    live.push(it);
    t.add(hashSpi64(it.key), it);
  }
  const cap = t.capacity;
  for (let i = 100; i < 100_000; i++) {
    const old = live.shift()!;
    assert.equal(t.delete(hashSpi64(old.key), old), true);
    const it = itemOf(spiOf(i, ~i));
    live.push(it);
    t.add(hashSpi64(it.key), it);
  }
  assert.equal(t.size, 100);
  assert.equal(t.capacity, cap);
  for (const it of live) assert.equal(t.find(hashSpi64(it.key), (v) => v === it), it);
});

test('shrinks when most entries are gone', () => {
  const t = new HashSlots<Item>();
  const items = Array.from({ length: 4096 }, (_, i) => itemOf(spiOf(i, 7), i));
  for (const it of items) t.add(hashSpi64(it.key), it);
  const big = t.capacity;
  for (const it of items.slice(10)) t.delete(hashSpi64(it.key), it);
  for (let i = 0; i < big; i++) {
    const it = itemOf(spiOf(~i, 9));
    t.add(hashSpi64(it.key), it);
    t.delete(hashSpi64(it.key), it);
  }
  assert.ok(t.capacity < big / 8, `capacity ${t.capacity} of ${big}`);
  for (const it of items.slice(0, 10)) assert.equal(t.find(hashSpi64(it.key), (v) => v === it), it);
});

test('one hash for several values (a multimap): findAll, put replaces only the matching one', () => {
  const t = new HashSlots<Item>();
  const h = 42;
  const a = itemOf(Buffer.from('a'), 1);
  const b = itemOf(Buffer.from('b'), 2);
  const b2 = itemOf(Buffer.from('b'), 3);
  t.add(h, a);
  t.add(h, b);
  assert.deepEqual(t.findAll(h, () => true).map((v) => v.n).sort(), [1, 2]);
  t.put(h, b2, (v) => v.key.equals(b2.key));
  assert.equal(t.size, 2);
  assert.deepEqual(t.findAll(h, () => true).map((v) => v.n).sort(), [1, 3]);
  assert.equal(t.replace(h, a, b), true);
  assert.deepEqual(t.findAll(h, () => true).map((v) => v.n).sort(), [2, 3]);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.find(h, () => true), undefined);
});

test('hashes: seeded, spread, and equal inputs hash equally', () => {
  assert.equal(hashString('10.0.0.1'), hashString('10.0.0.1'));
  assert.notEqual(hashString('10.0.0.1'), hashString('10.0.0.2'));
  assert.equal(hashBytes(Buffer.from([0x80, 0xff])), hashBytes(Buffer.from([0x80, 0xff])));
  assert.notEqual(hashBytes(Buffer.from([0x80, 0xff])), hashBytes(Buffer.from([0xff, 0x80])));
  // sequential integers (reqids, SPIs) spread over the low bits the table uses
  const low = new Set<number>();
  for (let i = 0; i < 1024; i++) low.add(hashInt32(i) & 1023);
  assert.ok(low.size > 550, `${low.size} of 1024 buckets`);
});

test('property: any sequence of adds, puts and deletes agrees with a Map model', () => {
  type Op = { op: 'add' | 'put' | 'del'; k: number };
  fc.assert(
    fc.property(fc.array(fc.record({ op: fc.constantFrom<Op['op']>('add', 'put', 'del'), k: fc.integer({ min: 0, max: 40 }) }), { maxLength: 400 }), (ops) => {
      const t = new HashSlots<Item>();
      const model = new Map<number, Item[]>(); // key -> its items, oldest first
      // a small key space and a hash that collides often (k % 5): probing and tombstones get exercised
      const hashOf = (k: number): number => hashInt32(k % 5);
      let n = 0;
      for (const { op, k } of ops) {
        const key = spiOf(k, k * 3);
        const list = model.get(k) ?? [];
        if (op === 'add') {
          const it = itemOf(key, n++);
          t.add(hashOf(k), it);
          model.set(k, [...list, it]);
        } else if (op === 'put') {
          const it = itemOf(key, n++);
          const old = t.find(hashOf(k), (v) => sameSpi64(v.key, key));
          t.put(hashOf(k), it, (v) => sameSpi64(v.key, key));
          model.set(k, old ? list.map((x) => (x === old ? it : x)) : [...list, it]);
        } else if (list.length) {
          const victim = list[0];
          assert.equal(t.delete(hashOf(k), victim), true);
          model.set(k, list.slice(1));
        } else assert.equal(t.delete(hashOf(k), itemOf(key)), false);
      }
      let total = 0;
      for (const [k, list] of model) {
        total += list.length;
        const key = spiOf(k, k * 3);
        const got = t.findAll(hashOf(k), (v) => sameSpi64(v.key, key));
        assert.deepEqual(got.map((v) => v.n).sort((a, b) => a - b), list.map((v) => v.n).sort((a, b) => a - b));
      }
      assert.equal(t.size, total);
      assert.equal([...t.values()].length, total);
    }),
    { numRuns: 300 },
  );
});

test('hashSpi64 with the low word determines the SPI: SPIs with one low word never share a hash', () => {
  const seen = new Map<number, number>();
  const low = 0x80ff0001;
  for (let hi = 0; hi < 200_000; hi++) {
    const spi = spiOf(hi * 0x10001 + 0xff000000, low);
    assert.equal(spiLow32(spi), low | 0);
    const h = hashSpi64(spi);
    assert.equal(seen.get(h), undefined, `SPIs ${hi} and ${seen.get(h)} share hash ${h}`);
    seen.set(h, hi);
  }
});
