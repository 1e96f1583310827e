import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startControlServer } from '../../src/proc/control-server';
import { controlMonitor, controlRequest } from '../../src/proc/control-client';
import { encodeFrame, FrameDecoder, MAX_FRAME } from '../../src/proc/control-protocol';
import { createLogger } from '../../src/log/logger';
import { MonitorEvent } from '../../src/proc/control-api';
import { FakeDaemon, SAMPLE_SA } from './control-fake-daemon';

const quiet = createLogger({ foreground: true, verbose: 0, stderr: { write: () => undefined } });

function tmpSock(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ikedctl-'));
  return path.join(dir, 'iked.sock');
}

/** Send raw bytes, collect every frame until the server closes. */
function raw(sock: string, bytes: Buffer): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(sock);
    const d = new FrameDecoder();
    const got: unknown[] = [];
    s.on('connect', () => s.write(bytes));
    s.on('data', (c: Buffer) => {
      for (const f of d.push(c)) got.push(f.ok ? f.value : f.error);
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

test('every request reaches DaemonControl and answers', async () => {
  const sock = tmpSock();
  const fake = new FakeDaemon();
  const srv = await startControlServer(sock, fake, quiet);
  try {
    assert.equal(fs.statSync(sock).mode & 0o777, 0o660);
    assert.ok(fs.statSync(sock).isSocket());
    const sa = await controlRequest(sock, { cmd: 'show-sa' });
    assert.deepEqual(sa, { ok: true, cmd: 'show-sa', sas: [SAMPLE_SA] });
    assert.equal((await controlRequest(sock, { cmd: 'show-flows' })).ok, true);
    assert.deepEqual(await controlRequest(sock, { cmd: 'show-stats' }), {
      ok: true,
      cmd: 'show-stats',
      stats: { ikesa_established: 3, ikesa_initiated: 2, child_sa_established: 5 },
    });
    assert.equal((await controlRequest(sock, { cmd: 'show-certstore' })).ok, true);
    assert.deepEqual(await controlRequest(sock, { cmd: 'show-ca', name: 'test' }), {
      ok: true,
      cmd: 'show-ca',
      lines: ['subject=CN = 10.1.1.1', ''],
    });
    assert.deepEqual(await controlRequest(sock, { cmd: 'show-ca', name: 'nope' }), {
      ok: false,
      error: "CA 'nope' does not exist",
    });
    assert.deepEqual(await controlRequest(sock, { cmd: 'reload', file: '/x.conf' }), {
      ok: true,
      cmd: 'reload',
      reloaded: true,
      errors: [],
    });
    assert.deepEqual(await controlRequest(sock, { cmd: 'reset', what: 'id', arg: 'FQDN/b' }), {
      ok: true,
      cmd: 'reset',
      message: 'reset id done',
    });
    for (const cmd of ['couple', 'decouple', 'active', 'passive'] as const) {
      assert.deepEqual(await controlRequest(sock, { cmd }), { ok: true, cmd });
    }
    assert.deepEqual(await controlRequest(sock, { cmd: 'log', verbose: true }), { ok: true, cmd: 'log' });
    assert.deepEqual(fake.calls, [
      'showSa',
      'showFlows',
      'showStats',
      'showCertstore',
      'showCa test',
      'showCa nope',
      'reload /x.conf',
      'reset id FQDN/b',
      'coupled true',
      'coupled false',
      'mode active',
      'mode passive',
      'verbose true',
    ]);
  } finally {
    await srv.close();
  }
  assert.equal(fs.existsSync(sock), false, 'socket removed on close');
});

test('monitor streams events until the client closes, then unsubscribes', async () => {
  const sock = tmpSock();
  const fake = new FakeDaemon();
  const srv = await startControlServer(sock, fake, quiet);
  try {
    const got: MonitorEvent[] = [];
    const h = await controlMonitor(sock, (e) => got.push(e));
    assert.equal(fake.subscribers.size, 1);
    fake.publish({ time: 1, kind: 'sa', message: 'established', spi: '0x1' });
    fake.publish({ time: 2, kind: 'sa', message: 'deleted' });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, [
      { time: 1, kind: 'sa', message: 'established', spi: '0x1' },
      { time: 2, kind: 'sa', message: 'deleted' },
    ]);
    h.close();
    await h.done;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.subscribers.size, 0);
    assert.ok(fake.calls.includes('unsubscribe'));
  } finally {
    await srv.close();
  }
});

