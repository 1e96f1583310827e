/** The key arena and string table behind the decoupled adapter's records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyArena } from '../../src/platform/key-arena';
import { StringTable } from '../../src/platform/intern';
import { DecoupledAdapter } from '../../src/platform/decoupled';

test('slots hold their parts in order, are zeroed when freed and then reused', () => {
  const a = new KeyArena();
  const h1 = a.store([Buffer.from('aaaa'), Buffer.from('bb')]);
  const h2 = a.store([Buffer.alloc(40, 7)]);
  assert.equal(a.view(h1, 6).toString(), 'aaaabb');
  assert.deepEqual(a.view(h2, 40), Buffer.alloc(40, 7));
  const v = a.view(h1, 6);
  a.free(h1);
  assert.deepEqual(v, Buffer.alloc(6), 'freed slot is zeroed');
  const h3 = a.store([Buffer.from('cc')]);
  assert.equal(h3, h1, 'the freed slot is reused');
  assert.equal(a.view(h3, 2).toString(), 'cc');
  assert.throws(() => a.store([Buffer.alloc(513)]), /exceed the largest slot/);
});

test('many keys: slabs grow by whole slabs, every key intact', () => {
  const a = new KeyArena();
  const hs = Array.from({ length: 3000 }, (_, i) => a.store([Buffer.alloc(20, i & 0xff)]));
  hs.forEach((h, i) => assert.deepEqual(a.view(h, 20), Buffer.alloc(20, i & 0xff)));
  assert.equal(a.bytes, 3 * 1024 * 32);
});

test('the string table returns one copy per value and stays bounded', () => {
  const t = new StringTable(3);
  const a = t.intern(['192.0.2', '1'].join('.'));
  assert.equal(t.intern('192.0.2.1'), a);
  t.intern('x');
  t.intern('y');
  t.intern('z'); // full: emptied, then z
  assert.equal(t.size, 1);
});

test('decoupled: SA keys survive in the arena until the SA is deleted', async () => {
  const k = new DecoupledAdapter({ log: () => undefined });
  const key = Buffer.alloc(20, 0x5a);
  const spec = {
    protocol: 'esp' as const, mode: 'tunnel' as const, src: '192.0.2.1', dst: '192.0.2.2', spi: 0x1000, reqid: 1,
    encr: { ianaId: 20, keyBits: 128, key, icvLen: 16 }, esn: false, replayWindow: 32,
    lifetime: { softSeconds: 1, hardSeconds: 2, softBytes: 0, hardBytes: 0 },
  };
  await k.addSa(spec);
  key.fill(0); // the caller's buffer is not kept
  const [got] = k.listSas();
  assert.deepEqual(got.encr?.key, Buffer.alloc(20, 0x5a));
  assert.equal(got.src, '192.0.2.1');
  const view = got.encr!.key;
  await k.deleteSa('esp', '192.0.2.2', 0x1000);
  assert.deepEqual(view, Buffer.alloc(20), 'deleted: zeroed');
  await k.addFlow({ dir: 'in', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 1 });
  assert.deepEqual(k.listFlows(), [{ dir: 'in', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.2', protocol: 'esp', mode: 'tunnel', reqid: 1 }]);
  await k.close();
});
