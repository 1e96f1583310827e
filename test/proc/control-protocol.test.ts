import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME,
  validateRequest,
  validateResponse,
} from '../../src/proc/control-protocol';

test('frame layout: 4-byte big-endian length + JSON', () => {
  const f = encodeFrame({ cmd: 'show-sa' });
  const body = '{"cmd":"show-sa"}';
  assert.equal(f.readUInt32BE(0), body.length);
  assert.equal(f.subarray(4).toString(), body);
});

test('decoder reassembles frames split at every byte and batched together', () => {
  const msgs = [{ cmd: 'show-sa' }, { cmd: 'reset', what: 'id', arg: 'FQDN/x' }, { a: 'ü€' }];
  const all = Buffer.concat(msgs.map(encodeFrame));
  const d = new FrameDecoder();
  const got: unknown[] = [];
  for (let i = 0; i < all.length; i++) {
    for (const f of d.push(all.subarray(i, i + 1))) {
      assert.ok(f.ok);
      got.push(f.value);
    }
  }
  assert.deepEqual(got, msgs);
  assert.equal(d.pending(), 0);
  const d2 = new FrameDecoder();
  assert.deepEqual(d2.push(all).map((f) => (f.ok ? f.value : null)), msgs);
});

test('oversized length is rejected from the header alone, before the body arrives', () => {
  const d = new FrameDecoder();
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32BE(MAX_FRAME + 1, 0);
  assert.throws(() => d.push(hdr), (e: unknown) => e instanceof FrameError && /exceeds/.test((e as Error).message));
  const hdr2 = Buffer.alloc(4);
  hdr2.writeUInt32BE(0xffffffff, 0);
  assert.throws(() => new FrameDecoder().push(hdr2), FrameError);
  assert.throws(() => new FrameDecoder().push(Buffer.alloc(4)), /empty/);
});

test('a frame of exactly MAX_FRAME is accepted, one more byte is not', () => {
  const body = Buffer.alloc(MAX_FRAME, 0x20); // JSON whitespace...
  body[0] = 0x31; // ..."1" followed by spaces is valid JSON
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32BE(MAX_FRAME, 0);
  const f = new FrameDecoder().push(Buffer.concat([hdr, body]));
  assert.deepEqual(f, [{ ok: true, value: 1 }]);
  assert.throws(() => encodeFrame('x'.repeat(MAX_FRAME)), FrameError);
});

test('garbage JSON in a well-formed frame yields an error entry and decoding continues', () => {
  const junk = Buffer.from('{not json');
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32BE(junk.length, 0);
  const d = new FrameDecoder();
  const out = d.push(Buffer.concat([hdr, junk, encodeFrame({ cmd: 'monitor' })]));
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], { ok: false, error: 'control frame is not valid JSON' });
  assert.deepEqual(out[1], { ok: true, value: { cmd: 'monitor' } });
});

test('request validation', () => {
  assert.deepEqual(validateRequest({ cmd: 'show-sa' }), { cmd: 'show-sa' });
  assert.deepEqual(validateRequest({ cmd: 'reload' }), { cmd: 'reload' });
  assert.deepEqual(validateRequest({ cmd: 'reload', file: '/etc/x.conf' }), { cmd: 'reload', file: '/etc/x.conf' });
  assert.deepEqual(validateRequest({ cmd: 'reset', what: 'sa' }), { cmd: 'reset', what: 'sa' });
  assert.deepEqual(validateRequest({ cmd: 'reset', what: 'id', arg: 'FQDN/a' }), { cmd: 'reset', what: 'id', arg: 'FQDN/a' });
  assert.deepEqual(validateRequest({ cmd: 'log', verbose: false }), { cmd: 'log', verbose: false });
  assert.deepEqual(validateRequest({ cmd: 'show-ca', name: 'test' }), { cmd: 'show-ca', name: 'test' });
  const bad: unknown[] = [
    null,
    42,
    'show-sa',
    [],
    {},
    { cmd: 7 },
    { cmd: 'rm -rf' },
    { cmd: 'show-sa', extra: 1 },
    { cmd: 'reset', what: 'everything' },
    { cmd: 'reset', what: 'id' },
    { cmd: 'reset', what: 'sa', arg: 5 },
    { cmd: 'log', verbose: 'yes' },
    { cmd: 'show-ca', name: '../etc' },
    { cmd: 'show-ca' },
    { cmd: 'reload', file: '' },
    { cmd: 'reload', file: 'a\0b' },
    { cmd: '__proto__' },
  ];
  for (const b of bad) {
    const r = validateRequest(b);
    assert.ok('error' in r, `accepted ${JSON.stringify(b)}`);
  }
  assert.match((validateRequest({ cmd: 'frobnicate' }) as { error: string }).error, /unknown command 'frobnicate'/);
});

test('response validation', () => {
  assert.deepEqual(validateResponse({ ok: false, error: 'x' }), { ok: false, error: 'x' });
  assert.ok('error' in validateResponse(null));
  assert.ok('error' in validateResponse({ ok: 'maybe' }));
  assert.deepEqual(validateResponse({ ok: true, cmd: 'couple' }), { ok: true, cmd: 'couple' });
});