test('monitor ends when the daemon closes the server', async () => {
  const sock = tmpSock();
  const fake = new FakeDaemon();
  const srv = await startControlServer(sock, fake, quiet);
  const h = await controlMonitor(sock, () => undefined);
  await srv.close();
  await h.done;
  assert.equal(fake.subscribers.size, 0);
});

test('garbage is answered with errors and never crashes the server', async () => {
  const sock = tmpSock();
  const fake = new FakeDaemon();
  const srv = await startControlServer(sock, fake, quiet);
  try {
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(MAX_FRAME + 1, 0);
    const r1 = await raw(sock, huge);
    assert.equal(r1.length, 1);
    assert.match((r1[0] as { error: string }).error, /exceeds the 1048576-byte limit/);

    const junk = Buffer.from('not json at all');
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32BE(junk.length, 0);
    const r2 = await raw(sock, Buffer.concat([hdr, junk, encodeFrame({ cmd: 'show-stats' })]));
    assert.deepEqual(r2[0], { ok: false, error: 'control frame is not valid JSON' });
    assert.equal((r2[1] as { ok: boolean }).ok, true);

    const r3 = await raw(sock, Buffer.concat([encodeFrame({ cmd: 'format-disk' }), encodeFrame({ cmd: 'show-sa' })]));
    assert.deepEqual(r3[0], { ok: false, error: "unknown command 'format-disk'" });
    assert.equal((r3[1] as { cmd: string }).cmd, 'show-sa');

    const r4 = await raw(sock, encodeFrame([1, 2, 3]));
    assert.deepEqual(r4, [{ ok: false, error: 'request is not an object' }]);
    await new Promise((r) => setTimeout(r, 20));

    // still healthy
    assert.equal((await controlRequest(sock, { cmd: 'show-sa' })).ok, true);
  } finally {
    await srv.close();
  }
});

test('a socket in use by a live daemon is refused with a clear error', async () => {
  const sock = tmpSock();
  const srv = await startControlServer(sock, new FakeDaemon(), quiet);
  try {
    await assert.rejects(startControlServer(sock, new FakeDaemon(), quiet), {
      message: `control socket ${sock} is in use`,
    });
    assert.equal((await controlRequest(sock, { cmd: 'show-stats' })).ok, true, 'first daemon unaffected');
  } finally {
    await srv.close();
  }
});

test('a stale socket file is removed and replaced', async () => {
  const sock = tmpSock();
  // a daemon killed with SIGKILL leaves its socket file behind
  const r = spawnSync(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(fs.existsSync(sock), 'stale socket present');
  const srv = await startControlServer(sock, new FakeDaemon(), quiet);
  try {
    assert.equal((await controlRequest(sock, { cmd: 'show-stats' })).ok, true);
  } finally {
    await srv.close();
  }
});

test('a regular file at the socket path is not removed', async () => {
  const sock = tmpSock();
  fs.writeFileSync(sock, 'precious');
  await assert.rejects(startControlServer(sock, new FakeDaemon(), quiet), /exists and is not a socket/);
  assert.equal(fs.readFileSync(sock, 'utf8'), 'precious');
});

test('client reports a missing daemon like err(3)', async () => {
  const sock = tmpSock();
  await assert.rejects(controlRequest(sock, { cmd: 'show-sa' }), {
    message: `connect: ${sock}: No such file or directory`,
  });
});
