import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IkedOptions, parseIkedArgs, splitShortOptions } from '../../src/cli/iked-options';

function ok(argv: string[]): IkedOptions {
  const r = parseIkedArgs(argv);
  if ('error' in r) assert.fail(`unexpected error for ${argv.join(' ')}: ${r.error}`);
  return r;
}
function err(argv: string[]): string {
  const r = parseIkedArgs(argv);
  assert.ok('error' in r, `expected an error for ${argv.join(' ')}`);
  return r.error;
}

test('defaults', () => {
  assert.deepEqual(ok([]), {
    foreground: false,
    configFile: '/etc/iked.conf',
    checkOnly: false,
    verbose: 0,
    macros: {},
    socketPath: '/var/run/iked.sock',
    natt: 'auto',
    nattPort: 4500,
    ikePort: 500,
    passive: false,
    ipv6: true,
    showVersion: false,
    warnings: [],
  });
});

test('-d foreground, -n check only, -S passive, -V version', () => {
  assert.equal(ok(['-d']).foreground, true);
  assert.equal(ok(['-n']).checkOnly, true);
  assert.equal(ok(['-S']).passive, true);
  assert.equal(ok(['-V']).showVersion, true);
});

test('-v is repeatable, bundled or separate', () => {
  assert.equal(ok(['-v']).verbose, 1);
  assert.equal(ok(['-vv']).verbose, 2);
  assert.equal(ok(['-v', '-v', '-v']).verbose, 3);
  const o = ok(['-dvv']);
  assert.equal(o.foreground, true);
  assert.equal(o.verbose, 2);
});

test('-f file and -s socket, attached or separate', () => {
  assert.equal(ok(['-f', '/tmp/a.conf']).configFile, '/tmp/a.conf');
  assert.equal(ok(['-f/tmp/b.conf']).configFile, '/tmp/b.conf');
  assert.equal(ok(['-dvf', 'c.conf']).configFile, 'c.conf');
  assert.equal(ok(['-s', '/tmp/x.sock']).socketPath, '/tmp/x.sock');
  assert.match(err(['-f']), /f/);
  assert.match(err(['-s']), /s/);
});

test('-D macro=value is repeatable', () => {
  assert.deepEqual(ok(['-D', 'a=1', '-D', 'b=two words', '-Dc=']).macros, { a: '1', b: 'two words', c: '' });
  assert.equal(ok(['-D', 'x=a=b']).macros.x, 'a=b');
  assert.equal(err(['-D', 'novalue']), 'could not parse macro definition novalue');
  assert.equal(err(['-D', '=x']), 'could not parse macro definition =x');
});

test('-T disables NAT-T, -t forces it, both conflict', () => {
  assert.equal(ok(['-T']).natt, 'disable');
  assert.equal(ok(['-t']).natt, 'force');
  assert.equal(err(['-T', '-t']), 'conflicting NAT-T options');
});

test('-p sets the NAT-T port, --ike-port the IKE port', () => {
  assert.equal(ok(['-p', '14500']).nattPort, 14500);
  assert.equal(ok(['-p4501']).nattPort, 4501);
  assert.equal(ok(['--ike-port', '1500']).ikePort, 1500);
  assert.equal(ok(['--ike-port=1501']).ikePort, 1501);
  assert.match(err(['-p', '0']), /too small/);
  assert.match(err(['-p', '65536']), /too large/);
  assert.match(err(['-p', 'abc']), /invalid/);
  assert.match(err(['--ike-port', '4500']), /both 4500/);
});

test('-6 is accepted with an obsolescence warning', () => {
  const o = ok(['-6']);
  assert.equal(o.ipv6, false);
  assert.equal(o.warnings.length, 1);
  assert.match(o.warnings[0], /obsolete/);
});

test('unknown flags and stray arguments are errors', () => {
  assert.match(err(['-x']), /x/);
  assert.match(err(['--bogus']), /bogus/);
  assert.match(err(['extra']), /extra/);
});

test('getopt-style splitting', () => {
  assert.deepEqual(splitShortOptions(['-dvf', 'x', '-Dk=v', '-s/s']), ['-d', '-v', '-f', 'x', '-D', 'k=v', '-s', '/s']);
  assert.deepEqual(splitShortOptions(['--ike-port', '5']), ['--ike-port', '5']);
});
