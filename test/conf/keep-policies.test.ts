/**
 * LoadOptions.keepPolicies: false (what `iked -n` without -v uses) builds and checks every
 * policy as when they are kept, then drops each one: the same errors, warnings, users and
 * rule count on every corpus case, no policy kept, and a dropped policy's keys zeroed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/conf/load';
import { checkConfig } from '../../src/conf/check';
import { ParseContext } from '../../src/conf/parse-context';
import { buildPolicy, RawPolicy } from '../../src/conf/policy-build';
import { corpusDir, corpusNames, macrosOf, testInterfaces } from './corpus-support';

test('keepPolicies false: every corpus case gives the same errors, warnings and users, and keeps no policy', () => {
  const dir = corpusDir();
  const names = corpusNames(dir);
  assert.ok(names.length > 50);
  let withPolicies = 0;
  for (const name of names) {
    const text = readFileSync(join(dir, `${name}.conf`), 'utf8');
    const opts = {
      macros: macrosOf(text),
      checkPermissions: false,
      interfaces: testInterfaces,
      readFile: (p: string) => readFileSync(join(dir, p), 'utf8'),
    };
    const kept = parseConfigText(text, `${name}.conf`, opts);
    const dropped = parseConfigText(text, `${name}.conf`, { ...opts, keepPolicies: false });
    assert.deepEqual(dropped.errors, kept.errors, name);
    assert.deepEqual(dropped.warnings, kept.warnings, name);
    assert.equal(dropped.config === null, kept.config === null, name);
    if (kept.config && dropped.config) {
      assert.deepEqual(dropped.config.users, kept.config.users, name);
      assert.deepEqual(dropped.config.options, kept.config.options, name);
      assert.equal(dropped.config.policies.length, 0, name);
      if (kept.config.policies.length) withPolicies++;
    }
  }
  assert.ok(withPolicies > 20, `cases with policies: ${withPolicies}`);
});

test('keepPolicies false: a built policy is dropped with its psk and ppk zeroed', () => {
  const ctx = new ParseContext({ checkPermissions: false, readFile: () => '', interfaces: () => undefined, keepPolicies: false });
  const psk = Buffer.from('psk secret');
  const ppk = Buffer.alloc(32, 0x5a);
  const peer = parseConfigText('ikev2 passive from 10.0.0.1 to 10.0.0.2 peer 192.0.2.1\n', 't.conf', { interfaces: () => undefined }).config?.policies[0].peer;
  assert.ok(peer);
  const raw: RawPolicy = {
    file: 't.conf', line: 1, quick: false, skip: false, isDefault: false, mode: 'passive', ipcomp: false,
    encap: 'tunnel', natt: false, saProto: 'esp', protos: [], src: [], dst: [], ikesa: [], childsa: [], cfg: [],
    peer, auth: { method: 'psk', psk }, ppk: { id: Buffer.from('i'), key: ppk, required: false },
  };
  const at = { kind: 'newline' as const, text: '\n', num: 0, quoted: false, file: 't.conf', line: 1 };
  buildPolicy(ctx, raw, at);
  assert.deepEqual(ctx.errors, []);
  assert.equal(ctx.rules, 1);
  assert.equal(ctx.config.policies.length, 0);
  assert.deepEqual([psk.every((b) => b === 0), ppk.every((b) => b === 0)], [true, true]);
});

test('checkConfig: without -v the policies are checked, not kept; with -v they are printed', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'iked-keep-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const f = join(d, 'iked.conf');
  writeFileSync(f, 'ikev2 "a" passive from 10.0.0.1 to 10.0.0.2\nikev2 "b" active from 10.0.0.0/24 to 10.0.1.0/24\n', { mode: 0o600 });
  // the second rule is refused whether policies are kept or not
  const quiet = checkConfig(f, { verbose: 0 });
  const loud = checkConfig(f, { verbose: 1 });
  assert.equal(quiet.ok, false);
  assert.deepEqual(quiet, loud);
  assert.deepEqual(quiet.lines, [`${f}:2: active mode requires local/peer address`, `${f}:2: create_ike failed`]);
});
