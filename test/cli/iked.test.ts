import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ikedMain } from '../../src/cli/iked';
import type { IkedOptions } from '../../src/cli/iked-options';

function io(extra: Partial<Parameters<typeof ikedMain>[1]> = {}) {
  const out: string[] = [];
  const errs: string[] = [];
  return {
    out,
    errs,
    io: { stdout: { write: (s: string) => void out.push(s) }, stderr: { write: (s: string) => void errs.push(s) }, ...extra },
  };
}

test('bad flag: one clear line plus usage, exit 1', async () => {
  const t = io();
  assert.equal(await ikedMain(['-Z'], t.io), 1);
  const text = t.errs.join('');
  assert.match(text, /^iked: .*Z.*\n/);
  assert.match(text, /usage: iked \[-dnSTtVv\]/);
});

test('-V prints the version', async () => {
  const t = io();
  assert.equal(await ikedMain(['-V'], t.io), 0);
  assert.match(t.out.join(''), /^iked \d+\.\d+\.\d+\n$/);
});

test('options reach runDaemon and the logger writes to stderr with -d', async () => {
  let got: IkedOptions | null = null;
  const t = io({
    runDaemon: async (o: IkedOptions, log) => {
      got = o;
      log.info('daemon running');
    },
  });
  const origWrite = process.stderr.write.bind(process.stderr);
  const captured: string[] = [];
  process.stderr.write = ((s: string | Uint8Array) => {
    captured.push(String(s));
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    code = await ikedMain(['-dv', '-f', '/tmp/x.conf', '-s', '/tmp/x.sock', '-D', 'a=b', '--ike-port', '1500'], t.io);
  } finally {
    process.stderr.write = origWrite;
  }
  assert.equal(code, 0);
  assert.ok(got);
  const o = got as IkedOptions;
  assert.equal(o.foreground, true);
  assert.equal(o.verbose, 1);
  assert.equal(o.configFile, '/tmp/x.conf');
  assert.equal(o.socketPath, '/tmp/x.sock');
  assert.deepEqual(o.macros, { a: 'b' });
  assert.equal(o.ikePort, 1500);
  assert.ok(captured.includes('daemon running\n'), captured.join(''));
  assert.ok(captured.some((l) => /^startup \(iked /.test(l)));
});

test('a failing daemon exits 1 with a fatal line', async () => {
  const t = io({
    syslog: () => undefined,
    runDaemon: async () => {
      throw new Error('cannot bind 0.0.0.0:500');
    },
  });
  assert.equal(await ikedMain([], t.io), 1);
});

test('real process: bad flag exits 1', () => {
  const ts = __filename.endsWith('.ts');
  const script = path.join(__dirname, '../../src/cli/iked' + (ts ? '.ts' : '.js'));
  const r = spawnSync(process.execPath, [...(ts ? ['--import', 'tsx'] : []), script, '-q'], {
    cwd: path.join(__dirname, '../..'),
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^iked: .*q/);
  assert.match(r.stderr, /usage: iked/);
});

test('-n checks the configuration: exit 0 with "configuration OK", exit 1 with file:line errors', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iked-n-'));
  try {
    const good = path.join(dir, 'good.conf');
    fs.writeFileSync(good, 'ikev2 "test" active esp from 10.0.0.0/24 to 10.0.1.0/24 peer 192.0.2.2\n', { mode: 0o600 });
    const t = io();
    assert.equal(await ikedMain(['-n', '-f', good], t.io), 0, t.errs.join(''));
    assert.match(t.errs.join(''), /configuration OK\n$/);
    const tv = io();
    assert.equal(await ikedMain(['-nv', '-f', good], tv.io), 0, tv.errs.join(''));
    assert.match(tv.out.join(''), /test/);

    const bad = path.join(dir, 'bad.conf');
    fs.writeFileSync(bad, 'ikev2 "test" active esp from 10.0.0.0/24 to\n', { mode: 0o600 });
    const b = io();
    assert.equal(await ikedMain(['-n', '-f', bad], b.io), 1);
    assert.match(b.errs.join(''), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    assert.doesNotMatch(b.errs.join(''), /configuration OK/);

    const missing = io();
    assert.equal(await ikedMain(['-n', '-f', path.join(dir, 'nope.conf')], missing.io), 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
