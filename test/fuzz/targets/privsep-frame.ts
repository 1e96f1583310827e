/**
 * Privsep frames: a FrameChannel on a fake socket fed a mutated stream of
 * v8-serialised envelopes in fuzzed chunks, with handlers using the real
 * message checks and one request waiting for its reply. Property: receiving
 * never throws (an exception in the socket's 'data' handler would crash the
 * process); a protocol violation ends in onFatal exactly once and nothing is
 * dispatched after it; every body a handler sees passed its check. Binary
 * kernel.batch frames (kernel-codec.ts) are in the stream too.
 */
import { EventEmitter } from 'node:events';
import * as v8 from 'node:v8';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { FrameChannel } from '../../../src/proc/privsep/frame-channel';
import { KERNEL_BATCH, M, kernelEventCheck, resetCheck, empty, verboseCheck, monitorOnCheck } from '../../../src/proc/privsep/messages';
import { decodeBatch, decodeBatchReply, encodeBatch } from '../../../src/proc/privsep/kernel-codec';
import { ENCR } from '../../../src/wire/iana';
import type { Check } from '../../../src/proc/privsep/check';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

const MAX = 64 * 1024;

function frame(env: unknown): Buffer {
  const body = v8.serialize(env);
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
}

/** A binary frame: marker 1, type code (0: reply), id, body. */
function binaryFrame(code: number, id: number, body: Buffer): Buffer {
  const h = Buffer.alloc(10);
  h.writeUInt32BE(6 + body.length);
  h[4] = 1;
  h[5] = code;
  h.writeUInt32BE(id, 6);
  return Buffer.concat([h, body]);
}

function seeds(): Buffer[] {
  const sel = { src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 0 };
  const envs = [
    { t: M.kEvent, i: 0, b: { type: 'acquire', src: '192.0.2.1', dst: '192.0.2.2', selector: sel } },
    { t: M.kEvent, i: 0, b: { type: 'expire', hard: true, spi: 0x1234, dst: '192.0.2.2', protocol: 'esp' } },
    { t: M.kEvent, i: 0, b: { type: 'migrate', x: [1, { y: Buffer.from('ab') }] } },
    { t: 'reply', i: 0, r: 1, b: 0x1234 },
    { t: 'reply', i: 0, r: 1, e: 'ENOENT', b: null },
    { t: M.ctlMonitor, i: 5, b: { on: true } },
    { t: M.logVerbose, i: 0, b: 2 },
    { t: M.kFlush, i: 7, b: null },
    { t: 'no.such.type', i: 8, b: {} },
  ];
  const batch = encodeBatch([
    { op: 'allocSpi', protocol: 'ah', src: '::1', dst: '::2' },
    { op: 'addSa', sa: { protocol: 'esp', mode: 'tunnel', src: '192.0.2.1', dst: '192.0.2.2', spi: 0x1234, reqid: 1, encr: { ianaId: ENCR.AES_GCM_16, keyBits: 128, key: Buffer.alloc(20, 1), icvLen: 16 }, esn: true, replayWindow: 64, lifetime: { softSeconds: 1, hardSeconds: 2, softBytes: 0, hardBytes: 0 }, encap: { sport: 4500, dport: 4500 } } },
    { op: 'deleteFlow', f: { dir: 'fwd', src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 6, sport: 80, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 1, priority: 9 } },
  ]);
  // replies to the binary request of run() (id 3): a counters value; an error
  const counters = Buffer.from([1, 0, ...Buffer.alloc(8), 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 7]);
  const failed = Buffer.from([1, 1, 0, 6, ...Buffer.from('ENOENT')]);
  const bins = [binaryFrame(KERNEL_BATCH.code, 9, batch), binaryFrame(0, 3, counters), binaryFrame(0, 3, failed)];
  return [...corpus('privsep-frame'), ...envs.map(frame), ...bins, Buffer.concat([...envs.map(frame), ...bins])];
}

class FakeSocket extends EventEmitter {
  written = 0;
  pause(): this { return this; }
  write(b: Buffer, cb?: () => void): boolean { this.written += b.length; cb?.(); return true; }
  destroy(): this { return this; }
}

const HANDLERS: Array<[string, Check<unknown>]> = [
  [M.kEvent, kernelEventCheck], [M.ctlMonitor, monitorOnCheck],
  [M.logVerbose, verboseCheck], [M.kFlush, empty], [M.ctlReset, resetCheck],
];

export const target: FuzzTarget<[Buffer, number[]]> = {
  name: 'privsep-frame',
  sources: ['src/proc/privsep/frame-channel.ts', 'src/proc/privsep/check.ts', 'src/proc/privsep/messages.ts', 'src/proc/privsep/kernel-codec.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 8192), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 16 })),
  run([stream, cuts]) {
    const sock = new FakeSocket();
    let fatals = 0;
    const violations: string[] = [];
    const ch = new FrameChannel(sock as unknown as Socket, { name: 'fuzz', maxFrame: MAX, onFatal: () => void fatals++ });
    for (const [t, c] of HANDLERS) {
      // the channel catches what a handler throws: note violations and check them after
      ch.handle(t, c, (body) => {
        if (fatals !== 0) violations.push(`${t} dispatched after a fatal error`);
        try {
          c(body, t); // it passed its check: checking it again must pass too
        } catch (e) {
          violations.push(`${t}: a checked body fails its check again: ${(e as Error).message}`);
        }
        return null;
      });
    }
    ch.handleBinary(KERNEL_BATCH, decodeBatch, async (ops) => {
      if (fatals !== 0) violations.push(`${KERNEL_BATCH.name} dispatched after a fatal error`);
      if (ops.length === 0) violations.push(`${KERNEL_BATCH.name}: a batch of no operations passed its decoding`);
      return Buffer.alloc(0);
    });
    ch.request(M.kFlush, null, empty).catch(() => undefined); // id 1
    ch.request(M.ctlMonitor, { on: true }, monitorOnCheck).catch(() => undefined); // id 2
    const batch = encodeBatch([{ op: 'getCounters', protocol: 'esp', dst: '192.0.2.2', spi: 1 }]);
    ch.requestBinary(KERNEL_BATCH, batch, (b, w) => decodeBatchReply(b, [{ op: 'getCounters' }], w)).catch(() => undefined); // id 3
    let off = 0;
    let k = 0;
    while (off < stream.length) {
      const n = k < cuts.length ? cuts[k++] : stream.length - off;
      const chunk = stream.subarray(off, off + n);
      off += n;
      decodeOnly('FrameChannel receive', () => sock.emit('data', Buffer.from(chunk)), () => false, false);
    }
    check(violations.length === 0, violations.join('; '));
    check(fatals <= 1, `onFatal called ${fatals} times`);
    ch.close();
  },
};
