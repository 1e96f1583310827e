/**
 * The control-socket protocol: FrameDecoder fed a mutated byte stream in
 * fuzzed chunks (throws only FrameError; a frame is JSON or { ok: false };
 * the buffered bytes stay below the frame limit + header), and every decoded
 * value through validateRequest / validateResponse (never throw; a request
 * accepted is one of the commands with only its fields).
 */
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameError, validateRequest, validateResponse } from '../../../src/proc/control-protocol';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

const MAX = 64 * 1024;

function seeds(): Buffer[] {
  const reqs: unknown[] = [
    { cmd: 'show-sa' }, { cmd: 'show-ca', name: 'ca1' }, { cmd: 'reload' }, { cmd: 'reload', file: '/etc/iked.conf' },
    { cmd: 'reset', what: 'id', arg: 'moon' }, { cmd: 'reset', what: 'all' }, { cmd: 'log', verbose: true }, { cmd: 'monitor' },
    { ok: true, cmd: 'show-sa', sas: [] }, { ok: false, error: 'no' }, { ok: true, cmd: 'event', event: { type: 'sa-up', name: 'x' } },
  ];
  return [...corpus('control'), ...reqs.map((r) => encodeFrame(r)), Buffer.concat(reqs.map((r) => encodeFrame(r)))];
}

const REQUEST_FIELDS: Record<string, string[]> = { 'show-ca': ['name'], reload: ['file'], reset: ['what', 'arg'], log: ['verbose'] };

export const target: FuzzTarget<[Buffer, number[]]> = {
  name: 'control',
  sources: ['src/proc/control-protocol.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 8192), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 16 })),
  run([stream, cuts]) {
    const d = new FrameDecoder(MAX);
    let off = 0;
    let k = 0;
    while (off < stream.length) {
      const n = k < cuts.length ? cuts[k++] : stream.length - off;
      const chunk = stream.subarray(off, off + n);
      off += n;
      const frames = decodeOnly('FrameDecoder.push', () => d.push(chunk), (e) => e instanceof FrameError, false);
      if (!frames) return; // the connection is dropped
      check(d.pending() <= MAX + 4 + 64, `decoder holds ${d.pending()} bytes`);
      for (const f of frames) {
        if (!f.ok) continue;
        const req = decodeOnly('validateRequest', () => validateRequest(f.value), () => false)!;
        if (!('error' in req)) {
          const fields = Object.keys(req).filter((x) => x !== 'cmd');
          for (const x of fields) check((REQUEST_FIELDS[req.cmd] ?? []).includes(x), `accepted request ${req.cmd} with field ${x}`);
          check(JSON.stringify(validateRequest(JSON.parse(JSON.stringify(req)))) === JSON.stringify(req), 'an accepted request does not validate again');
        }
        decodeOnly('validateResponse', () => validateResponse(f.value), () => false);
      }
    }
  },
};
