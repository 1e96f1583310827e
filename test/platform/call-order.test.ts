/** inCallOrder: native kernel requests reach the kernel in the order they were made. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inCallOrder } from '../../src/platform/call-order';

function fakeAddon(log: string[]) {
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    other: () => 'untouched',
    async addSa(name: string, ms: number): Promise<string> {
      log.push(`start ${name}`);
      await delay(ms);
      log.push(`end ${name}`);
      if (name === 'bad') throw new Error('EEXIST');
      return name;
    },
  };
}

test('calls made in one tick run one after another, in call order', async () => {
  const log: string[] = [];
  const raw = fakeAddon(log);
  const a = inCallOrder(raw, ['addSa']);
  const results = await Promise.allSettled([a.addSa('sa-in', 30), a.addSa('bad', 5), a.addSa('flow', 0)]);
  assert.deepEqual(log, ['start sa-in', 'end sa-in', 'start bad', 'end bad', 'start flow', 'end flow']);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
    'a failure is reported to its caller and does not stop the next call',
  );
  assert.equal(a.other(), 'untouched', 'functions not named are the originals');
});
