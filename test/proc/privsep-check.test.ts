/** The privsep message checks: exact paths in failures, no copies of valid messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arr, int, obj, oneOf, opt, str, IpcCheckError, Check } from '../../src/proc/privsep/check';

const inner = obj<{ n: number; s?: string }>({ n: int(0, 9), s: opt(str(4)) });
const outer = obj<{ list: { n: number; s?: string }[]; kind: 'a' | 'b' }>({ list: arr(inner, 3), kind: oneOf('a', 'b') });

function failure(check: Check<unknown>, v: unknown, where: string): string {
  try {
    check(v, where);
  } catch (e) {
    assert.ok(e instanceof IpcCheckError, String(e));
    return e.message;
  }
  assert.fail('the check passed');
}

test('a failure names the full path of the bad value', () => {
  assert.equal(failure(outer, { list: [{ n: 1 }, { n: 12 }], kind: 'a' }, 'msg'), 'msg.list[1].n: 12 is outside 0..9');
  assert.equal(failure(outer, { list: [{ n: 1, s: 'toolong' }], kind: 'a' }, 'msg'), 'msg.list[0].s: string of 7 characters exceeds 4');
  assert.equal(failure(outer, { list: [1], kind: 'a' }, 'msg'), 'msg.list[0]: expected an object');
  assert.equal(failure(outer, { list: [], kind: 'c' }, 'msg'), 'msg.kind: expected one of a|b');
  assert.equal(failure(outer, { list: [{}, {}, {}, {}], kind: 'a' }, 'msg'), 'msg.list: array of 4 elements exceeds 3');
  assert.equal(failure(arr(int(0, 1), 4), [0, 1, 7], 'top'), 'top[2]: 7 is outside 0..1');
});

test('unknown fields are rejected, inherited names too', () => {
  assert.equal(failure(inner, { n: 1, x: 2 }, 'm'), "m: unexpected field 'x'");
  assert.equal(failure(inner, JSON.parse('{"n":1,"constructor":2}'), 'm'), "m: unexpected field 'constructor'");
});

test('a valid message is returned as it is; a transformed field makes a copy', () => {
  const v = { list: [{ n: 1 }, { n: 2, s: 'ab' }], kind: 'b' };
  assert.equal(outer(v, 'm'), v);
  const twice = obj<{ a: number; b: number; c: number }>({ a: int(0, 9), b: (x) => Number(x) * 2, c: int(0, 9) });
  const src = { a: 1, b: 2, c: 3 };
  const got = twice(src, 'm');
  assert.notEqual(got, src);
  assert.deepEqual(got, { a: 1, b: 4, c: 3 });
  assert.deepEqual(src, { a: 1, b: 2, c: 3 });
});
