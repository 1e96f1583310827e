import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authFailedLine,
  deletedSpisLine,
  establishedLine,
  flowText,
  loadedFlowsLine,
  loadedSpisLine,
  printSpi32,
  printSpi64,
  saStateLine,
  spiPrefix,
} from '../../src/log/iked-wording';

test('SPI printing', () => {
  assert.equal(printSpi64(0x1234567890abcdefn), '0x1234567890abcdef');
  assert.equal(printSpi64('abc'), '0x0000000000000abc');
  assert.equal(printSpi64(Buffer.from('00000000000000ff', 'hex')), '0x00000000000000ff');
  assert.equal(printSpi32(0x3baa27bb), '0x3baa27bb');
  assert.equal(printSpi32(Buffer.from([0, 0, 1, 2])), '0x00000102');
  assert.equal(spiPrefix(1n), 'spi=0x0000000000000001: ');
  assert.equal(spiPrefix(1n, 'ikev2_childsa_enable'), 'spi=0x0000000000000001: ikev2_childsa_enable: ');
});

test('established line in iked wording', () => {
  const base = {
    ispi: 0x1234567890abcdefn,
    peer: '192.0.2.2:500',
    peerId: 'FQDN/b.example',
    local: '192.0.2.1:500',
    localId: 'FQDN/a.example',
    policy: 'gw',
    initiator: true,
    encr: 'aes-256-gcm',
    integ: null,
    group: 'curve25519',
    prf: 'hmac-sha2-256',
  };
  assert.equal(
    establishedLine(base),
    "spi=0x1234567890abcdef: established peer 192.0.2.2:500[FQDN/b.example] local 192.0.2.1:500[FQDN/a.example] policy 'gw' as initiator (enc aes-256-gcm group curve25519 prf hmac-sha2-256)",
  );
  assert.equal(
    establishedLine({ ...base, initiator: false, encr: 'aes-256', integ: 'hmac-sha2-256', group: 'modp2048', rekeyed: 0, elapsedMs: 12.4 }),
    "spi=0x1234567890abcdef: established peer 192.0.2.2:500[FQDN/b.example] local 192.0.2.1:500[FQDN/a.example] policy 'gw' as responder (enc aes-256 auth hmac-sha2-256 group modp2048 prf hmac-sha2-256) rekeyed=0 in 12ms",
  );
  assert.match(establishedLine({ ...base, assigned: '10.0.0.5' }), / local 192\.0\.2\.1:500\[FQDN\/a\.example\] assigned 10\.0\.0\.5 policy 'gw'/);
});

test('child SA lines', () => {
  assert.equal(
    loadedSpisLine({ ispi: 1n, spis: [0x3baa27bb, 0xc82d2075], encr: 'aes-256-gcm' }),
    'spi=0x0000000000000001: ikev2_childsa_enable: loaded SPIs: 0x3baa27bb, 0xc82d2075 (enc aes-256-gcm)',
  );
  assert.equal(
    loadedSpisLine({ ispi: 1n, spis: ['0xa'], encr: 'aes-128', integ: 'hmac-sha2-256', group: 'ecp256', esn: true }),
    'spi=0x0000000000000001: ikev2_childsa_enable: loaded SPIs: 0x0000000a (enc aes-128 auth hmac-sha2-256 group ecp256 esn)',
  );
  assert.equal(flowText({ proto: 'ESP', src: '10.37.129.50/32', dst: '10.37.129.2/32', ipproto: 0 }), 'ESP-10.37.129.50/32=10.37.129.2/32(0)');
  assert.equal(
    loadedFlowsLine(2n, [
      { proto: 'ESP', src: '10.1.0.0/16', dst: '10.2.0.0/16', ipproto: 0 },
      { proto: 'ESP', src: '10.2.0.0/16', dst: '10.1.0.0/16', ipproto: 6 },
    ]),
    'spi=0x0000000000000002: ikev2_childsa_enable: loaded flows: ESP-10.1.0.0/16=10.2.0.0/16(0), ESP-10.2.0.0/16=10.1.0.0/16(6)',
  );
  assert.equal(deletedSpisLine(3n, 'ESP', [1]), 'spi=0x0000000000000003: deleted 1 SPI: ESP-0x00000001');
  assert.equal(deletedSpisLine(3n, 'ESP', [1, 2]), 'spi=0x0000000000000003: deleted 2 SPIs: ESP-0x00000001, ESP-0x00000002');
  assert.equal(saStateLine(4n, 'SA_INIT', 'AUTH_REQUEST'), 'spi=0x0000000000000004: sa_state: SA_INIT -> AUTH_REQUEST');
  assert.equal(
    authFailedLine(5n, 'IPV4/10.37.129.2'),
    'spi=0x0000000000000005: ikev2_send_auth_failed: authentication failed for IPV4/10.37.129.2',
  );
});
