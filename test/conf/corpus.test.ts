/**
 * The iked.conf corpus: every corpus/NAME.conf is checked like `iked -n -v`
 * and must give exactly corpus/NAME.out; every policy printed for a valid
 * file must parse back and print the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, corpusNames, runCase, testInterfaces } from './corpus-support';
import { parseConfigText } from '../../src/conf/load';
import { printPolicy, printUser } from '../../src/conf/printer';

const dir = corpusDir();
process.chdir(dir);
const names = corpusNames(dir);

test('corpus has at least 60 cases, valid and invalid', () => {
  assert.ok(names.length >= 60, `only ${names.length} cases`);
  assert.ok(names.filter((n) => n.startsWith('v')).length >= 30);
  assert.ok(names.filter((n) => n.startsWith('e')).length >= 20);
});

for (const name of names) {
  test(`corpus ${name}`, () => {
    const expected = readFileSync(join(dir, `${name}.out`), 'utf8');
    const got = runCase(dir, name);
    assert.equal(got, expected);
    const ok = expected.trimEnd().endsWith('configuration OK');
    assert.equal(ok, name.startsWith('v'), 'v* cases must be valid and e* cases invalid');
    if (!ok) return;
    for (const line of expected.split('\n')) {
      if (!line.startsWith('ikev2 ') && !line.startsWith('user ')) continue;
      const r = parseConfigText(line + '\n', 'reprint', { checkPermissions: false, interfaces: testInterfaces });
      assert.deepEqual(r.errors, [], `printed line does not parse back: ${line}`);
      assert.ok(r.config);
      const again = line.startsWith('user ') ? printUser(r.config.users[0]) : printPolicy(r.config.policies[0]);
      assert.equal(again, line);
    }
  });
}
