/**
 * The engine's release of memory when it goes quiet (src/proc/privsep/idle-collector.ts):
 * once per idle period after enough datagrams, never under steady load, the trim after
 * the collection, and no timer left running while idle.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { IdleCollector } from '../../src/proc/privsep/idle-collector';

/** Advances the mocked clock in 50 ms steps (a timer set by a timer's callback runs within the same advance). */
function advance(ms: number): void {
  for (let t = 0; t < ms; t += 50) mock.timers.tick(Math.min(50, ms - t));
}

function rig(minActivity = 10) {
  const calls: string[] = [];
  const c = new IdleCollector({ collect: () => calls.push('collect'), trim: () => calls.push('trim'), tickMs: 500, minActivity, trimAfterMs: 100 });
  return { c, calls };
}

test('idle collector: steady load never releases; the first quiet tick does, the trim 100 ms after the collection', (t) => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  t.after(() => mock.timers.reset());
  const { c, calls } = rig();
  for (let i = 0; i < 20; i++) {
    for (let j = 0; j < 5; j++) c.activity();
    advance(500);
  }
  assert.deepEqual(calls, [], 'activity in every tick: busy');
  advance(500);
  assert.deepEqual(calls, ['collect']);
  advance(99);
  assert.deepEqual(calls, ['collect']);
  advance(1);
  assert.deepEqual(calls, ['collect', 'trim']);
  advance(60_000);
  assert.deepEqual(calls, ['collect', 'trim'], 'once per idle period');
  assert.equal(c.collections, 1);
  assert.equal(c.trims, 1);
});

test('idle collector: fewer datagrams than the minimum wait for more; they add up over idle periods', (t) => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  t.after(() => mock.timers.reset());
  const { c, calls } = rig(10);
  for (let burst = 0; burst < 3; burst++) {
    for (let j = 0; j < 4; j++) c.activity();
    advance(1000);
    advance(1000);
  }
  // 4 + 4 + 4 = 12 ≥ 10: the third idle period releases
  assert.deepEqual(calls, ['collect', 'trim']);
  for (let j = 0; j < 9; j++) c.activity();
  advance(5000);
  assert.deepEqual(calls, ['collect', 'trim'], '9 since the release: not yet');
  c.activity();
  advance(5000);
  assert.deepEqual(calls, ['collect', 'trim', 'collect', 'trim']);
});

test('idle collector: stop() cancels a pending trim and ignores later activity; missing functions are skipped', (t) => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  t.after(() => mock.timers.reset());
  const { c, calls } = rig(1);
  c.activity();
  advance(1000);
  assert.deepEqual(calls, ['collect']);
  c.stop();
  advance(1000);
  c.activity();
  advance(5000);
  assert.deepEqual(calls, ['collect']);
  const none = new IdleCollector({ collect: null, trim: null, tickMs: 500, minActivity: 1 });
  none.activity();
  advance(5000);
  assert.equal(none.collections + none.trims, 0);
});
