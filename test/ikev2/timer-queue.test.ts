import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerQueue, type TimerEntry } from '../../src/ikev2/sa/timer-queue';
import { SaTimers } from '../../src/ikev2/sa/sa-timers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('timer queue: entries fire in due order, cancelled ones never', async () => {
  const q = new TimerQueue();
  const fired: string[] = [];
  q.add(60, () => fired.push('c'));
  q.add(20, () => fired.push('a'));
  const b = q.add(40, () => fired.push('b'));
  q.add(40, () => fired.push('b2'));
  const gone = q.add(30, () => fired.push('never'));
  q.cancel(gone);
  q.cancel(gone); // twice is harmless
  assert.equal(q.size, 4);
  await sleep(150);
  assert.deepEqual(fired, ['a', 'b', 'b2', 'c']);
  assert.equal(b.idx, -1);
  assert.equal(q.size, 0);
});

test('timer queue: many random entries come out sorted; an earlier entry re-arms the timer', async () => {
  const q = new TimerQueue();
  const fired: number[] = [];
  const ms = Array.from({ length: 200 }, (_, i) => 5 + ((i * 37) % 50));
  // each entry pushes its index; due times are whole milliseconds, the same millisecond in the order added
  const entries: TimerEntry[] = ms.map((d, i) => q.add(d, () => fired.push(i)));
  for (let i = 0; i < entries.length; i += 7) q.cancel(entries[i]);
  const kept = ms.map((_, i) => i).filter((i) => i % 7 !== 0);
  const inOrder = kept.sort((x, y) => entries[x].due - entries[y].due || x - y);
  q.add(1, () => fired.unshift(-1)); // earlier than everything armed so far
  await sleep(200);
  assert.equal(fired[0], -1);
  assert.deepEqual(fired.slice(1), inOrder);
  for (const i of inOrder) assert.ok(Number.isInteger(entries[i].due), 'due in whole milliseconds');
});

test('timer queue: a throwing entry does not stop the others or the queue', async () => {
  const q = new TimerQueue();
  const fired: string[] = [];
  const onUncaught = (e: Error) => fired.push(`uncaught ${e.message}`);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onUncaught);
  try {
    q.add(5, () => {
      throw new Error('boom');
    });
    q.add(5, () => fired.push('same tick'));
    q.add(40, () => fired.push('later'));
    // both 5 ms entries are due before the queue's timer can run: they fire in one batch
    const until = performance.now() + 10;
    while (performance.now() < until) {
      /* busy */
    }
    await sleep(120);
  } finally {
    process.removeListener('uncaughtException', onUncaught);
    for (const l of listeners) process.on('uncaughtException', l);
  }
  assert.deepEqual(fired, ['same tick', 'uncaught boom', 'later']);
});

test('SA timers: named, re-armed by name, forgotten when fired or cleared', async () => {
  const q = new TimerQueue();
  const t = new SaTimers(q);
  const fired: string[] = [];
  t.set('rekey', 20, () => fired.push('rekey-1'));
  t.set('rekey', 30, () => fired.push('rekey-2')); // replaces the first
  t.set('expire', 200, () => fired.push('expire'));
  t.set('dpd', 10, () => {
    fired.push(`dpd has=${t.has('dpd')}`);
    t.set('dpd', 10, () => fired.push('dpd again'));
  });
  assert.deepEqual(t.keys().sort(), ['dpd', 'expire', 'rekey']);
  assert.equal(t.size, 3);
  assert.equal(q.size, 1, 'one queue item for all of the SA\'s timers');
  await sleep(80);
  assert.deepEqual(fired, ['dpd has=false', 'dpd again', 'rekey-2']);
  assert.deepEqual(t.keys(), ['expire']);
  assert.equal(t.delete('expire'), true);
  assert.equal(t.delete('expire'), false);
  t.set('a', 10, () => fired.push('a'));
  t.set('b', 10, () => fired.push('b'));
  t.clear();
  assert.equal(q.size, 0);
  await sleep(40);
  assert.deepEqual(fired, ['dpd has=false', 'dpd again', 'rekey-2']);
});

test('SA timers: one name for several ids (SPIs above 2^31 too), a shared function gets its id back', async () => {
  const q = new TimerQueue();
  const t = new SaTimers(q);
  const got: number[] = [];
  const fn = (arg: number[], id: number): void => void arg.push(id);
  t.set('child-rekey', 5, fn, got, 0xdeadbeef);
  t.set('child-rekey', 5, fn, got, 0x1234);
  t.set('child-rekey', 5, fn, got, 0x1234); // re-armed, not added
  assert.equal(t.size, 2);
  assert.ok(t.has('child-rekey', 0xdeadbeef) && !t.has('child-rekey', 0xdeadbeee) && !t.has('child-rekey'));
  assert.deepEqual(t.keys().sort(), ['child-rekey:3735928559', 'child-rekey:4660']);
  await sleep(40);
  assert.deepEqual(got.sort((x, y) => x - y), [0x1234, 0xdeadbeef]);
  assert.equal(t.size, 0);
  t.set('child-rekey', 5, fn, got, 0xdeadbeef);
  t.set('ike-expire', 5, fn, got);
  t.clearAllBut('ike-expire');
  assert.deepEqual(t.keys(), ['ike-expire']);
  assert.equal(t.delete('child-rekey', 0xdeadbeef), false);
  t.clear();
});

test('SA timers: several SAs on one queue fire in due order; a timer that throws does not stop the rest', async () => {
  const q = new TimerQueue();
  const a = new SaTimers(q);
  const b = new SaTimers(q);
  const fired: string[] = [];
  a.set('x', 30, () => fired.push('a30'));
  b.set('x', 10, () => fired.push('b10'));
  a.set('y', 20, () => {
    fired.push('a20');
    throw new Error('boom');
  });
  a.set('z', 20, () => fired.push('a20z'));
  b.set('y', 40, () => fired.push('b40'));
  assert.equal(q.size, 2);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const errors: string[] = [];
  const onUncaught = (e: Error): void => void errors.push(e.message);
  process.on('uncaughtException', onUncaught);
  try {
    await sleep(90);
  } finally {
    process.removeListener('uncaughtException', onUncaught);
    for (const l of listeners) process.on('uncaughtException', l);
  }
  assert.deepEqual(fired, ['b10', 'a20', 'a20z', 'a30', 'b40']);
  assert.deepEqual(errors, ['boom']);
  assert.equal(q.size, 0);
  assert.equal(a.size + b.size, 0);
  // re-arming the earliest timer later moves the SA's one item
  a.set('x', 10, () => fired.push('late'));
  a.set('y', 50, () => fired.push('y'));
  a.set('x', 80, () => fired.push('x80'));
  await sleep(60);
  assert.deepEqual(fired.slice(5), ['y']);
  assert.equal(q.size, 1);
  a.clear();
  assert.equal(q.size, 0);
});
