import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEap, encodeEap, eapSuccess, eapFailure, describeEap } from '../../src/ikev2/payloads/eap-message';
import { decodeMschap, encodeMschap, mschapUserName } from '../../src/eap/mschapv2-packet';
import { EAP_CODE, EAP_TYPE } from '../../src/wire/iana';

test('EAP Request/Identity round trip and exact bytes', () => {
  const b = encodeEap({ code: EAP_CODE.REQUEST, identifier: 7, type: EAP_TYPE.IDENTITY, data: Buffer.alloc(0) });
  assert.deepEqual(b, Buffer.from([1, 7, 0, 5, 1]));
  assert.deepEqual(decodeEap(b), { code: 1, identifier: 7, type: 1, data: Buffer.alloc(0) });
  const r = encodeEap({ code: EAP_CODE.RESPONSE, identifier: 7, type: EAP_TYPE.IDENTITY, data: Buffer.from('alice') });
  assert.equal(decodeEap(r).data.toString(), 'alice');
  assert.equal(describeEap(r), 'RESPONSE/IDENTITY id 7');
});

test('EAP Success/Failure are 4 bytes', () => {
  assert.deepEqual(eapSuccess(9), Buffer.from([3, 9, 0, 4]));
  assert.deepEqual(eapFailure(9), Buffer.from([4, 9, 0, 4]));
  assert.equal(decodeEap(eapSuccess(9)).type, undefined);
});

test('EAP bounds: short, length mismatch, bad code, Success with data', () => {
  assert.throws(() => decodeEap(Buffer.from([1, 1, 0])), /truncated EAP packet/);
  assert.throws(() => decodeEap(Buffer.from([1, 1, 0, 9, 1])), /Length field 9/);
  assert.throws(() => decodeEap(Buffer.from([1, 1, 0, 3])), /Length field 3/);
  assert.throws(() => decodeEap(Buffer.from([9, 1, 0, 4])), /unknown code 9/);
  assert.throws(() => decodeEap(Buffer.from([3, 1, 0, 5, 0])), /must be 4/);
  assert.throws(() => decodeEap(Buffer.from([1, 1, 0, 4])), /truncated/); // request without type
  assert.throws(() => encodeEap({ code: 1, identifier: 1, data: Buffer.alloc(0) }), /needs a type/);
  assert.throws(() => encodeEap({ code: 1, identifier: 1, type: 1, data: Buffer.alloc(70000) }), /16-bit/);
  assert.match(describeEap(Buffer.from([1])), /malformed/);
});

test('MSCHAPv2 packets round trip; MS-Length checked; acks', () => {
  const ch = { op: 'challenge' as const, id: 3, challenge: Buffer.alloc(16, 0xab), name: 'gw' };
  const e = encodeMschap(ch);
  assert.equal(e.readUInt16BE(2), e.length);
  assert.deepEqual(decodeMschap(e, false), ch);
  const resp = { op: 'response' as const, id: 3, peerChallenge: Buffer.alloc(16, 1), ntResponse: Buffer.alloc(24, 2), flags: 0, name: 'alice' };
  const re = encodeMschap(resp);
  assert.equal(re.length, 4 + 1 + 49 + 5);
  assert.deepEqual(decodeMschap(re, true), resp);
  const s = { op: 'success' as const, id: 4, message: 'S=00 M=hi' };
  assert.deepEqual(decodeMschap(encodeMschap(s), false), s);
  assert.deepEqual(decodeMschap(Buffer.from([3]), true), { op: 'success-ack' });
  assert.deepEqual(decodeMschap(Buffer.from([4]), true), { op: 'failure-ack' });
  const bad = Buffer.from(e);
  bad.writeUInt16BE(e.length + 1, 2);
  assert.throws(() => decodeMschap(bad, false), /MS-Length/);
  assert.throws(() => decodeMschap(e, true), /unexpected OpCode 1 from the peer/);
  const shortVal = Buffer.from(re);
  shortVal[4] = 48;
  assert.throws(() => decodeMschap(shortVal, true), /value size 48/);
  assert.throws(() => decodeMschap(re.subarray(0, 30), true), /MS-Length/);
  assert.equal(mschapUserName('CORP\\alice'), 'alice');
});
