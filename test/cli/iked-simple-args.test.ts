import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ikedOptionsFrom, parseWithYargs, splitShortOptions } from '../../src/cli/iked-options';
import { parseSimpleArgs } from '../../src/cli/iked-simple-args';

const VALUES = ['/etc/iked.conf', 'a.conf', 'k=v', 'x=a=b', 'c=', 'true', 'false', '1e3', '0x10', '4501', ' a', 'two words', '=x', '.', 'n'];
const PIECES: string[][] = [
  ['-d'], ['-n'], ['-S'], ['-T'], ['-t'], ['-V'], ['-6'], ['-v'], ['-vv'], ['-dvv'], ['-nv'],
  ...['D', 'f', 'p', 's'].flatMap((k) => VALUES.map((v) => [`-${k}`, v])),
  ['-fa.conf'], ['-Dk=v'], ['-p4501'], ['-dvf', 'c.conf'],
];

/** Every command line of up to three pieces from PIECES, deterministic (a linear congruential walk). */
function commandLines(count: number): string[][] {
  const out: string[][] = [[]];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const p of PIECES) out.push(p);
  while (out.length < count) {
    const len = 1 + rnd(4);
    const argv: string[] = [];
    for (let i = 0; i < len; i++) argv.push(...PIECES[rnd(PIECES.length)]);
    out.push(argv);
  }
  return out;
}

test('the plain command lines read without yargs give the options yargs gives', () => {
  let fast = 0;
  for (const argv of commandLines(600)) {
    const split = splitShortOptions(argv);
    const simple = parseSimpleArgs(split);
    if (!simple) continue;
    fast++;
    const viaYargs = parseWithYargs(split);
    assert.ok(!('error' in viaYargs), `yargs refused ${JSON.stringify(argv)}: ${JSON.stringify(viaYargs)}`);
    assert.deepEqual(ikedOptionsFrom(simple), ikedOptionsFrom(viaYargs), JSON.stringify(argv));
  }
  assert.ok(fast > 400, `only ${fast} command lines took the fast path`);
});

test('what is not plain goes to yargs (its messages)', () => {
  for (const argv of [['-f'], ['-f', '-n'], ['-f', ''], ['--ike-port', '1500'], ['extra'], ['-x'], ['--bogus'], ['--', '-n']]) {
    assert.equal(parseSimpleArgs(splitShortOptions(argv)), null, JSON.stringify(argv));
  }
});
