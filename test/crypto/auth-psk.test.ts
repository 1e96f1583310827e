import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { PRF } from '../../src/wire/iana';
import { prfById } from '../../src/crypto/prf';
import { checkPskAuth, pskAuth, signedOctetParts, signedOctets } from '../../src/crypto/auth-psk';

const hmac = (alg: string, key: Buffer, data: Buffer): Buffer => createHmac(alg, key).update(data).digest();

testBothPaths('signedOctets = RealMessage | Nonce | prf(SK_p, ID type | reserved | data)', () => {
  const prf = prfById(PRF.HMAC_SHA2_256);
  const msg = Buffer.from('IKE_SA_INIT message bytes');
  const nonce = Buffer.alloc(32, 0x5a);
  const skP = Buffer.alloc(32, 0x33);
  const idBody = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('moon.example.org')]);
  const octets = signedOctets(prf, msg, nonce, skP, idBody);
  assert.deepEqual(octets, Buffer.concat([msg, nonce, hmac('sha256', skP, idBody)]));
});

testBothPaths('pskAuth = prf(prf(PSK, "Key Pad for IKEv2"), octets), written out with raw HMAC', () => {
  const psk = Buffer.from('this is a test pre-shared key');
  const octets = Buffer.from('signed octets');
  for (const [id, alg] of [[PRF.HMAC_SHA1, 'sha1'], [PRF.HMAC_SHA2_256, 'sha256'], [PRF.HMAC_SHA2_512, 'sha512']] as const) {
    const expect = hmac(alg, hmac(alg, psk, Buffer.from('Key Pad for IKEv2')), octets);
    assert.deepEqual(pskAuth(prfById(id), psk, octets), expect, alg);
  }
});

testBothPaths('checkPskAuth accepts the right value and rejects wrong value, wrong PSK and wrong length', () => {
  for (const id of [PRF.HMAC_SHA2_384, PRF.AES128_XCBC, PRF.AES128_CMAC]) {
    const prf = prfById(id);
    const psk = Buffer.from('a pre-shared key longer than sixteen bytes'); // exercises RFC 4434/4615 key reduction
    const octets = Buffer.from('octets');
    const auth = pskAuth(prf, psk, octets);
    assert.equal(auth.length, prf.outLen);
    assert.equal(checkPskAuth(prf, psk, octets, auth), true, prf.name);
    const bad = Buffer.from(auth);
    bad[0] ^= 1;
    assert.equal(checkPskAuth(prf, psk, octets, bad), false);
    assert.equal(checkPskAuth(prf, Buffer.from('another key'), octets, auth), false);
    assert.equal(checkPskAuth(prf, psk, octets, auth.subarray(1)), false);
    assert.equal(checkPskAuth(prf, psk, octets, Buffer.alloc(0)), false);
  }
});

testBothPaths('pskAuth and checkPskAuth over the octets in parts equal them over the octets concatenated', () => {
  const psk = Buffer.from('a shared secret');
  const parts = [Buffer.alloc(300, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 3), Buffer.alloc(12, 4)];
  for (const id of [PRF.HMAC_SHA2_256, PRF.HMAC_SHA1, PRF.AES128_XCBC]) {
    const prf = prfById(id);
    for (const n of [3, 4]) {
      const whole = pskAuth(prf, psk, Buffer.concat(parts.slice(0, n)));
      assert.deepEqual(pskAuth(prf, psk, parts.slice(0, n)), whole, prf.name);
      assert.equal(checkPskAuth(prf, psk, parts.slice(0, n), whole), true, prf.name);
      assert.equal(checkPskAuth(prf, psk, parts.slice(0, n - 1), whole), false, prf.name);
    }
  }
});

testBothPaths('signedOctetParts are the three parts of signedOctets', () => {
  const prf = prfById(PRF.HMAC_SHA2_256);
  const [msg, nonce, skP, idBody] = [Buffer.alloc(200, 5), Buffer.alloc(32, 6), Buffer.alloc(32, 7), Buffer.from('01000000c0000201', 'hex')];
  assert.deepEqual(Buffer.concat(signedOctetParts(prf, msg, nonce, skP, idBody)), signedOctets(prf, msg, nonce, skP, idBody));
});
