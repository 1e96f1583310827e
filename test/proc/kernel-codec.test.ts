/**
 * The binary kernel.batch codec: every operation and result round-trips; a
 * truncated, oversized or malformed body is refused with an IpcCheckError that
 * names the operation and the field (the limits of messages.ts: addresses of 64
 * characters, keys of 1 KiB, enum codes, ranges, MAX_BATCH operations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteWriter } from '../../src/proc/privsep/byte-writer';
import { IpcCheckError } from '../../src/proc/privsep/check';
import { KernelOp, KernelOpName, OpValue, decodeBatch, decodeBatchReply, encodeBatch, writeOp, writeResult } from '../../src/proc/privsep/kernel-codec';
import { ADDR, KEY, MAX_BATCH } from '../../src/proc/privsep/messages';
import type { KernelFlowSpec, KernelSaSpec } from '../../src/platform/types';
import { ENCR, INTEG } from '../../src/wire/iana';

const W = 'kernel.batch';

// ------------------------------------------------------------------ arbitraries

/** Records with Object's prototype (as decoded ones have). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}
const address = fc.string({ maxLength: ADDR, unit: 'binary' }).filter((s) => s.length <= ADDR); // code points: some take two UTF-16 units
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });
const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const key = fc.uint8Array({ maxLength: KEY }).map((a) => Buffer.from(a));
const protocol = fc.constantFrom('esp' as const, 'ah' as const);
const mode = fc.constantFrom('tunnel' as const, 'transport' as const);

/** An object without the keys whose value is undefined (as a decoded one is). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const saSpec: fc.Arbitrary<KernelSaSpec> = fc
  .record({
    protocol,
    mode,
    src: address,
    dst: address,
    spi: u32,
    reqid: u32,
    encr: fc.option(rec({ ianaId: u16, keyBits: fc.integer({ min: 0, max: 8192 }), key, icvLen: fc.option(fc.integer({ min: 0, max: 64 }), { nil: undefined }) }), { nil: undefined }),
    integ: fc.option(rec({ ianaId: u16, key }), { nil: undefined }),
    esn: fc.boolean(),
    replayWindow: fc.integer({ min: 0, max: 1 << 20 }),
    lifetime: rec({ softSeconds: safe, hardSeconds: safe, softBytes: safe, hardBytes: safe }),
    encap: fc.option(rec({ sport: u16, dport: u16 }), { nil: undefined }),
    selector: fc.option(rec({ src: address, dst: address, proto: u8 }), { nil: undefined }),
  })
  .map((sa) => defined({ ...sa, encr: sa.encr && defined(sa.encr) }));

const flowSpec: fc.Arbitrary<KernelFlowSpec> = fc
  .record({
    dir: fc.constantFrom('in' as const, 'out' as const, 'fwd' as const),
    src: address,
    dst: address,
    proto: u8,
    sport: fc.option(u16, { nil: undefined }),
    dport: fc.option(u16, { nil: undefined }),
    tunnelSrc: address,
    tunnelDst: address,
    protocol,
    mode,
    reqid: u32,
    priority: fc.option(u32, { nil: undefined }),
  })
  .map(defined);

const op: fc.Arbitrary<KernelOp> = fc.oneof(
  rec({ op: fc.constant('allocSpi' as const), protocol, src: address, dst: address }),
  rec({ op: fc.constantFrom('addSa' as const, 'updateSa' as const), sa: saSpec }),
  rec({ op: fc.constantFrom('deleteSa' as const, 'getCounters' as const), protocol, dst: address, spi: u32 }),
  rec({ op: fc.constantFrom('addFlow' as const, 'deleteFlow' as const), f: flowSpec }),
);
const batch = fc.array(op, { minLength: 1, maxLength: MAX_BATCH });

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof IpcCheckError, `not an IpcCheckError: ${String(e)}`);
    return e.message;
  }
  assert.fail('accepted');
}

// ------------------------------------------------------------------ round trips

test('every operation round-trips, alone and in batches of up to MAX_BATCH', () => {
  fc.assert(
    fc.property(batch, (ops) => {
      assert.deepEqual(decodeBatch(encodeBatch(ops), W), ops);
    }),
    { numRuns: 300 },
  );
});

test('every kind of operation is generated (the round trip covers them all)', () => {
  const seen = new Set<KernelOpName>();
  fc.sample(op, 500).forEach((o) => seen.add(o.op));
  assert.deepEqual([...seen].sort(), ['addFlow', 'addSa', 'allocSpi', 'deleteFlow', 'deleteSa', 'getCounters', 'updateSa']);
});

const result: fc.Arbitrary<{ op: KernelOpName; v: OpValue | Error }> = fc.oneof(
  rec({ op: fc.constant('allocSpi' as const), v: u32 }),
  rec({ op: fc.constant('getCounters' as const), v: rec({ bytes: safe, packets: safe, lastUse: safe }) }),
  rec({ op: fc.constantFrom('addSa' as const, 'updateSa' as const, 'deleteSa' as const, 'addFlow' as const, 'deleteFlow' as const), v: fc.constant(undefined) }),
  rec({ op: fc.constantFrom('allocSpi' as const, 'addSa' as const, 'getCounters' as const), v: fc.string({ maxLength: 4096 }).map((m) => new Error(m)) }),
);

function encodeReply(rs: ReadonlyArray<{ op: KernelOpName; v: OpValue | Error }>): Buffer {
  const w = new ByteWriter();
  w.u8(rs.length);
  for (const r of rs) writeResult(w, r.op, r.v instanceof Error ? undefined : r.v, r.v instanceof Error ? r.v : undefined);
  return w.done();
}

test('every result round-trips: values by operation, errors with their text', () => {
  fc.assert(
    fc.property(fc.array(result, { minLength: 1, maxLength: MAX_BATCH }), (rs) => {
      const got = decodeBatchReply(encodeReply(rs), rs, W);
      assert.equal(got.length, rs.length);
      rs.forEach((r, i) => {
        if (r.v instanceof Error) {
          assert.ok(got[i] instanceof Error);
          assert.equal((got[i] as Error).message, r.v.message);
        } else assert.deepEqual(got[i], r.v);
      });
    }),
    { numRuns: 200 },
  );
});

test('an error text is cut at 4096 characters; a value the reply cannot carry becomes an error', () => {
  const w = new ByteWriter();
  w.u8(2);
  writeResult(w, 'addSa', undefined, new Error('x'.repeat(5000)));
  writeResult(w, 'getCounters', { bytes: -1, packets: 0, lastUse: 0 });
  const [long, bad] = decodeBatchReply(w.done(), [{ op: 'addSa' }, { op: 'getCounters' }], W) as Error[];
  assert.equal(long.message.length, 4096);
  assert.match(bad.message, /getCounters returned what its reply cannot carry: -1 is not an integer/);
});

// ------------------------------------------------------------------ refused bodies

test('every truncation of a valid body is refused, and so are trailing bytes', () => {
  fc.assert(
    fc.property(batch, fc.nat(), (ops, k) => {
      const body = encodeBatch(ops);
      const cut = k % body.length;
      const m = failure(() => decodeBatch(body.subarray(0, cut), W));
      assert.match(m, cut === 0 ? /^kernel\.batch: empty body$/ : /^kernel\.batch\[\d+\] \(\w+\)(: truncated operation| code)/);
      assert.equal(failure(() => decodeBatch(Buffer.concat([body, Buffer.from([0])]), W)), 'kernel.batch: 1 bytes after the last operation');
    }),
    { numRuns: 300 },
  );
});

test('any single corrupted byte is refused with an IpcCheckError or decodes to operations that encode back', () => {
  fc.assert(
    fc.property(batch, fc.nat(), u8, (ops, at, b) => {
      const body = Buffer.from(encodeBatch(ops));
      body[at % body.length] = b;
      let got: KernelOp[];
      try {
        got = decodeBatch(body, W);
      } catch (e) {
        assert.ok(e instanceof IpcCheckError, String(e));
        return;
      }
      assert.deepEqual(decodeBatch(encodeBatch(got), W), got);
    }),
    { numRuns: 500 },
  );
});

/** allocSpi bodies written field by field (past the encoder's own limits). */
function allocSpiBody(proto: number, src: string, dst = '192.0.2.2'): Buffer {
  const w = new ByteWriter();
  w.u8(1);
  w.u8(0); // allocSpi
  w.u8(proto);
  w.text(src, 1);
  w.text(dst, 1);
  return w.done();
}

