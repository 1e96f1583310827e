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
import { M, MAX_FRAME, batchReplyCheck } from '../../src/proc/privsep/messages';
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

/** The parent end counts the frames it receives by message type. */
async function rig(): Promise<{ proxy: KernelProxy; real: DecoupledAdapter; frames: Map<string, number>; fatal: string[]; close(): void }> {
  const [x, y] = await socketPair();
  const fatal: string[] = [];
  const engine = new FrameChannel(x, { name: 'engine', maxFrame: MAX_FRAME.parentEngine, onFatal: (r) => fatal.push(r) });
  const parent = new FrameChannel(y, { name: 'parent', maxFrame: MAX_FRAME.parentEngine, onFatal: (r) => fatal.push(r) });
  const frames = new Map<string, number>();
  const handle = parent.handle.bind(parent);
  parent.handle = (type, check, fn) =>
    handle(type, check, (body) => {
      frames.set(type, (frames.get(type) ?? 0) + 1);
      return fn(body);
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
    assert.equal(r.frames.get(M.kSa) ?? 0, 0, 'no single SA request');
    assert.equal(r.real.listSas().length, 2);
    assert.equal(r.real.listFlows().length, 3);
    assert.deepEqual([...r.real.listSas().find((s) => s.spi === 0x1002)!.encr!.key], [...Buffer.alloc(20, 0x02)]);

    // a lone call is a plain request
    const spi = await r.proxy.allocSpi('esp', '192.0.2.2', '192.0.2.1');
    assert.ok(spi >= 256);
    assert.equal(r.frames.get(M.kAllocSpi), 1);

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
    assert.equal(r.frames.get(M.kBatch), 3);
    assert.deepEqual(r.fatal, []);
  } finally {
    r.close();
  }
});

test('kernel batch: a malformed operation is fatal for the parent, a malformed reply is refused', async () => {
  const r = await rig();
  try {
    // bypass the proxy: an addSa body without its key material shape
    const raw = (r.proxy as unknown as { parent: FrameChannel }).parent;
    void raw.request(M.kBatch, { ops: [{ t: M.kSa, b: { sa: { protocol: 'esp' }, update: false } }, { t: M.kFlush, b: null }] }, batchReplyCheck).catch(() => undefined);
    const end = Date.now() + 3000;
    while (!r.fatal.length && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    assert.equal(r.fatal.length, 1);
    assert.match(r.fatal[0], /kernel\.batch/);
    assert.throws(() => batchReplyCheck([{ nope: 1 }], 'reply'), /expected a result or an error/);
  } finally {
    r.close();
  }
});
