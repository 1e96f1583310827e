import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ikectlMain, IkectlIo } from '../../src/cli/ikectl';
import { startControlServer } from '../../src/proc/control-server';
import { createLogger } from '../../src/log/logger';
import { FakeDaemon, SAMPLE_FLOWS, SAMPLE_SA } from '../proc/control-fake-daemon';

const quiet = createLogger({ foreground: true, verbose: 0, stderr: { write: () => undefined } });

function tmpSock(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ikectl-')), 'iked.sock');
}

function mkio(extra: Partial<IkectlIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: IkectlIo = {
    stdout: { write: (s: string) => void out.push(s) },
    stderr: { write: (s: string) => void err.push(s) },
    env: {},
    cwd: os.tmpdir(),
    ...extra,
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

async function withDaemon(fn: (sock: string, fake: FakeDaemon) => Promise<void>): Promise<void> {
  const sock = tmpSock();
  const fake = new FakeDaemon();
  const srv = await startControlServer(sock, fake, quiet);
  try {
    await fn(sock, fake);
  } finally {
    await srv.close();
  }
}

test('show sa: iked-like listing and --json', async () => {
  await withDaemon(async (sock) => {
    const h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'sa'], h.io), 0);
    const text = h.out();
    assert.match(
      text,
      /^iked_sas: ispi 0x1234567890abcdef rspi 0xfedcba0987654321 192\.0\.2\.1:500->192\.0\.2\.2:4500<FQDN\/b\.example>\[FQDN\/a\.example\] ESTABLISHED i pol 'gw'\n/,
    );
    assert.match(text, /sa_info: enc aes-gcm-16-256 prf hmac-sha2-256 group curve25519 nat-t remote/);
    assert.match(text, /sa_childsas: ESP 0x3baa27bb in 192\.0\.2\.2 -> 192\.0\.2\.1 \(tunnel udpencap reqid 7\) B=1234/);
    assert.match(text, /sa_childsas: ESP 0xc82d2075 out 192\.0\.2\.1 -> 192\.0\.2\.2/);
    assert.match(text, /sa_flows: ESP out 10\.1\.0\.0\/16 -> 10\.2\.0\.0\/16 \[reqid 7\]/);

    const j = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'sa', '--json'], j.io), 0);
    assert.deepEqual(JSON.parse(j.out()), [SAMPLE_SA]);
    const j2 = mkio();
    assert.equal(await ikectlMain(['--json', '-s', sock, 'show', 'sa'], j2.io), 0);
    assert.deepEqual(JSON.parse(j2.out()), [SAMPLE_SA]);
  });
});

test('show flows / stats / certstore / ca, human and --json', async () => {
  await withDaemon(async (sock) => {
    let h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'flows'], h.io), 0);
    assert.equal(
      h.out(),
      "flow esp out from 10.1.0.0/16 to 10.2.0.0/16 peer 192.0.2.2 policy 'gw' reqid 7\n" +
        "flow esp in from 10.2.0.0/16 to 10.1.0.0/16 proto 6 peer 192.0.2.2 policy 'gw'\n",
    );
    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'flows', '--json'], h.io), 0);
    assert.deepEqual(JSON.parse(h.out()), SAMPLE_FLOWS);

    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'stats'], h.io), 0);
    assert.equal(h.out(), 'ike:\n\t5 child sa established\n\t3 ikesa established\n\t2 ikesa initiated\n');
    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'stats', '--json'], h.io), 0);
    assert.deepEqual(JSON.parse(h.out()), { ikesa_established: 3, ikesa_initiated: 2, child_sa_established: 5 });

    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'certstore'], h.io), 0);
    assert.match(h.out(), /^CA: \/CN=VPN CA\n\tissuer: \/CN=VPN CA\n\tnotAfter: 2039/);
    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'certstore', '--json'], h.io), 0);
    assert.equal(JSON.parse(h.out())[0].kind, 'ca');

    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'ca', 'test', 'certificates'], h.io), 0);
    assert.equal(h.out(), 'subject=CN = 10.1.1.1\n\n');
    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'ca', 'test', 'certificates', '--json'], h.io), 0);
    assert.deepEqual(JSON.parse(h.out()), ['subject=CN = 10.1.1.1', '']);
    h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'show', 'ca', 'other', 'certificates'], h.io), 1);
    assert.equal(h.err(), "ikectl: CA 'other' does not exist\n");
  });
});

