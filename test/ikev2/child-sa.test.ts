/** ChildSa keeps its SPIs, times, state and flags packed; they read back as they were set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildSa, ChildSaInit } from '../../src/ikev2/sa/child-sa';
import { packTime, unpackTime } from '../../src/ikev2/sa/sa-time';
import type { Chosen } from '../../src/ikev2/policy/proposals';

const chosen = { protocol: 3, proposalNum: 1, spi: Buffer.alloc(4), encr: { id: 20, keyBits: 128 } } as unknown as Chosen;

function init(over: Partial<ChildSaInit> = {}): ChildSaInit {
  return { reqid: 7, protocol: 'esp', mode: 'tunnel', spiIn: 0xc0ffee01, spiOut: 0x12345678, chosen, tsLocal: [], tsRemote: [], encap: false, state: 'LARVAL', established: 1_765_000_000_123, ...over };
}

test('SA times: unix ms read back exactly, 0 stays 0, recent times are small integers', () => {
  const now = Date.now();
  for (const ms of [0, 1, 1000, now, now + 3_600_000, now - 86_400_000, 1_765_000_000_123, 2 ** 52, -5]) assert.equal(unpackTime(packTime(ms)), ms, String(ms));
  assert.equal(packTime(0), 0);
  const rel = packTime(now + 1000);
  assert.ok(Number.isInteger(rel) && rel > 0 && rel < 2 ** 31, 'a time after the start is a small integer');
  // the one unix time whose offset is 0 (just before the module loaded) is not read as "never"
  const epoch = now - rel + 1000;
  for (const ms of [epoch - 1, epoch, epoch + 1]) assert.equal(unpackTime(packTime(ms)), ms);
});

test('ChildSa: SPIs above 2^31, state, protocol, mode, flags and times read back', () => {
  const c = new ChildSa(init({ protocol: 'ah', mode: 'transport', encap: true, spiOut: 0xffffffff, rekeyOf: 0x80000000 }));
  assert.equal(c.spiIn, 0xc0ffee01);
  assert.equal(c.spiOut, 0xffffffff);
  assert.equal(c.rekeyOf, 0x80000000);
  assert.equal(c.protocol, 'ah');
  assert.equal(c.mode, 'transport');
  assert.equal(c.encap, true);
  assert.equal(c.state, 'LARVAL');
  assert.equal(c.established, 1_765_000_000_123);
  assert.equal(c.rekeyAt, 0);
  assert.equal(c.expireAt, 0);
  assert.equal(c.flowsHeld, false);
  assert.equal(c.peerCreated, false);
  assert.equal(c.placed, undefined);
  assert.equal(c.keys, null);
  for (const s of ['INSTALLED', 'REKEYING', 'REKEYED', 'DELETING', 'LARVAL'] as const) {
    c.state = s;
    assert.equal(c.state, s);
    assert.equal(c.protocol, 'ah', 'the state leaves the other bits alone');
  }
  c.flowsHeld = true;
  c.peerCreated = true;
  c.encap = false;
  assert.deepEqual([c.flowsHeld, c.peerCreated, c.encap, c.mode], [true, true, false, 'transport']);
  c.flowsHeld = false;
  assert.deepEqual([c.flowsHeld, c.peerCreated], [false, true]);
  const t = Date.now();
  c.rekeyAt = t + 5000;
  c.expireAt = t + 9000;
  assert.deepEqual([c.rekeyAt, c.expireAt], [t + 5000, t + 9000]);
  const local = { address: '192.0.2.1', port: 500 };
  const remote = { address: '192.0.2.2', port: 4500 };
  c.placed = { local, remote };
  assert.equal(c.placed!.local, local);
  assert.equal(c.placed!.remote, remote);
  c.placed = undefined;
  assert.equal(c.placed, undefined);
});

test('ChildSa: no rekeyOf unless given (0 is an SPI like any other)', () => {
  assert.equal(new ChildSa(init()).rekeyOf, undefined);
  assert.equal(new ChildSa(init({ rekeyOf: 0 })).rekeyOf, 0);
  const c = new ChildSa(init({ spiIn: 0, spiOut: 1 }));
  assert.deepEqual([c.spiIn, c.spiOut, c.protocol, c.mode, c.encap], [0, 1, 'esp', 'tunnel', false]);
});
