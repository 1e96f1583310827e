/** `iked -n [-v]` output: FILE:LINE: errors, or the -v lines then "configuration OK". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/conf/check';
import { formatConfError } from '../../src/conf/format-error';

test('formatConfError', () => {
  assert.equal(formatConfError({ file: '/etc/iked.conf', line: 12, message: 'syntax error' }), '/etc/iked.conf:12: syntax error');
});

test('checkConfig: verbose lists users and policies in file order, then OK', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'iked-check-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const f = join(d, 'iked.conf');
  writeFileSync(f, 'ikev2 "one" passive from 10.0.0.1 to 10.0.0.2 childsa enc aes-256-gcm\nuser "u" "p"\nikev2 "two" skip from 10.0.0.3 to 10.0.0.4 ikesa enc aes-128 auth hmac-sha1 prf hmac-sha1 group modp2048 childsa enc aes-128 auth hmac-sha1\n', { mode: 0o600 });
  const quiet = checkConfig(f, { verbose: 0 });
  assert.deepEqual(quiet, { ok: true, lines: ['configuration OK'] });
  const v = checkConfig(f, { verbose: 1 });
  assert.equal(v.ok, true);
  assert.equal(v.lines.length, 4);
  assert.match(v.lines[0], /^ikev2 "one" passive tunnel esp inet from 10\.0\.0\.1 to 10\.0\.0\.2 local 10\.0\.0\.1 peer 10\.0\.0\.2 ikesa /);
  assert.equal(v.lines[1], 'user "u" "p"');
  assert.equal(
    v.lines[2],
    'ikev2 "two" skip passive tunnel esp inet from 10.0.0.3 to 10.0.0.4 local 10.0.0.3 peer 10.0.0.4 ikesa enc aes-128 prf hmac-sha1 auth hmac-sha1 group modp2048 childsa enc aes-128 auth hmac-sha1 group none esn noesn lifetime 10800 bytes 4294967296 signature',
  );
  assert.equal(v.lines[3], 'configuration OK');
});

test('checkConfig: errors with file and line, -D macros', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'iked-check-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const f = join(d, 'iked.conf');
  writeFileSync(f, 'ikev2 "a" active from 10.0.0.0/24 to 10.1.0.0/24 peer $peer\n\nikev2 "b" passive from 10.0.0.1 to 10.0.0.2 ikesa enc bogus\n', { mode: 0o600 });
  const bad = checkConfig(f, { verbose: 1 });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.lines, [`${f}:1: macro 'peer' not defined`, `${f}:3: bogus not a valid transform`]);
  const withD = checkConfig(f, { verbose: 0, macros: { peer: '192.0.2.1' } });
  assert.deepEqual(withD.lines, [`${f}:3: bogus not a valid transform`]);
});