test('state-changing commands', async () => {
  await withDaemon(async (sock, fake) => {
    const cases: Array<[string[], string, string]> = [
      [['reload'], 'reload -', 'configuration reloaded\n'],
      [['load', '/etc/other.conf'], 'reload /etc/other.conf', 'configuration /etc/other.conf loaded\n'],
      [['reset', 'all'], 'reset all', 'reset all done\n'],
      [['reset', 'ca'], 'reset ca', 'reset ca done\n'],
      [['reset', 'policy'], 'reset policy', 'reset policy done\n'],
      [['reset', 'sa'], 'reset sa', 'reset sa done\n'],
      [['reset', 'user'], 'reset user', 'reset user done\n'],
      [['reset', 'id', 'FQDN/b.example'], 'reset id FQDN/b.example', 'reset id done\n'],
      [['couple'], 'coupled true', 'coupled\n'],
      [['decouple'], 'coupled false', 'decoupled\n'],
      [['active'], 'mode active', 'mode set to active\n'],
      [['passive'], 'mode passive', 'mode set to passive\n'],
      [['log', 'verbose'], 'verbose true', 'logging verbose\n'],
      [['log', 'brief'], 'verbose false', 'logging brief\n'],
    ];
    for (const [words, call, output] of cases) {
      fake.calls = [];
      const h = mkio();
      assert.equal(await ikectlMain(['-s', sock, ...words], h.io), 0, words.join(' '));
      assert.deepEqual(fake.calls, [call]);
      assert.equal(h.out(), output);
      const q = mkio();
      assert.equal(await ikectlMain(['-q', '-s', sock, ...words], q.io), 0);
      assert.equal(q.out(), '', `-q ${words.join(' ')}`);
    }
    const j = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'reset', 'sa', '--json'], j.io), 0);
    assert.deepEqual(JSON.parse(j.out()), { ok: true, cmd: 'reset', message: 'reset sa done' });
  });
});

test('a failed reload prints the errors and exits 1', async () => {
  await withDaemon(async (sock, fake) => {
    fake.reloadResult = { ok: false, errors: ['/etc/iked.conf:3: syntax error'] };
    const h = mkio();
    assert.equal(await ikectlMain(['-s', sock, 'reload'], h.io), 1);
    assert.equal(h.err(), 'ikectl: configuration: reload failed\n/etc/iked.conf:3: syntax error\n');
  });
});

test('monitor prints events until interrupted; --json gives one object per line', async () => {
  await withDaemon(async (sock, fake) => {
    for (const json of [false, true]) {
      const ac = new AbortController();
      const h = mkio({ signal: ac.signal });
      const p = ikectlMain(['-s', sock, 'monitor', ...(json ? ['--json'] : [])], h.io);
      for (let i = 0; i < 100 && fake.subscribers.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fake.subscribers.size, 1);
      fake.publish({ time: 1_700_000_000, kind: 'ikesa', message: 'established peer 192.0.2.2', spi: '0x1' });
      fake.publish({ time: 1_700_000_001, kind: 'childsa', message: 'deleted' });
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      assert.equal(await p, 0);
      if (json) {
        const lines = h.out().trim().split('\n').map((l) => JSON.parse(l));
        assert.deepEqual(lines, [
          { time: 1_700_000_000, kind: 'ikesa', message: 'established peer 192.0.2.2', spi: '0x1' },
          { time: 1_700_000_001, kind: 'childsa', message: 'deleted' },
        ]);
      } else {
        assert.equal(
          h.out(),
          '2023-11-14 22:13:20 ikesa spi=0x1: established peer 192.0.2.2\n2023-11-14 22:13:21 childsa: deleted\n',
        );
      }
      for (let i = 0; i < 100 && fake.subscribers.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fake.subscribers.size, 0);
    }
  });
});

test('daemon not running: err(3)-style message, exit 1', async () => {
  const sock = tmpSock();
  const h = mkio();
  assert.equal(await ikectlMain(['-s', sock, 'show', 'sa'], h.io), 1);
  assert.equal(h.err(), `ikectl: connect: ${sock}: No such file or directory\n`);
});

test('usage errors exit 1 with usage', async () => {
  for (const argv of [[], ['show'], ['show', 'nothing'], ['reset', 'id'], ['log', 'loud'], ['frob'], ['--nope', 'show', 'sa']]) {
    const h = mkio();
    assert.equal(await ikectlMain(argv, h.io), 1, argv.join(' '));
    assert.match(h.err(), /^ikectl: .+\nusage: ikectl/);
  }
});

function runIkectl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const ts = __filename.endsWith('.ts');
  const script = path.join(__dirname, '../../src/cli/ikectl' + (ts ? '.ts' : '.js'));
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), script, ...args], {
      cwd: path.join(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('real ikectl process against a control server', async () => {
  await withDaemon(async (sock, fake) => {
    const r = await runIkectl(['-s', sock, 'show', 'sa', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [SAMPLE_SA]);
    const r2 = await runIkectl(['-s', sock, 'decouple']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(fake.calls.includes('coupled false'));
  });
  const gone = tmpSock();
  const r3 = await runIkectl(['-s', gone, 'show', 'sa']);
  assert.equal(r3.code, 1);
  assert.equal(r3.stderr, `ikectl: connect: ${gone}: No such file or directory\n`);
});

test('a real ikectl process prints all of a large answer into a pipe (5000 SAs, several MB)', async () => {
  await withDaemon(async (sock, fake) => {
    fake.sas = Array.from({ length: 5000 }, (_, i) => ({ ...SAMPLE_SA, remoteId: `FQDN/c${i}.example` }));
    const r = await runIkectl(['-s', sock, 'show', 'sa', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 2 * 1024 * 1024, `${r.stdout.length} bytes`);
    const got = JSON.parse(r.stdout) as { remoteId: string }[];
    assert.equal(got.length, 5000);
    assert.equal(got[4999].remoteId, 'FQDN/c4999.example');
  });
});

test('counter names read as words', async () => {
  const { counterName } = await import('../../src/cli/ikectl-format');
  assert.equal(counterName('ikeSasEstablished'), 'ike sas established');
  assert.equal(counterName('child_sa_rekeyed'), 'child sa rekeyed');
});
