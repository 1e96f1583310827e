/**
 * Privsep frames: a FrameChannel on a fake socket fed a mutated stream of
 * v8-serialised envelopes in fuzzed chunks, with handlers using the real
 * message checks and one request waiting for its reply. Property: receiving
 * never throws (an exception in the socket's 'data' handler would crash the
 * process); a protocol violation ends in onFatal exactly once and nothing is
 * dispatched after it; every body a handler sees passed its check.
 */
import { EventEmitter } from 'node:events';
import * as v8 from 'node:v8';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { FrameChannel } from '../../../src/proc/privsep/frame-channel';
import { M, batchCheck, kernelEventCheck, resetCheck, saRequestCheck, spiReply, spiRequestCheck, empty, verboseCheck, countersCheck } from '../../../src/proc/privsep/messages';
import type { Check } from '../../../src/proc/privsep/check';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

const MAX = 64 * 1024;

function frame(env: unknown): Buffer {
  const body = v8.serialize(env);
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length);
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
    { t: M.kAllocSpi, i: 5, b: { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2' } },
    { t: M.kBatch, i: 6, b: { ops: [{ t: M.kAllocSpi, b: { protocol: 'ah', src: '::1', dst: '::2' } }] } },
    { t: M.logVerbose, i: 0, b: 2 },
    { t: M.kFlush, i: 7, b: null },
    { t: 'no.such.type', i: 8, b: {} },
  ];
  return [...corpus('privsep-frame'), ...envs.map(frame), Buffer.concat(envs.map(frame))];
}

class FakeSocket extends EventEmitter {
  written = 0;
  pause(): this { return this; }
  write(b: Buffer, cb?: () => void): boolean { this.written += b.length; cb?.(); return true; }
  destroy(): this { return this; }
}

const HANDLERS: Array<[string, Check<unknown>]> = [
  [M.kEvent, kernelEventCheck], [M.kAllocSpi, spiRequestCheck], [M.kSa, saRequestCheck], [M.kBatch, batchCheck],
  [M.logVerbose, verboseCheck], [M.kFlush, empty], [M.ctlReset, resetCheck],
];

export const target: FuzzTarget<[Buffer, number[]]> = {
  name: 'privsep-frame',
  sources: ['src/proc/privsep/frame-channel.ts', 'src/proc/privsep/check.ts', 'src/proc/privsep/messages.ts'],
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
    ch.request(M.kCounters, { protocol: 'esp', dst: '192.0.2.2', spi: 1 }, countersCheck).catch(() => undefined);
    ch.request(M.kAllocSpi, { protocol: 'esp', src: '192.0.2.1', dst: '192.0.2.2' }, spiReply).catch(() => undefined);
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
