/**
 * RADIUS datagrams from the server (captured FreeRADIUS exchange): the reply
 * authenticator check, decodeRadiusPacket, Vendor-Specific sub-attributes,
 * MS-MPPE key decryption and the EAP-Message inside. Errors allowed:
 * RadiusDecodeError (packet, VSA), the MS-MPPE Error; the verifiers never throw.
 * A decoded packet re-encodes to exactly its Length bytes.
 */
import fc from 'fast-check';
import { decodeRadiusPacket, decodeVendorSpecific, encodeRadiusPacket, findVendorAttrs, joinAttribute, RadiusDecodeError } from '../../../src/radius/packet';
import { verifyAccessRequest, verifyAccountingRequest, verifyResponse } from '../../../src/radius/authenticator';
import { decryptMppeKey } from '../../../src/radius/mppe-key';
import { MS_ATTR, RADIUS_ATTR, RADIUS_VENDOR, radiusAttrName, radiusCodeName } from '../../../src/radius/dictionary';
import { decodeEap } from '../../../src/ikev2/payloads/eap-message';
import { CAPTURED } from '../../radius/lib/captured-exchange';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';
import { isEapError } from './eap';

const seeds = (): Buffer[] => [...corpus('radius'), ...CAPTURED.packets];
const REQ_AUTH = Buffer.alloc(16, 0x42);

export const target: FuzzTarget<[Buffer, boolean]> = {
  name: 'radius',
  sources: ['src/radius/packet.ts', 'src/radius/dictionary.ts', 'src/radius/authenticator.ts', 'src/radius/mppe-key.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 4200), fc.boolean()),
  run([buf, fixLength]) {
    if (fixLength && buf.length >= 4) buf.writeUInt16BE(Math.min(buf.length, 0xffff), 2);
    const none = (): boolean => false;
    const v = decodeOnly('verifyResponse', () => verifyResponse(buf, REQ_AUTH, CAPTURED.secret, true), none)!;
    check(typeof v.ok === 'boolean', 'verifyResponse returned no verdict');
    decodeOnly('verifyAccessRequest', () => verifyAccessRequest(buf, CAPTURED.secret, false), none);
    decodeOnly('verifyAccountingRequest', () => verifyAccountingRequest(buf, CAPTURED.secret), none);
    const p = decodeOnly('decodeRadiusPacket', () => decodeRadiusPacket(buf), (e) => e instanceof RadiusDecodeError);
    if (!p) return;
    const len = buf.readUInt16BE(2);
    // the decoder accepts attribute type 0 (RFC 2865 has 1-255), which the encoder refuses
    if (p.attributes.some((a) => a.type === 0)) return;
    const again = decodeOnly('encodeRadiusPacket(decoded)', () => encodeRadiusPacket(p), none)!;
    check(again.equals(buf.subarray(0, len)), 're-encoding a decoded packet does not give its Length bytes back');
    radiusCodeName(p.code);
    for (const a of p.attributes) {
      radiusAttrName(a.type);
      if (a.type === RADIUS_ATTR.VENDOR_SPECIFIC) {
        const subs = decodeOnly('decodeVendorSpecific', () => decodeVendorSpecific(a.value), (e) => e instanceof RadiusDecodeError);
        for (const s of subs ?? []) radiusAttrName(s.type, s.vendor);
      }
    }
    for (const t of [MS_ATTR.MS_MPPE_RECV_KEY, MS_ATTR.MS_MPPE_SEND_KEY]) {
      for (const value of findVendorAttrs(p, RADIUS_VENDOR.MICROSOFT, t)) {
        decodeOnly('decryptMppeKey', () => decryptMppeKey(value, CAPTURED.secret, REQ_AUTH), (e) => e instanceof Error && e.constructor === Error && e.message.startsWith('MS-MPPE key attribute'));
      }
    }
    const eap = joinAttribute(p, RADIUS_ATTR.EAP_MESSAGE);
    if (eap) decodeOnly('decodeEap(EAP-Message)', () => decodeEap(eap), isEapError);
  },
};