const SA: KernelSaSpec = {
  protocol: 'esp',
  mode: 'tunnel',
  src: '192.0.2.1',
  dst: '192.0.2.2',
  spi: 0x1234,
  reqid: 7,
  encr: { ianaId: ENCR.AES_CBC, keyBits: 128, key: Buffer.alloc(16, 1) },
  esn: false,
  replayWindow: 64,
  lifetime: { softSeconds: 90, hardSeconds: 100, softBytes: 0, hardBytes: 0 },
};

test('the counts: no operation, more than MAX_BATCH, a reply with another count', () => {
  assert.equal(failure(() => decodeBatch(Buffer.alloc(0), W)), 'kernel.batch: empty body');
  assert.equal(failure(() => decodeBatch(Buffer.from([0]), W)), 'kernel.batch: 0 operations (1..64)');
  const many = encodeBatch(Array.from({ length: MAX_BATCH }, () => ({ op: 'deleteSa' as const, protocol: 'esp' as const, dst: '192.0.2.1', spi: 1 })));
  many[0] = MAX_BATCH + 1;
  assert.equal(failure(() => decodeBatch(Buffer.concat([many, many.subarray(1, 1 + (many.length - 1) / MAX_BATCH)]), W)), 'kernel.batch: 65 operations (1..64)');
  const reply = Buffer.from([2, 0, 0]);
  assert.equal(failure(() => decodeBatchReply(reply, [{ op: 'addSa' }], W)), 'kernel.batch: 2 results for 1 operations');
});

