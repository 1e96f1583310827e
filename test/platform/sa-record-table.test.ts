/** The decoupled adapter's SA table: keyed by the SPI as an integer, records that share an SPI told apart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaRecordTable } from '../../src/platform/sa-record-table';
import { SaRecord, RecordStore } from '../../src/platform/sa-record';
import { StringTable } from '../../src/platform/intern';
import { KeyArena } from '../../src/platform/key-arena';

const store: RecordStore = { strings: new StringTable(), keys: new KeyArena() };

test('SA record table: one SPI for several protocols or destinations, SPIs above 2^31', () => {
  const t = new SaRecordTable();
  const spi = 0xdeadbeef; // negative as an int32
  const a = SaRecord.larval('esp', '192.0.2.1', '192.0.2.2', spi, store);
  const b = SaRecord.larval('ah', '192.0.2.1', '192.0.2.2', spi, store);
  const c = SaRecord.larval('esp', '192.0.2.1', '192.0.2.3', spi, store);
  for (const r of [a, b, c]) t.set(r);
  assert.equal(t.size, 3);
  assert.equal(a.spi, spi, 'the SPI reads back unsigned');
  assert.equal(t.get('esp', '192.0.2.2', spi), a);
  assert.equal(t.get('ah', '192.0.2.2', spi), b);
  assert.equal(t.get('esp', '192.0.2.3', spi), c);
  assert.equal(t.get('esp', '192.0.2.9', spi), undefined);
  assert.equal(t.get('esp', '192.0.2.2', 0x5eadbeef), undefined);
  // replacing a record keeps the count
  const a2 = SaRecord.larval('esp', '192.0.2.1', '192.0.2.2', spi, store);
  t.set(a2);
  assert.equal(t.size, 3);
  assert.equal(t.get('esp', '192.0.2.2', spi), a2);
  assert.equal(t.delete('ah', '192.0.2.2', spi), true);
  assert.equal(t.delete('ah', '192.0.2.2', spi), false);
  assert.equal(t.get('esp', '192.0.2.3', spi), c);
  assert.equal(t.delete('esp', '192.0.2.2', spi), true);
  assert.deepEqual([...t.values()], [c]);
  assert.equal(t.size, 1);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.get('esp', '192.0.2.3', spi), undefined);
});
