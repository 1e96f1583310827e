import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIkectlWords } from '../../src/cli/ikectl-command';
import { parseIkectlArgs, splitIkectlArgv } from '../../src/cli/ikectl-options';

const w = (s: string) => parseIkectlWords(s.split(' '));

test('control commands', () => {
  assert.deepEqual(w('show sa'), { kind: 'control', req: { cmd: 'show-sa' } });
  assert.deepEqual(w('load /etc/x.conf'), { kind: 'control', req: { cmd: 'reload', file: '/etc/x.conf' } });
  assert.deepEqual(w('reset id FQDN/a'), { kind: 'control', req: { cmd: 'reset', what: 'id', arg: 'FQDN/a' } });
  assert.deepEqual(w('log brief'), { kind: 'control', req: { cmd: 'log', verbose: false } });
  assert.deepEqual(w('show ca test certificates 10.1.1.1'), {
    kind: 'control',
    req: { cmd: 'show-ca', name: 'test' },
    localCa: { op: 'ca-show-certs', ca: 'test', host: '10.1.1.1' },
  });
  for (const bad of ['show sa extra', 'reset', 'reset id', 'reset everything', 'load', 'log', 'couple now', 'show ca ../x certificates']) {
    assert.ok('error' in w(bad), bad);
  }
});

test('ca commands', () => {
  assert.deepEqual(w('ca test create password pw'), { kind: 'ca', cmd: { op: 'ca-create', ca: 'test', password: 'pw' } });
  assert.deepEqual(w('ca test export peer 1.2.3.4 password x'), {
    kind: 'ca',
    cmd: { op: 'ca-export', ca: 'test', peer: '1.2.3.4', password: 'x' },
  });
  assert.deepEqual(w('ca test certificate h.example create client'), {
    kind: 'ca',
    cmd: { op: 'cert-create', ca: 'test', host: 'h.example', purpose: 'client' },
  });
  assert.deepEqual(w('ca test key h import /tmp/k.pem'), { kind: 'ca', cmd: { op: 'key-import', ca: 'test', host: 'h', file: '/tmp/k.pem' } });
  for (const bad of [
    'ca',
    'ca test',
    'ca ../etc create',
    'ca test certificate ../../x create',
    'ca test certificate h create bogus',
    'ca test certificate h frob',
    'ca test key h import',
    'ca test create password',
    'ca test create colour blue',
  ]) {
    assert.ok('error' in w(bad), bad);
  }
});

test('global options stop at the command word, --json may trail a show', () => {
  assert.deepEqual(splitIkectlArgv(['-s', '/x', 'show', 'sa', '--json']), { options: ['-s', '/x', '--json'], words: ['show', 'sa'] });
  const r = parseIkectlArgs(['ca', 'x', 'create', 'password', '-q']);
  assert.ok(!('error' in r));
  assert.deepEqual(r.command, { kind: 'ca', cmd: { op: 'ca-create', ca: 'x', password: '-q' } });
  const e = parseIkectlArgs(['show', 'sa'], { IKECTL_ROOT: '/tmp/r' });
  assert.ok(!('error' in e) && e.root === '/tmp/r' && e.socketPath === '/var/run/iked.sock');
});