test('addresses of more than 64 characters, unknown enum codes and flags are refused', () => {
  assert.deepEqual(decodeBatch(allocSpiBody(1, 'a'.repeat(ADDR)), W)[0], { op: 'allocSpi', protocol: 'ah', src: 'a'.repeat(ADDR), dst: '192.0.2.2' });
  assert.equal(failure(() => decodeBatch(allocSpiBody(0, 'a'.repeat(ADDR + 1)), W)), 'kernel.batch[0] (allocSpi) src: string of 65 characters exceeds 64');
  assert.equal(failure(() => decodeBatch(allocSpiBody(2, '192.0.2.1'), W)), 'kernel.batch[0] (allocSpi) protocol: code 2 is not one of esp|ah');
  assert.equal(failure(() => decodeBatch(Buffer.from([1, 7]), W)), 'kernel.batch[0] (operation) code: code 7 is not one of allocSpi|addSa|updateSa|deleteSa|getCounters|addFlow|deleteFlow');

  const sa = Buffer.from(encodeBatch([{ op: 'addSa', sa: SA }]));
  // count, code, protocol, mode: the mode's code is at 3
  sa[3] = 2;
  assert.equal(failure(() => decodeBatch(sa, W)), 'kernel.batch[0] (addSa) sa.mode: code 2 is not one of tunnel|transport');
  sa[3] = 0;
  const flagsAt = 4 + 1 + SA.src.length + 1 + SA.dst.length + 8;
  assert.equal(sa[flagsAt], 1, 'the flags byte: encryption only');
  sa[flagsAt] = 0x41;
  assert.equal(failure(() => decodeBatch(sa, W)), 'kernel.batch[0] (addSa) sa.flags: unknown flags 0x40');
  sa[flagsAt] = 2;
  assert.equal(failure(() => decodeBatch(sa, W)), 'kernel.batch[0] (addSa) sa.flags: an ICV length without encryption');

  const flow = Buffer.from(encodeBatch([{ op: 'addFlow', f: { dir: 'in', src: '10.0.0.0/8', dst: '10.1.0.0/16', proto: 0, tunnelSrc: 'a', tunnelDst: 'b', protocol: 'esp', mode: 'tunnel', reqid: 1 } }]));
  flow[2] = 3;
  assert.equal(failure(() => decodeBatch(flow, W)), 'kernel.batch[0] (addFlow) f.dir: code 3 is not one of in|out|fwd');
});

test('keys of more than 1 KiB and out-of-range numbers are refused', () => {
  const withKey = (n: number): Buffer => {
    const body = Buffer.from(encodeBatch([{ op: 'updateSa', sa: { ...SA, encr: { ...SA.encr!, key: Buffer.alloc(KEY) } } }]));
    // the SA ends with the key (no ICV length, no other part): its u16 length is 1026 bytes from the end
    body.writeUInt16BE(n, body.length - KEY - 2);
    return Buffer.concat([body, Buffer.alloc(n - KEY)]);
  };
  assert.equal(decodeBatch(withKey(KEY), W).length, 1);
  assert.equal(failure(() => decodeBatch(withKey(KEY + 1), W)), 'kernel.batch[0] (updateSa) sa.encr.key: 1025 bytes exceed 1024');

  const integ = { ...SA, integ: { ianaId: INTEG.HMAC_SHA2_256_128, key: Buffer.alloc(KEY) } };
  const ib = Buffer.from(encodeBatch([{ op: 'addSa', sa: integ }]));
  ib.writeUInt16BE(KEY + 1, ib.length - KEY - 2);
  assert.equal(failure(() => decodeBatch(Buffer.concat([ib, Buffer.alloc(1)]), W)), 'kernel.batch[0] (addSa) sa.integ.key: 1025 bytes exceed 1024');

  const one = (sa: KernelSaSpec): string => failure(() => decodeBatch(encodeBatch([{ op: 'addSa', sa }]), W));
  assert.equal(one({ ...SA, encr: { ...SA.encr!, keyBits: 8193 } }), 'kernel.batch[0] (addSa) sa.encr.keyBits: 8193 is outside 0..8192');
  assert.equal(one({ ...SA, encr: { ...SA.encr!, icvLen: 65 } }), 'kernel.batch[0] (addSa) sa.encr.icvLen: 65 is outside 0..64');
  assert.equal(one({ ...SA, replayWindow: (1 << 20) + 1 }), 'kernel.batch[0] (addSa) sa.replayWindow: 1048577 is outside 0..1048576');

  // a lifetime past 2^53-1: its high word is the first 4 of its 8 bytes
  const big = Buffer.from(encodeBatch([{ op: 'addSa', sa: SA }]));
  const lifeAt = 4 + 1 + SA.src.length + 1 + SA.dst.length + 8 + 1 + 4;
  big.writeUInt32BE(0x200000, lifeAt + 8);
  assert.equal(failure(() => decodeBatch(big, W)), `kernel.batch[0] (addSa) sa.lifetime.hardSeconds: exceeds ${Number.MAX_SAFE_INTEGER}`);
});

