import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../../src/ikev2/payloads/message';
import { describeMessage, describePayloads } from '../../src/ikev2/payloads/describe';
import { DH, ENCR, EXCHANGE, FLAG, INTEG, NOTIFY, PAYLOAD, PRF, PROTOCOL, TRANSFORM } from '../../src/wire/iana';
import type { IkeMessage, NotifyPayload } from '../../src/ikev2/payloads/payload-types';
import { KE_DATA, NATD_D, NATD_S, NONCE, SA_INIT_HEX, header, hex, samplePayloads } from './codec-fixtures';

const expected: IkeMessage = {
  header: {
    spiI: hex('0102030405060708'),
    spiR: Buffer.alloc(8),
    nextPayload: PAYLOAD.SA,
    majorVersion: 2,
    minorVersion: 0,
    exchange: EXCHANGE.IKE_SA_INIT,
    flags: FLAG.INITIATOR,
    messageId: 0,
    length: 240,
  },
  payloads: [
    {
      type: PAYLOAD.SA,
      proposals: [
        {
          num: 1,
          protocol: PROTOCOL.IKE,
          spi: Buffer.alloc(0),
          transforms: [
            { type: TRANSFORM.ENCR, id: ENCR.AES_CBC, keyLength: 256 },
            { type: TRANSFORM.PRF, id: PRF.HMAC_SHA2_256 },
            { type: TRANSFORM.INTEG, id: INTEG.HMAC_SHA2_256_128 },
            { type: TRANSFORM.DH, id: DH.ECP_256 },
          ],
        },
      ],
    },
    { type: PAYLOAD.KE, group: DH.ECP_256, data: hex(KE_DATA) },
    { type: PAYLOAD.NONCE, data: hex(NONCE) },
    { type: PAYLOAD.NOTIFY, protocol: 0, spi: Buffer.alloc(0), notifyType: NOTIFY.NAT_DETECTION_SOURCE_IP, data: hex(NATD_S) },
    { type: PAYLOAD.NOTIFY, protocol: 0, spi: Buffer.alloc(0), notifyType: NOTIFY.NAT_DETECTION_DESTINATION_IP, data: hex(NATD_D) },
  ],
};

test('hand-built IKE_SA_INIT request decodes to the expected structure', () => {
  const buf = hex(SA_INIT_HEX);
  assert.equal(buf.length, 240);
  const m = decodeMessage(buf);
  assert.deepEqual(m, expected);
});

test('hand-built IKE_SA_INIT request re-encodes to the same bytes', () => {
  const buf = hex(SA_INIT_HEX);
  assert.deepEqual(encodeMessage(expected.header, expected.payloads), buf);
  const h = { ...expected.header, nextPayload: 0, length: 0 };
  assert.deepEqual(encodeMessage(h, expected.payloads), buf, 'nextPayload and length are computed');
});

test('describeMessage: strongSwan-style summary', () => {
  assert.equal(describeMessage(decodeMessage(hex(SA_INIT_HEX))), 'IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]');
  const s = samplePayloads();
  const n = s.notify as NotifyPayload;
  const nSpi = s.notifySpi as NotifyPayload;
  const resp: IkeMessage = {
    header: { ...header(EXCHANGE.IKE_AUTH, FLAG.RESPONSE, 1) },
    payloads: [s.idr, s.auth, s.sa, s.tsi, s.tsr],
  };
  assert.equal(describeMessage(resp), 'IKE_AUTH response 1 [ IDr AUTH SA TSi TSr ]');
  assert.equal(describeMessage({ header: header(EXCHANGE.INFORMATIONAL, 0, 7), payloads: [] }), 'INFORMATIONAL request 7 [ ]');
  assert.equal(
    describePayloads([s.idi, s.cert, s.certreq, s.deleteEsp, s.vendor, s.cp, s.eap, s.unknown, s.sk]),
    'IDi CERT CERTREQ D V CP EAP PAYLOAD_200 SK',
  );
  assert.equal(describePayloads([s.skf]), 'SKF(2/3)');
  assert.equal(
    describePayloads([{ ...nSpi, notifyType: NOTIFY.IKEV2_FRAGMENTATION_SUPPORTED }, { ...n, notifyType: 40000 }]),
    'N(FRAG_SUP) N(NOTIFY_40000)',
  );
  assert.equal(describePayloads([{ ...n, notifyType: NOTIFY.PUZZLE }]), 'N(PUZZLE)');
});
