/** The V8 flags of `iked -n`: which apply to which file size, and V8 knows each of them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CHECK_V8_FLAGS, checkV8Flags, SHORT_CHECK_BYTES, SHORT_CHECK_V8_FLAGS } from '../../src/cli/check-tuning';

test('a short check gets the cheaper optimiser as well; a long one, stdin or an unreadable file only the base flags', () => {
  assert.deepEqual(checkV8Flags(200_000), [...CHECK_V8_FLAGS, ...SHORT_CHECK_V8_FLAGS]);
  assert.deepEqual(checkV8Flags(SHORT_CHECK_BYTES - 1), [...CHECK_V8_FLAGS, ...SHORT_CHECK_V8_FLAGS]);
  assert.deepEqual(checkV8Flags(SHORT_CHECK_BYTES), CHECK_V8_FLAGS);
  assert.deepEqual(checkV8Flags(undefined), CHECK_V8_FLAGS);
});

test("every flag is one this node's V8 accepts (an unknown one is only an error line on stderr)", () => {
  const flags = [...CHECK_V8_FLAGS, ...SHORT_CHECK_V8_FLAGS];
  const script = `const v8 = require('node:v8'); for (const f of ${JSON.stringify(flags)}) v8.setFlagsFromString(f);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  const bogus = spawnSync(process.execPath, ['-e', `require('node:v8').setFlagsFromString('--no-such-v8-flag')`], { encoding: 'utf8' });
  assert.match(bogus.stderr, /unrecognized flag/);
});
