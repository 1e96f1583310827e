/** Sample payloads of every type, shared by the codec tests. */
import {
  AUTH, CERT, CFG, CFG_ATTR, DH, ENCR, EXCHANGE, FLAG, ID, INTEG, IPPROTO, NOTIFY, PAYLOAD, PRF, PROTOCOL, TRANSFORM, TS,
} from '../../src/wire/iana';
import type { IkeHeader, Payload } from '../../src/ikev2/payloads/payload-types';

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
}

export function header(exchange: number = EXCHANGE.IKE_SA_INIT, flags: number = FLAG.INITIATOR, messageId = 0): IkeHeader {
  return {
    spiI: hex('0102030405060708'),
    spiR: hex('0000000000000000'),
    nextPayload: 0,
    majorVersion: 2,
    minorVersion: 0,
    exchange,
    flags,
    messageId,
    length: 0,
  };
}

/** One (or more) sample of every payload type; keys name the case. */
export function samplePayloads(): Record<string, Payload> {
  return {
    sa: {
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
        {
          num: 2,
          protocol: PROTOCOL.IKE,
          spi: hex('a1a2a3a4a5a6a7a8'),
          transforms: [
            {
              type: TRANSFORM.ENCR,
              id: ENCR.AES_GCM_16,
              keyLength: 128,
              extraAttributes: [
                { type: 99, value: 7 },
                { type: 100, value: hex('deadbeef') },
              ],
            },
          ],
        },
      ],
    },
    saEsp: {
      type: PAYLOAD.SA,
      proposals: [
        { num: 1, protocol: PROTOCOL.ESP, spi: hex('c0ffee01'), transforms: [{ type: TRANSFORM.ESN, id: 0 }] },
        { num: 1, protocol: PROTOCOL.AH, spi: hex('c0ffee02'), transforms: [] },
      ],
    },
    ke: { type: PAYLOAD.KE, group: DH.ECP_256, data: Buffer.alloc(64, 0x11) },
    idi: { type: PAYLOAD.IDi, idType: ID.FQDN, data: Buffer.from('moon.example.org') },
    idr: { type: PAYLOAD.IDr, idType: ID.IPV4_ADDR, data: hex('c0000201'), critical: true },
    cert: { type: PAYLOAD.CERT, encoding: CERT.PKCS7_X509, data: hex('308201') },
    certreq: { type: PAYLOAD.CERTREQ, encoding: CERT.X509_SIG, data: Buffer.alloc(20, 0xab) },
    auth: { type: PAYLOAD.AUTH, method: AUTH.SHARED_KEY_MIC, data: Buffer.alloc(32, 0x5a) },
    nonce: { type: PAYLOAD.NONCE, data: Buffer.alloc(32, 0x22) },
    notify: { type: PAYLOAD.NOTIFY, protocol: 0, spi: Buffer.alloc(0), notifyType: NOTIFY.NAT_DETECTION_SOURCE_IP, data: Buffer.alloc(20, 0x33) },
    notifySpi: { type: PAYLOAD.NOTIFY, protocol: PROTOCOL.ESP, spi: hex('01020304'), notifyType: NOTIFY.REKEY_SA, data: Buffer.alloc(0) },
    deleteIke: { type: PAYLOAD.DELETE, protocol: PROTOCOL.IKE, spiSize: 0, spis: [] },
    deleteEsp: { type: PAYLOAD.DELETE, protocol: PROTOCOL.ESP, spiSize: 4, spis: [hex('11111111'), hex('22222222')] },
    vendor: { type: PAYLOAD.VENDOR, data: Buffer.from('strongSwan') },
    tsi: {
      type: PAYLOAD.TSi,
      selectors: [
        { tsType: TS.IPV4_ADDR_RANGE, ipProtocol: IPPROTO.ANY, startPort: 0, endPort: 65535, startAddr: hex('0a000000'), endAddr: hex('0a0000ff') },
        { tsType: TS.IPV6_ADDR_RANGE, ipProtocol: IPPROTO.TCP, startPort: 443, endPort: 443, startAddr: Buffer.alloc(16, 0), endAddr: Buffer.alloc(16, 0xff) },
      ],
    },
    tsr: {
      type: PAYLOAD.TSr,
      selectors: [
        { tsType: TS.IPV4_ADDR_RANGE, ipProtocol: IPPROTO.ICMP, startPort: 65535, endPort: 0, startAddr: hex('c0a80001'), endAddr: hex('c0a80001') },
      ],
    },
    cp: {
      type: PAYLOAD.CP,
      cfgType: CFG.REQUEST,
      attributes: [
        { type: CFG_ATTR.INTERNAL_IP4_ADDRESS, value: Buffer.alloc(0) },
        { type: CFG_ATTR.INTERNAL_IP4_DNS, value: hex('08080808') },
      ],
    },
    eap: { type: PAYLOAD.EAP, message: hex('02 01 000a 01 616c696365') } /* Response/Identity "alice" */,
    unknown: { type: 200, unknown: true, body: hex('cafe') },
    sk: { type: PAYLOAD.SK, innerFirst: PAYLOAD.IDi, data: Buffer.alloc(48, 0x77) },
    skf: { type: PAYLOAD.SKF, innerFirst: 0, fragmentNumber: 2, totalFragments: 3, data: Buffer.alloc(40, 0x66) },
  };
}

export const KE_DATA = '11'.repeat(64);
export const NONCE = '22'.repeat(32);
export const NATD_S = '33'.repeat(20);
export const NATD_D = '44'.repeat(20);

/** An IKE_SA_INIT request laid out by hand from RFC 7296 sections 3.1-3.10. */
export const SA_INIT_HEX = `
  0102030405060708 0000000000000000  21 20 22 08  00000000 000000f0
  22 00 0030
    00 00 002c  01 01 00 04
      03 00 000c  01 00 000c  800e 0100
      03 00 0008  02 00 0005
      03 00 0008  03 00 000c
      00 00 0008  04 00 0013
  28 00 0048  0013 0000 ${KE_DATA}
  29 00 0024  ${NONCE}
  29 00 001c  00 00 4004 ${NATD_S}
  00 00 001c  00 00 4005 ${NATD_D}
`;

