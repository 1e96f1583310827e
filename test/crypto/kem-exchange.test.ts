import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { DH, DhGroup } from '../../src/wire/iana';
import { createKeyExchange, isKemGroup, keyExchangeLength, respondKeyExchange, supportedGroups } from '../../src/crypto/key-exchange';
import { KeyExchangeError } from '../../src/crypto/errors';

testBothPaths('KEM groups are registered and marked; DH groups are not KEMs', () => {
  const kems = supportedGroups().filter(isKemGroup);
  assert.deepEqual(kems.sort((a, b) => a - b), [DH.ML_KEM_512, DH.ML_KEM_768, DH.ML_KEM_1024, DH.SNTRUP761X25519]);
  for (const g of [DH.MODP_2048, DH.ECP_256, DH.CURVE25519, DH.CURVE448, 999]) assert.equal(isKemGroup(g), false, `${g}`);
  for (const g of [DH.MODP_2048, DH.ECP_256, DH.CURVE25519]) assert.equal(keyExchangeLength(g, 'responder'), keyExchangeLength(g));
});

testBothPaths('every KEM group through the registry: initiator value, responder value, agreement, wrong lengths', () => {
  for (const g of supportedGroups().filter(isKemGroup)) {
    const name = DhGroup.name(g);
    const i = createKeyExchange(g);
    assert.equal(i.publicKey.length, keyExchangeLength(g, 'initiator'), name);
    const r = respondKeyExchange(g, i.publicKey);
    assert.equal(r.publicKey.length, keyExchangeLength(g, 'responder'), name);
    assert.deepEqual(i.computeSecret(r.publicKey), r.secret, name);
    assert.throws(() => respondKeyExchange(g, i.publicKey.subarray(1)), KeyExchangeError, `${name} short initiator value`);
    assert.throws(() => i.computeSecret(Buffer.concat([r.publicKey, Buffer.alloc(1)])), KeyExchangeError, `${name} long responder value`);
    i.dispose();
    assert.throws(() => i.computeSecret(r.publicKey), /disposed/, name);
  }
});
