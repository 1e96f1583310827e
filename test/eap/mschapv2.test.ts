import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ntPasswordHash,
  hashNtPasswordHash,
  challengeHash,
  generateNtResponse,
  authenticatorResponse,
  masterKey,
  asymmetricStartKey,
  mschapv2Msk,
} from '../../src/eap/mschapv2';
import { md4 } from '../../src/eap/md4';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 2759 section 9.2
const userName = 'User';
const password = 'clientPass';
const authChallenge = hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28');
const peerChallenge = hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E');

test('MD4 (RFC 1320 appendix A.5 vectors) without the OpenSSL legacy provider', () => {
  assert.equal(md4(Buffer.from('')).toString('hex'), '31d6cfe0d16ae931b73c59d7e0c089c0');
  assert.equal(md4(Buffer.from('abc')).toString('hex'), 'a448017aaf21d8525fc10ae87aa6729d');
  assert.equal(md4(Buffer.from('message digest')).toString('hex'), 'd9130a8164549fe818874806e1c7014b');
});

test('RFC 2759 9.2: NT hash, challenge hash, NT response, authenticator response', () => {
  const h = ntPasswordHash(password);
  assert.deepEqual(h, hex('44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE'));
  assert.deepEqual(hashNtPasswordHash(h), hex('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F'));
  assert.deepEqual(challengeHash(peerChallenge, authChallenge, userName), hex('D0 2E 43 86 BC E9 12 26'));
  const nt = generateNtResponse(authChallenge, peerChallenge, userName, h);
  assert.deepEqual(nt, hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF'));
  assert.equal(authenticatorResponse(h, nt, peerChallenge, authChallenge, userName), 'S=407A5589115FD0D6209F510FE9C04566932CDA56');
});

test('RFC 3079 3.5.3: master key and 128-bit send start key; the 64-byte MSK', () => {
  const h = ntPasswordHash(password);
  const nt = hex('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF');
  const mk = masterKey(hashNtPasswordHash(h), nt);
  assert.deepEqual(mk, hex('FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31'));
  // the server's send key is the client's receive key
  const send = asymmetricStartKey(mk, true, true);
  assert.deepEqual(send, hex('8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB'));
  assert.deepEqual(asymmetricStartKey(mk, false, false), send);
  const recv = asymmetricStartKey(mk, false, true);
  assert.deepEqual(asymmetricStartKey(mk, true, false), recv);
  assert.notDeepEqual(recv, send);
  const msk = mschapv2Msk(h, nt);
  assert.equal(msk.length, 64);
  assert.deepEqual(msk.subarray(0, 16), recv);
  assert.deepEqual(msk.subarray(16, 32), send);
  assert.deepEqual(msk.subarray(32), Buffer.alloc(32));
});

test('a different password gives a different NT response', () => {
  const a = generateNtResponse(authChallenge, peerChallenge, userName, ntPasswordHash('clientPass'));
  const b = generateNtResponse(authChallenge, peerChallenge, userName, ntPasswordHash('clientPasS'));
  assert.notDeepEqual(a, b);
  assert.throws(() => challengeHash(Buffer.alloc(15), authChallenge, userName), /16 bytes/);
});
