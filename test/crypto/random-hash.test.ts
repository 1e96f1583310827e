import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonce, randomSpi } from '../../src/crypto/random';
import { sha1, sha256 } from '../../src/crypto/hash';

const h = (s: string): Buffer => Buffer.from(s, 'hex');

test('randomSpi returns n non-zero, distinct bytes strings', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s8 = randomSpi(8);
    const s4 = randomSpi(4);
    assert.equal(s8.length, 8);
    assert.equal(s4.length, 4);
    assert.ok(s8.some((b) => b !== 0) && s4.some((b) => b !== 0));
    seen.add(s8.toString('hex'));
  }
  assert.equal(seen.size, 200);
});

test('nonce length defaults to 32 and is bounded to 16..256 (RFC 7296 2.10)', () => {
  assert.equal(nonce().length, 32);
  assert.equal(nonce(16).length, 16);
  assert.equal(nonce(256).length, 256);
  assert.notDeepEqual(nonce(), nonce());
  assert.throws(() => nonce(15), RangeError);
  assert.throws(() => nonce(257), RangeError);
});

test('sha1/sha256 over parts equal the FIPS 180 "abc" digests', () => {
  assert.deepEqual(sha1(Buffer.from('a'), Buffer.from('bc')), h('a9993e364706816aba3e25717850c26c9cd0d89d'));
  assert.deepEqual(sha256(Buffer.from('ab'), Buffer.from('c')), h('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'));
  assert.deepEqual(sha1(), h('da39a3ee5e6b4b0d3255bfef95601890afd80709'));
});