test('malformed replies: an unknown status, a truncated value, an oversized error, trailing bytes', () => {
  const one = [{ op: 'allocSpi' as const }];
  assert.equal(failure(() => decodeBatchReply(Buffer.from([1, 2]), one, W)), 'kernel.batch[0] (allocSpi) status: 2 is neither ok nor error');
  assert.equal(failure(() => decodeBatchReply(Buffer.from([1, 0, 0, 0]), one, W)), 'kernel.batch[0] (allocSpi): truncated result: need 4 bytes, 2 left');
  const long = new ByteWriter();
  long.u8(1);
  long.u8(1);
  long.text('x'.repeat(4097), 2);
  assert.equal(failure(() => decodeBatchReply(long.done(), one, W)), 'kernel.batch[0] (allocSpi) error: string of 4097 characters exceeds 4096');
  assert.equal(failure(() => decodeBatchReply(Buffer.from([1, 0, 0, 0, 1, 0, 9]), one, W)), 'kernel.batch: 1 bytes after the last result');
  assert.equal(failure(() => decodeBatchReply(Buffer.from([1, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, ...Buffer.alloc(16)]), [{ op: 'getCounters' }], W)), `kernel.batch[0] (getCounters) bytes: exceeds ${Number.MAX_SAFE_INTEGER}`);
});

test('the sender refuses what it cannot encode, and leaves the body as it was', () => {
  const w = new ByteWriter();
  w.u8(1);
  writeOp(w, { op: 'deleteSa', protocol: 'esp', dst: '192.0.2.1', spi: 1 });
  const before = Buffer.from(w.done());
  assert.throws(() => writeOp(w, { op: 'allocSpi', protocol: 'esp', src: '192.0.2.1', dst: 'x'.repeat(ADDR + 1) }), /dst: address of 65 characters exceeds 64/);
  assert.throws(() => writeOp(w, { op: 'addSa', sa: { ...SA, encr: { ...SA.encr!, key: Buffer.alloc(KEY + 1) } } }), /sa\.encr\.key: 1025 bytes exceed 1024/);
  assert.throws(() => writeOp(w, { op: 'addSa', sa: { ...SA, lifetime: { ...SA.lifetime, softBytes: 2 ** 53 } } }), /is not an integer/);
  assert.throws(() => writeOp(w, { op: 'deleteSa', protocol: 'esp', dst: '192.0.2.1', spi: -1 }), /out of range/);
  // refused after its key was written (the selector comes last): the key's bytes do not stay behind
  const secret = Buffer.alloc(32, 0xee);
  assert.throws(() => writeOp(w, { op: 'addSa', sa: { ...SA, encr: { ...SA.encr!, key: secret }, selector: { src: 'x'.repeat(ADDR + 1), dst: '', proto: 0 } } }), /sa\.selector\.src/);
  assert.ok(!(w as unknown as { buf: Buffer }).buf.includes(Buffer.alloc(4, 0xee)), 'a key of a refused operation is left in the writer');
  assert.deepEqual(w.done(), before);
  assert.deepEqual(decodeBatch(w.done(), W), [{ op: 'deleteSa', protocol: 'esp', dst: '192.0.2.1', spi: 1 }]);
});

test('decoded keys are views of the body: zeroing them clears the body', () => {
  const body = Buffer.from(encodeBatch([{ op: 'addSa', sa: { ...SA, integ: { ianaId: INTEG.HMAC_SHA2_256_128, key: Buffer.alloc(32, 0xcd) } } }]));
  const [o] = decodeBatch(body, W) as Array<{ sa: KernelSaSpec }>;
  assert.ok(body.includes(Buffer.alloc(32, 0xcd)));
  o.sa.encr!.key.fill(0);
  o.sa.integ!.key.fill(0);
  assert.ok(!body.includes(Buffer.alloc(16, 1)) && !body.includes(Buffer.alloc(32, 0xcd)));
});
