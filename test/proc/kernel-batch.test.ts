/**
 * KernelProxy batching over a real UNIX socket pair: kernel calls made in the same
 * tick cross as one kernel.batch frame with one reply, each call still gets its own
 * result or error, and a bad operation inside a batch is fatal like any bad message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameChannel } from '../../src/proc/privsep/frame-channel';
import { KernelProxy } from '../../src/proc/privsep/kernel-proxy';
import { KernelService } from '../../src/proc/privsep/kernel-service';
import { KERNEL_BATCH, M, MAX_FRAME } from '../../src/proc/privsep/messages';
import { decodeBatchReply } from '../../src/proc/privsep/kernel-codec';
import { DecoupledAdapter } from '../../src/platform/decoupled';
import type { KernelFlowSpec, KernelSaSpec } from '../../src/platform/types';
import { ENCR } from '../../src/wire/iana';

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-batch-'));
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

/** The parent end counts the frames it receives by message type (and the operations of kernel batches). */
async function rig(): Promise<{ proxy: KernelProxy; real: DecoupledAdapter; frames: Map<string, number>; fatal: string[]; close(): void }> {
  const [x, y] = await socketPair();
  const fatal: string[] = [];
  const engine = new FrameChannel(x, { name: 'engine', maxFrame: MAX_FRAME.parentEngine, onFatal: (r) => fatal.push(r) });
  const parent = new FrameChannel(y, { name: 'parent', maxFrame: MAX_FRAME.parentEngine, onFatal: (r) => fatal.push(r) });
  const frames = new Map<string, number>();
  const count = (k: string, n = 1): void => void frames.set(k, (frames.get(k) ?? 0) + n);
  const handle = parent.handle.bind(parent);
  parent.handle = (type, check, fn) =>
    handle(type, check, (body) => {
      count(type);
      return fn(body);
    });
  const handleBinary = parent.handleBinary.bind(parent);
  parent.handleBinary = (type, decode, fn) =>
    handleBinary(type, decode, (req) => {
      count(type.name);
      count('ops', (req as unknown[]).length);
      return fn(req);
    });
  const real = new DecoupledAdapter({ log: () => undefined });
  new KernelService(real, parent);
  return { proxy: new KernelProxy(engine), real, frames, fatal, close: () => (engine.close(), parent.close()) };
}

function sa(spi: number, dst: string, src: string): KernelSaSpec {
  return {
    protocol: 'esp',
    mode: 'tunnel',
    src,
    dst,
    spi,
    reqid: 3,
    encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: Buffer.alloc(20, spi & 0xff), icvLen: 16 },
    esn: false,
    replayWindow: 64,
    lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
  };
}

function flow(dir: KernelFlowSpec['dir']): KernelFlowSpec {
  return { dir, src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 3 };
}

test('kernel proxy: calls of one tick go as one batch frame, each with its own result', async () => {
  const r = await rig();
  try {
    await Promise.all([r.proxy.addSa(sa(0x1001, '192.0.2.1', '192.0.2.2')), r.proxy.addSa(sa(0x1002, '192.0.2.2', '192.0.2.1'))]);
    await Promise.all([r.proxy.addFlow(flow('out')), r.proxy.addFlow(flow('in')), r.proxy.addFlow(flow('fwd'))]);
    assert.equal(r.frames.get(M.kBatch), 2, 'two batches: the SAs, then the flows');
    assert.equal(r.frames.get('ops'), 5);
    assert.equal(r.real.listSas().length, 2);
    assert.equal(r.real.listFlows().length, 3);
    assert.deepEqual([...r.real.listSas().find((s) => s.spi === 0x1002)!.encr!.key], [...Buffer.alloc(20, 0x02)]);

    // a lone call is a batch of one
    const spi = await r.proxy.allocSpi('esp', '192.0.2.2', '192.0.2.1');
    assert.ok(spi >= 256);
    assert.equal(r.frames.get(M.kBatch), 3);
    assert.equal(r.frames.get('ops'), 6);

    // one failing operation fails only its own call; the rest of the batch runs
    const results = await Promise.allSettled([
      r.proxy.deleteFlow({ ...flow('out'), reqid: 99 }), // held by no SA with that template: ENOENT
      r.proxy.deleteSa('esp', '192.0.2.1', 0x1001),
      r.proxy.getCounters('esp', '192.0.2.2', 0x1002),
    ]);
    assert.equal(results[0].status, 'rejected');
    assert.match(String((results[0] as PromiseRejectedResult).reason), /not found \(ENOENT\)/);
    assert.equal(results[1].status, 'fulfilled');
    assert.deepEqual((results[2] as PromiseFulfilledResult<unknown>).value, { bytes: 0, packets: 0, lastUse: 0 });
    assert.equal(r.real.listSas().filter((s) => s.spi === 0x1001).length, 0);
    assert.equal(r.frames.get(M.kBatch), 4);
    assert.deepEqual(r.fatal, []);
  } finally {
    r.close();
  }
});

test('kernel batch: a malformed operation is fatal for the parent', async () => {
  const r = await rig();
  try {
    // bypass the proxy: one allocSpi, then an operation code no operation has
    const raw = (r.proxy as unknown as { parent: FrameChannel }).parent;
    const body = Buffer.from([2, 0, 0, 9, ...Buffer.from('192.0.2.1'), 9, ...Buffer.from('192.0.2.2'), 42]);
    void raw.requestBinary(KERNEL_BATCH, body, (b, w) => decodeBatchReply(b, [{ op: 'allocSpi' }, { op: 'allocSpi' }], w)).catch(() => undefined);
    const end = Date.now() + 3000;
    while (!r.fatal.length && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(r.fatal, ['parent: kernel.batch[1] (operation) code: code 42 is not one of allocSpi|addSa|updateSa|deleteSa|getCounters|addFlow|deleteFlow']);
    assert.equal(r.frames.get(M.kBatch) ?? 0, 0, 'nothing of the bad batch ran');
    assert.deepEqual(body, Buffer.alloc(body.length), 'the sent body was zeroed');
  } finally {
    r.close();
  }
});
