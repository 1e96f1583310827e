import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNonEspMarker } from '../../src/proc/udp-transport';

/** An IKE header (28 bytes) with SPIi `spi`, version 2.0. */
function ike(spi: Buffer): Buffer {
  const h = Buffer.alloc(28);
  spi.copy(h, 0);
  h[16] = 33; // next payload SA
  h[17] = 0x20; // version 2.0
  h[18] = 34; // IKE_SA_INIT
  h.writeUInt32BE(28, 24);
  return h;
}

test('a non-ESP marker on port 500 is recognised (and stripped by the transport), plain IKE is not', () => {
  const plain = ike(Buffer.from('0123456789abcdef', 'hex'));
  assert.equal(hasNonEspMarker(plain), false);
  assert.equal(hasNonEspMarker(Buffer.concat([Buffer.alloc(4), plain])), true);
  // an SPIi whose first four bytes are zero is still plain IKE: its version byte is at 17
  const zeroStart = ike(Buffer.from('0000000089abcdef', 'hex'));
  assert.equal(hasNonEspMarker(zeroStart), false);
  assert.equal(hasNonEspMarker(Buffer.alloc(20)), false, 'too short');
});
