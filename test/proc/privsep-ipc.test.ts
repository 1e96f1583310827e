/**
 * Privsep IPC without root: the framed channel over a real UNIX socket pair
 * (round trips, fatal protocol errors), the kernel proxy against a real
 * (decoupled) adapter with key zeroing, and the real ca process signing
 * through the AuthProxy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { FrameChannel } from '../../src/proc/privsep/frame-channel';
import { IpcCheckError, buf, obj, str, uint32 } from '../../src/proc/privsep/check';
import { KernelProxy } from '../../src/proc/privsep/kernel-proxy';
import { KernelService } from '../../src/proc/privsep/kernel-service';
import { AuthProxy } from '../../src/proc/privsep/auth-proxy';
import { spawnChild } from '../../src/proc/privsep/spawn-child';
import { M, MAX_FRAME, certstoreCheck } from '../../src/proc/privsep/messages';
import { ensureChrootDir, lookupUser } from '../../src/proc/privsep/privileges';
import { DecoupledAdapter } from '../../src/platform/decoupled';
import type { KernelEvent, KernelSaSpec } from '../../src/platform/types';
import { verifyAuth } from '../../src/crypto/auth-signature';
import { AUTH, ENCR, ID } from '../../src/wire/iana';
import type { PolicyConf } from '../../src/conf/types';

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privsep-ipc-'));
  const p = path.join(dir, 's');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(p, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.createConnection(p);
  await new Promise<void>((r) => client.once('connect', () => r()));
  const other = await accepted;
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [client, other];
}

interface Pair {
  a: FrameChannel;
  b: FrameChannel;
  fatal: { a: string[]; b: string[] };
  close(): void;
}

async function channels(maxFrame?: number): Promise<Pair> {
  const [x, y] = await socketPair();
  const fatal = { a: [] as string[], b: [] as string[] };
  const a = new FrameChannel(x, { name: 'a', maxFrame, onFatal: (r) => fatal.a.push(r) });
  const b = new FrameChannel(y, { name: 'b', maxFrame, onFatal: (r) => fatal.b.push(r) });
  return { a, b, fatal, close: () => (a.close(), b.close()) };
}

const until = async (f: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('channel: request/reply with bytes, errors travel back, notifications arrive', async () => {
  const p = await channels();
  try {
    p.b.handle('echo', obj<{ n: number; data: Buffer }>({ n: uint32, data: buf(1024) }), (r) => ({ n: r.n + 1, data: Buffer.concat([r.data, r.data]) }));
    p.b.handle('boom', str(10), (s) => {
      throw new Error(`no ${s}`);
    });
    const seen: string[] = [];
    p.b.handle('note', str(100), (s) => void seen.push(s));
    const r = await p.a.request('echo', { n: 41, data: Buffer.from([1, 2]) }, obj<{ n: number; data: Buffer }>({ n: uint32, data: buf(1024) }));
    assert.equal(r.n, 42);
    assert.deepEqual([...r.data], [1, 2, 1, 2]);
    await assert.rejects(p.a.request('boom', 'x', str(10)), /no x/);
    p.a.notify('note', 'hello');
    // many requests in flight, answered in order of arrival
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => p.a.request('echo', { n: i, data: Buffer.alloc(i) }, obj<{ n: number; data: Buffer }>({ n: uint32, data: buf(1024) }))));
    many.forEach((m, i) => assert.equal(m.n, i + 1));
    await until(() => seen.length === 1);
    assert.deepEqual(seen, ['hello']);
    assert.deepEqual(p.fatal, { a: [], b: [] });
  } finally {
    p.close();
  }
});

test('channel: unknown type, bad body and oversized frame are fatal for the receiver', async () => {
  const p = await channels(1024);
  p.b.handle('known', obj<{ n: number }>({ n: uint32 }), () => null);
  p.a.notify('nope', 1);
  await until(() => p.fatal.b.length === 1);
  assert.match(p.fatal.b[0], /^b: unknown message type 'nope'$/);
  p.close();

  const q = await channels(1024);
  q.b.handle('known', obj<{ n: number }>({ n: uint32 }), () => null);
  q.a.notify('known', { n: -1 });
  await until(() => q.fatal.b.length === 1);
  assert.match(q.fatal.b[0], /known\.n: -1 is outside 0\.\.4294967295/);
  q.close();

  const r = await channels(1024);
  assert.throws(() => r.a.notify('known', 'x'.repeat(2000)), /exceeds the 1024-byte limit/);
  // a peer announcing a huge frame is cut off on the header alone
  const [x, y] = await socketPair();
  const fatal: string[] = [];
  new FrameChannel(y, { name: 'rx', maxFrame: 1024, onFatal: (m) => fatal.push(m) });
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32BE(0x7fffffff);
  x.write(hdr);
  await until(() => fatal.length === 1);
  assert.match(fatal[0], /rx: frame of 2147483647 bytes \(limit 1024\)/);
  x.destroy();
  y.destroy();
  r.close();
});

test('channel: binary requests round-trip, their body is zeroed on both sides, protocol errors are fatal', async () => {
  const ECHO = { code: 7, name: 'echo.bin' };
  const decode = (b: Buffer, w: string): Buffer => {
    if (b.length === 0) throw new IpcCheckError(`${w}: empty`);
    return b;
  };
  const p = await channels();
  try {
    const seen: Buffer[] = [];
    p.b.handleBinary(ECHO, decode, async (req) => {
      seen.push(req);
      if (req[0] === 0xff) throw new Error('refused');
      return Buffer.concat([req, req]);
    });
    const sent = Buffer.from([1, 2, 3]);
    assert.deepEqual(await p.a.requestBinary(ECHO, sent, (b) => Buffer.from(b)), Buffer.from([1, 2, 3, 1, 2, 3]));
    assert.deepEqual(sent, Buffer.alloc(3), 'the sender zeroes the body it sent');
    assert.deepEqual(seen[0], Buffer.alloc(3), 'the receiver zeroes the body once its handler is done');
    // a handler's error is an ordinary error reply; a v8 reply where a binary one is due is fatal
    await assert.rejects(p.a.requestBinary(ECHO, Buffer.from([0xff]), decode), /refused/);
    void p.a.requestBinary({ code: 9, name: 'nine' }, Buffer.from('x'), decode).catch(() => undefined);
    await until(() => p.fatal.b.length === 1);
    assert.equal(p.fatal.b[0], 'b: unknown binary message type 9');
  } finally {
    p.close();
  }

  const q = await channels();
  try {
    q.b.handleBinary(ECHO, decode, async (req) => req);
    void q.a.requestBinary(ECHO, Buffer.alloc(0), decode).catch(() => undefined);
    await until(() => q.fatal.b.length === 1);
    assert.equal(q.fatal.b[0], 'b: echo.bin: empty');
  } finally {
    q.close();
  }

  // a binary reply to a v8 request is refused like any reply that fails its check
  const r = await channels();
  try {
    r.b.handle('text', str(4), () => new Promise(() => undefined)); // never answers: the reply below is injected
    const pending = r.a.request('text', 'x', str(4)).catch((e: Error) => e.message);
    await new Promise((res) => setTimeout(res, 20));
    (r.b as unknown as { writeBinary(n: string, code: number, id: number, b: Buffer): void }).writeBinary('reply', 0, 1, Buffer.from('abc'));
    assert.equal(await pending, 'text reply: expected a string, got object');
    assert.deepEqual(r.fatal.a, ['a: text reply: expected a string, got object']);
  } finally {
    r.close();
  }
});

test('kernel proxy: every call reaches the parent adapter; keys zeroed there after use', async () => {
  const p = await channels(MAX_FRAME.parentEngine);
  const real = new DecoupledAdapter({ log: () => undefined });
  const received: KernelSaSpec[] = [];
  const origAdd = real.addSa.bind(real);
  real.addSa = async (sa) => {
    received.push(sa);
    return origAdd(sa);
  };
  new KernelService(real, p.b);
  const proxy = new KernelProxy(p.a);
  try {
    const spi = await proxy.allocSpi('esp', '192.0.2.2', '192.0.2.1');
    assert.ok(spi >= 256);
    const key = Buffer.alloc(20, 0xab);
    const sa: KernelSaSpec = {
      protocol: 'esp',
      mode: 'tunnel',
      src: '192.0.2.2',
      dst: '192.0.2.1',
      spi,
      reqid: 7,
      encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key, icvLen: 16 },
      esn: true,
      replayWindow: 64,
      lifetime: { softSeconds: 90, hardSeconds: 100, softBytes: 0, hardBytes: 0 },
    };
    await proxy.addSa(sa);
    const stored = real.listSas();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].spi, spi);
    assert.deepEqual([...stored[0].encr!.key], [...Buffer.alloc(20, 0xab)]);
    assert.ok(received[0].encr!.key.every((b) => b === 0), 'the parent did not zero the key it received');
    assert.ok(key.every((b) => b === 0xab), 'the engine-side key must stay for the engine to manage');
    await assert.rejects(proxy.addSa(sa), /already exists \(EEXIST\)/);
    assert.deepEqual(await proxy.getCounters('esp', '192.0.2.1', spi), { bytes: 0, packets: 0, lastUse: 0 });
    await proxy.addFlow({ dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 7 });
    assert.equal(real.listFlows().length, 1);
    await proxy.deleteSa('esp', '192.0.2.1', spi);
    await assert.rejects(proxy.deleteSa('esp', '192.0.2.1', spi), /not found \(ESRCH\)/);
    await proxy.flush();
    assert.equal(real.listFlows().length, 0);

    // kernel events flow to the engine
    const events: KernelEvent[] = [];
    proxy.onEvent((e) => events.push(e));
    p.b.notify(M.kEvent, { type: 'expire', hard: false, spi: 0x1234, dst: '192.0.2.1', protocol: 'esp' });
    await until(() => events.length === 1);
    assert.deepEqual(events[0], { type: 'expire', hard: false, spi: 0x1234, dst: '192.0.2.1', protocol: 'esp' });
    assert.deepEqual(p.fatal, { a: [], b: [] });
  } finally {
    p.close();
  }
});

test('ca process: signs with the key only it holds, one round trip through AuthProxy', { timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privsep-ca-'));
  fs.mkdirSync(path.join(dir, 'private'), { mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(path.join(dir, 'private', 'local.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const fatal: string[] = [];
  const ca = spawnChild({
    args: { role: 'ca', foreground: true, verbose: 0 },
    maxFrame: MAX_FRAME.parentCa,
    extra: ['pipe'],
    onFatal: (m) => fatal.push(m),
    onClose: () => undefined,
  });
  const engineEnd = (ca.proc.stdio as unknown as net.Socket[])[5];
  const link = new FrameChannel(engineEnd, { name: 'test-engine', maxFrame: MAX_FRAME.engineCa, onFatal: (m) => fatal.push(m) });
  const auth = new AuthProxy(link);
  t.after(() => {
    ca.proc.kill('SIGKILL');
    link.close();
    ca.channel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const policy = { name: 'p', auth: { method: 'ecdsa256' }, authExplicit: false } as unknown as PolicyConf;
  const init = await ca.channel.request(M.caInit, { dir, policies: [policy] }, certstoreCheck);
  assert.deepEqual(init.certs, []);
  await auth.ready();
  assert.ok(auth.hashAlgorithms().length > 0);
  assert.equal(auth.certRequest('p'), null);

  const octets = Buffer.from('the AUTH octets of an IKE_SA_INIT exchange');
  const signed = await auth.sign('p', { type: ID.FQDN, data: Buffer.from('a.test') }, octets, []);
  assert.equal(signed.method, AUTH.ECDSA_SHA256_P256);
  assert.equal(verifyAuth(publicKey, signed.method, signed.data, octets).ok, true);
  const v = await auth.verify('p', { type: ID.FQDN, data: Buffer.from('b.test') }, AUTH.ECDSA_SHA256_P256, signed.data, octets, []);
  assert.equal(v.ok, false);
  assert.deepEqual(fatal, []);

  // a protocol violation kills the ca, with the reason on its stderr
  const exited = new Promise<number | null>((r) => ca.proc.once('exit', (code) => r(code)));
  link.notify('ca.no-such-message', null);
  assert.equal(await exited, 1);
});

test('privileges: a missing user and an unsafe chroot are refused with one clear line', () => {
  assert.throws(() => lookupUser('no_such_iked_user_x'), /^Error: user no_such_iked_user_x not found: create it with useradd -r -s \/usr\/sbin\/nologin no_such_iked_user_x$/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privsep-chroot-'));
  try {
    fs.chmodSync(dir, 0o777);
    assert.throws(() => ensureChrootDir(dir), /chroot .* must (be owned by root|not be writable by group or others)/);
    fs.writeFileSync(path.join(dir, 'f'), '');
    assert.throws(() => ensureChrootDir(path.join(dir, 'f')), /is not a directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
