/** RADIUS codec, authenticators and MS-MPPE keys: RFC 2865 example and a captured FreeRADIUS exchange. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  attrIpv4,
  attrString,
  attrU32,
  decodeRadiusPacket,
  decodeVendorSpecific,
  encodeRadiusPacket,
  findAttr,
  findVendorAttrs,
  joinAttribute,
  RadiusDecodeError,
  splitAttribute,
  vendorAttr,
} from '../../src/radius/packet';
import {
  encodeAccessRequest,
  encodeAccountingRequest,
  encodeResponse,
  verifyAccessRequest,
  verifyAccountingRequest,
  verifyResponse,
} from '../../src/radius/authenticator';
import { decryptMppeKey, encryptMppeKey } from '../../src/radius/mppe-key';
import { MS_ATTR, RADIUS_ATTR, RADIUS_CODE, RADIUS_VENDOR, radiusAttrName, radiusCodeName } from '../../src/radius/dictionary';
import { asymmetricStartKey, hashNtPasswordHash, masterKey, ntPasswordHash } from '../../src/eap/mschapv2';
import { CAPTURED } from './lib/captured-exchange';

// RFC 2865 section 7.1: user "nemo", password "arctangent", secret "xyzzy5461".
const RFC_REQ = Buffer.from('010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a80110050600000003', 'hex');
const RFC_ACCEPT = Buffer.from('0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103', 'hex');

describe('RADIUS packet codec', () => {
  it('decodes the RFC 2865 7.1 Access-Request and re-encodes it byte for byte', () => {
    const p = decodeRadiusPacket(RFC_REQ);
    assert.equal(p.code, RADIUS_CODE.ACCESS_REQUEST);
    assert.equal(p.identifier, 0);
    assert.equal(findAttr(p, RADIUS_ATTR.USER_NAME)?.toString(), 'nemo');
    assert.deepEqual(findAttr(p, RADIUS_ATTR.NAS_IP_ADDRESS), Buffer.from([192, 168, 1, 16]));
    assert.deepEqual(encodeRadiusPacket(p), RFC_REQ);
  });

  it('builds attributes', () => {
    const p = { code: 1, identifier: 7, authenticator: Buffer.alloc(16, 1), attributes: [attrString(1, 'nemo'), attrIpv4(4, '192.168.1.16'), attrU32(5, 3)] };
    assert.deepEqual(decodeRadiusPacket(encodeRadiusPacket(p)), p);
    assert.throws(() => attrIpv4(4, '300.1.1.1'), /not an IPv4 address/);
  });

  it('ignores padding after Length, rejects truncation and bad attribute lengths', () => {
    const padded = Buffer.concat([RFC_REQ, Buffer.alloc(10, 0xee)]);
    assert.deepEqual(encodeRadiusPacket(decodeRadiusPacket(padded)), RFC_REQ);
    assert.throws(() => decodeRadiusPacket(RFC_REQ.subarray(0, 19)), RadiusDecodeError);
    assert.throws(() => decodeRadiusPacket(RFC_REQ.subarray(0, 40)), /Length 56 exceeds the 40 bytes/);
    const bad = Buffer.from(RFC_REQ);
    bad[21] = 1; // User-Name length 1
    assert.throws(() => decodeRadiusPacket(bad), /User-Name has invalid length 1/);
    const over = Buffer.from(RFC_REQ);
    over[51] = 9; // last attribute claims 9 bytes, 6 left
    assert.throws(() => decodeRadiusPacket(over), /truncated/);
    const short = Buffer.from(RFC_REQ);
    short.writeUInt16BE(19, 2);
    assert.throws(() => decodeRadiusPacket(short), /Length 19 outside 20-4096/);
  });

  it('refuses to encode oversized attributes', () => {
    assert.throws(() => encodeRadiusPacket({ code: 1, identifier: 0, authenticator: Buffer.alloc(16), attributes: [{ type: 79, value: Buffer.alloc(254) }] }), /254 bytes exceed 253/);
  });

  it('splits EAP-Message at 253 bytes and joins it back', () => {
    const eap = Buffer.from(Array.from({ length: 600 }, (_, i) => i & 0xff));
    const parts = splitAttribute(RADIUS_ATTR.EAP_MESSAGE, eap);
    assert.deepEqual(parts.map((a) => a.value.length), [253, 253, 94]);
    const p = decodeRadiusPacket(encodeRadiusPacket({ code: 1, identifier: 1, authenticator: Buffer.alloc(16), attributes: [attrString(1, 'x'), ...parts] }));
    assert.deepEqual(joinAttribute(p, RADIUS_ATTR.EAP_MESSAGE), eap);
  });

  it('vendor-specific attributes round trip; a malformed one is rejected', () => {
    const a = vendorAttr(RADIUS_VENDOR.MICROSOFT, MS_ATTR.MS_PRIMARY_DNS_SERVER, Buffer.from([10, 0, 0, 53]));
    assert.deepEqual(decodeVendorSpecific(a.value), [{ vendor: 311, type: 28, value: Buffer.from([10, 0, 0, 53]) }]);
    const bad = Buffer.from(a.value);
    bad[5] = 20;
    assert.throws(() => decodeVendorSpecific(bad), RadiusDecodeError);
  });

  it('names codes and attributes as FreeRADIUS does', () => {
    assert.equal(radiusCodeName(11), 'Access-Challenge');
    assert.equal(radiusAttrName(8), 'Framed-IP-Address');
    assert.equal(radiusAttrName(44), 'Acct-Session-Id');
    assert.equal(radiusAttrName(17, 311), 'MS-MPPE-Recv-Key');
    assert.equal(radiusAttrName(250), 'Attr-250');
  });
});

describe('RADIUS authenticators', () => {
  it('verifies the RFC 2865 7.1 Response Authenticator, and fails with another secret', () => {
    const reqAuth = RFC_REQ.subarray(4, 20);
    assert.deepEqual(verifyResponse(RFC_ACCEPT, reqAuth, 'xyzzy5461', false), { ok: true });
    assert.equal(verifyResponse(RFC_ACCEPT, reqAuth, 'xyzzy5462', false).ok, false);
    assert.equal(verifyResponse(RFC_ACCEPT, reqAuth, 'xyzzy5461', true).ok, false, 'no Message-Authenticator when required');
    assert.equal(verifyResponse(RFC_ACCEPT, Buffer.alloc(16), 'xyzzy5461', false).ok, false);
  });

  it('verifies every packet of a captured FreeRADIUS EAP exchange (Response Authenticator + Message-Authenticator)', () => {
    const pk = CAPTURED.packets;
    for (let i = 0; i < pk.length; i += 2) {
      assert.deepEqual(verifyAccessRequest(pk[i], CAPTURED.secret, true), { ok: true }, `request ${i}`);
      assert.deepEqual(verifyResponse(pk[i + 1], pk[i].subarray(4, 20), CAPTURED.secret, true), { ok: true }, `reply ${i + 1}`);
      assert.equal(verifyResponse(pk[i + 1], pk[i].subarray(4, 20), 'other', true).ok, false);
    }
    const tampered = Buffer.from(pk[3]);
    tampered[30] ^= 1;
    assert.equal(verifyResponse(tampered, pk[2].subarray(4, 20), CAPTURED.secret, true).ok, false);
  });

  it('re-encoding a captured Access-Request with its authenticator reproduces it exactly', () => {
    const raw = CAPTURED.packets[2];
    const p = decodeRadiusPacket(raw);
    const { raw: again } = encodeAccessRequest({ code: p.code, identifier: p.identifier, authenticator: p.authenticator, attributes: p.attributes }, CAPTURED.secret);
    assert.deepEqual(again, raw);
  });

  it('signs responses and accounting requests verifiably', () => {
    const req = encodeAccessRequest({ code: 1, identifier: 9, attributes: [attrString(1, 'u')] }, 's3cret');
    assert.deepEqual(verifyAccessRequest(req.raw, 's3cret', true), { ok: true });
    assert.equal(verifyAccessRequest(req.raw, 'other', true).ok, false);
    const resp = encodeResponse({ code: 2, identifier: 9, attributes: [attrU32(6, 2)] }, req.authenticator, 's3cret');
    assert.deepEqual(verifyResponse(resp, req.authenticator, 's3cret', true), { ok: true });
    const acct = encodeAccountingRequest({ code: 4, identifier: 3, attributes: [attrU32(40, 1), attrString(44, 'x')] }, 's3cret');
    assert.deepEqual(verifyAccountingRequest(acct.raw, 's3cret'), { ok: true });
    assert.equal(verifyAccountingRequest(acct.raw, 'nope').ok, false);
  });
});

describe('MS-MPPE keys (RFC 2548)', () => {
  it('decrypts the keys of a captured FreeRADIUS Access-Accept to the RFC 3079 keys of the MSCHAPv2 exchange', () => {
    const accept = decodeRadiusPacket(CAPTURED.packets[5]);
    const reqAuth = CAPTURED.packets[4].subarray(4, 20);
    const recv = decryptMppeKey(findVendorAttrs(accept, 311, MS_ATTR.MS_MPPE_RECV_KEY)[0], CAPTURED.secret, reqAuth);
    const send = decryptMppeKey(findVendorAttrs(accept, 311, MS_ATTR.MS_MPPE_SEND_KEY)[0], CAPTURED.secret, reqAuth);
    const mk = masterKey(hashNtPasswordHash(ntPasswordHash(CAPTURED.password)), CAPTURED.ntResponse);
    assert.deepEqual(recv, asymmetricStartKey(mk, false, true));
    assert.deepEqual(send, asymmetricStartKey(mk, true, true));
    assert.deepEqual(Buffer.concat([recv, send, Buffer.alloc(32)]), CAPTURED.msk);
  });

  it('a wrong secret or request authenticator is detected or yields other bytes', () => {
    const accept = decodeRadiusPacket(CAPTURED.packets[5]);
    const v = findVendorAttrs(accept, 311, MS_ATTR.MS_MPPE_RECV_KEY)[0];
    const good = decryptMppeKey(v, CAPTURED.secret, CAPTURED.packets[4].subarray(4, 20));
    let other: Buffer | null = null;
    try {
      other = decryptMppeKey(v, 'wrong', CAPTURED.packets[4].subarray(4, 20));
    } catch (e) {
      assert.match((e as Error).message, /wrong shared secret/);
    }
    if (other) assert.notDeepEqual(other, good);
    assert.throws(() => decryptMppeKey(v.subarray(0, 17), CAPTURED.secret, Buffer.alloc(16)), /multiple of 16/);
  });

  it('encrypt/decrypt round trip for 16, 32 and 64 byte keys', () => {
    for (const n of [16, 32, 64]) {
      const key = Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff));
      const ra = Buffer.alloc(16, 0x42);
      const enc = encryptMppeKey(key, 'sec', ra);
      assert.equal(enc.length, 2 + Math.ceil((n + 1) / 16) * 16);
      assert.ok(enc[0] & 0x80);
      assert.deepEqual(decryptMppeKey(enc, 'sec', ra), key);
    }
  });
});
