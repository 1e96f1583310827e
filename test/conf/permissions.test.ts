/**
 * File permission checks as iked's check_file_secrecy(): configuration and
 * included files that group or others can write (or others read) are
 * refused, PSK files any group/other access; real files in a temp dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/conf/load';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'iked-conf-'));
}

function write(path: string, text: string, mode: number): void {
  writeFileSync(path, text);
  chmodSync(path, mode);
}

test('an included file that others can write is refused, a private one accepted', (t) => {
  const d = tempDir();
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const inc = join(d, 'policies.inc');
  const main = join(d, 'iked.conf');
  write(inc, 'ikev2 "inc" passive from 10.0.0.1 to 10.0.0.2\n', 0o600);
  write(main, `# main\ninclude "${inc}"\nuser "a" "b"\n`, 0o600);
  const ok = loadConfigFile(main);
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.config?.policies[0].name, 'inc');
  assert.equal(ok.config?.policies[0].file, inc);

  for (const mode of [0o602, 0o620, 0o604, 0o610]) {
    chmodSync(inc, mode);
    const bad = loadConfigFile(main);
    assert.equal(bad.config, null, `mode ${mode.toString(8)} accepted`);
    assert.equal(bad.errors.length, 1);
    assert.equal(bad.errors[0].file, main);
    assert.equal(bad.errors[0].line, 2);
    assert.match(bad.errors[0].message, /^failed to include file .*policies\.inc: .*group writable or world read\/writable$/);
  }
  chmodSync(inc, 0o640); // group-readable include: accepted, as iked does
  assert.deepEqual(loadConfigFile(main).errors, []);
  // Without the check, as for tests and -n on copies.
  chmodSync(inc, 0o666);
  assert.deepEqual(loadConfigFile(main, { checkPermissions: false }).errors, []);
});

test('the main configuration file itself is checked like iked does', (t) => {
  const d = tempDir();
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const main = join(d, 'iked.conf');
  write(main, 'user "a" "b"\n', 0o644);
  const r = loadConfigFile(main);
  assert.equal(r.config, null);
  assert.match(r.errors[0].message, /group writable or world read\/writable/);
  chmodSync(main, 0o600);
  assert.deepEqual(loadConfigFile(main).errors, []);
});

test('a PSK file readable by group or others is refused', (t) => {
  const d = tempDir();
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const key = join(d, 'psk.hex');
  const main = join(d, 'iked.conf');
  write(key, '0a0b0c0d\n', 0o600);
  write(main, `ikev2 from 10.0.0.1 to 10.0.0.2 \\\n  psk file "${key}"\n`, 0o600);
  const ok = loadConfigFile(main);
  assert.deepEqual(ok.errors, []);
  const auth = ok.config?.policies[0].auth;
  assert.deepEqual(auth, { method: 'psk', psk: Buffer.from([10, 11, 12, 13]) });
  for (const mode of [0o640, 0o604, 0o660]) {
    chmodSync(key, mode);
    const bad = loadConfigFile(main);
    assert.equal(bad.config, null);
    assert.equal(bad.errors[0].line, 2);
    assert.match(bad.errors[0].message, /psk file refused: .*psk\.hex: group or world readable\/writable/);
  }
});

test('missing files and include loops are errors, not exceptions', (t) => {
  const d = tempDir();
  t.after(() => rmSync(d, { recursive: true, force: true }));
  assert.match(loadConfigFile(join(d, 'nope.conf')).errors[0].message, /nope\.conf/);
  const a = join(d, 'a.conf');
  write(a, `include "${a}"\n`, 0o600);
  const r = loadConfigFile(a);
  assert.match(r.errors[0].message, /include loop/);
});
