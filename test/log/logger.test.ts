import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { createLogger, levelForVerbosity } from '../../src/log/logger';
import { LOG_DAEMON, LOG_DEBUG, LOG_ERR, LOG_INFO, LOG_WARNING } from '../../src/log/syslog-transport';

function sink(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

test('verbosity maps to winston levels', () => {
  assert.equal(levelForVerbosity(0), 'info');
  assert.equal(levelForVerbosity(1), 'verbose');
  assert.equal(levelForVerbosity(2), 'debug');
  assert.equal(levelForVerbosity(5), 'debug');
});

test('foreground: plain lines on stderr, no timestamp, filtered by verbosity', () => {
  const s = sink();
  const log = createLogger({ foreground: true, verbose: 0, stderr: s });
  log.info('startup');
  log.verbose('hidden at 0');
  log.debug('hidden at 0');
  log.warn('a warning');
  log.error('an error');
  log.setVerbose(1);
  log.verbose('shown at 1');
  log.debug('still hidden');
  log.setVerbose(2);
  log.debug('shown at 2');
  assert.equal(log.getVerbose(), 2);
  assert.deepEqual(s.lines, ['startup\n', 'a warning\n', 'an error\n', 'shown at 1\n', 'shown at 2\n']);
});

test('background with syslog: priorities are LOG_DAEMON | severity, nothing on stderr', () => {
  const s = sink();
  const got: Array<[number, string]> = [];
  const log = createLogger({ foreground: false, verbose: 2, stderr: s, syslog: (p, m) => void got.push([p, m]) });
  log.error('e');
  log.warn('w');
  log.info('i');
  log.verbose('v');
  log.debug('d');
  assert.deepEqual(got, [
    [LOG_DAEMON | LOG_ERR, 'e'],
    [LOG_DAEMON | LOG_WARNING, 'w'],
    [LOG_DAEMON | LOG_INFO, 'i'],
    [LOG_DAEMON | LOG_INFO, 'v'],
    [LOG_DAEMON | LOG_DEBUG, 'd'],
  ]);
  assert.deepEqual(s.lines, []);
});

test('background without syslog: falls back to stderr, warns exactly once', () => {
  const s = sink();
  const log = createLogger({ foreground: false, verbose: 0, ident: 'iked', stderr: s });
  log.info('one');
  log.info('two');
  assert.equal(s.lines.length, 3);
  assert.match(s.lines[0], /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d iked\[\d+\]: syslog is not available, logging to stderr\n$/);
  assert.match(s.lines[1], /iked\[\d+\]: one\n$/);
  assert.match(s.lines[2], /iked\[\d+\]: two\n$/);
  assert.equal(s.lines.filter((l) => l.includes('syslog is not available')).length, 1);
});

test('a throwing syslog function does not throw out of the logger', () => {
  const log = createLogger({ foreground: false, verbose: 0, syslog: () => { throw new Error('boom'); } });
  assert.doesNotThrow(() => log.info('x'));
});

test('real process: iked-style foreground lines reach stderr unchanged', () => {
  const ts = __filename.endsWith('.ts');
  const mod = path.join(__dirname, '../../src/log/logger' + (ts ? '.ts' : '.js'));
  const code = `const { createLogger } = require(${JSON.stringify(mod)});
    const l = createLogger({ foreground: true, verbose: 1 });
    l.info('spi=0x0000000000000001: established peer 192.0.2.2:500[FQDN/b] local 192.0.2.1:500[FQDN/a] policy \\'gw\\' as initiator');
    l.verbose('verbose line'); l.debug('debug line');`;
  const r = spawnSync(process.execPath, [...(ts ? ['--import', 'tsx'] : []), '-e', code], {
    cwd: path.join(__dirname, '../..'),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    "spi=0x0000000000000001: established peer 192.0.2.2:500[FQDN/b] local 192.0.2.1:500[FQDN/a] policy 'gw' as initiator\nverbose line\n",
  );
});
