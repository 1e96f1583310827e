import { testBothPaths } from './crypto-paths';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { PRF } from '../../src/wire/iana';
import { prfById } from '../../src/crypto/prf';
import { checkPskAuth, pskAuth, signedOctets } from '../../src/crypto/auth-psk';

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
