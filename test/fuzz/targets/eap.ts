/**
 * EAP packets (decodeEap, describeEap) and EAP-MSCHAPv2 type data
 * (decodeMschap, both directions). The modules throw plain Errors whose
 * message names the layer ("EAP ...", "EAP-MSCHAPv2 ...") or the Reader's
 * DecodeError; nothing else. A decoded EAP packet re-encodes to the same bytes.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { DecodeError } from '../../../src/wire/decode-error';
import { decodeEap, describeEap, encodeEap } from '../../../src/ikev2/payloads/eap-message';
import { decodeMschap, encodeMschap } from '../../../src/eap/mschapv2-packet';
import { decodeRadiusPacket, joinAttribute } from '../../../src/radius/packet';
import { RADIUS_ATTR } from '../../../src/radius/dictionary';
import { CAPTURED } from '../../radius/lib/captured-exchange';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';

export function isEapError(e: unknown): boolean {
  return e instanceof DecodeError || (e instanceof Error && e.constructor === Error && /^EAP[ -]/.test(e.message));
}

function seeds(): Buffer[] {
  const out = corpus('eap');
  for (const raw of CAPTURED.packets) {
    const m = joinAttribute(decodeRadiusPacket(raw), RADIUS_ATTR.EAP_MESSAGE);
    if (m) out.push(m);
  }
  const ch = Buffer.alloc(16, 7);
  for (const p of [
    encodeMschap({ op: 'challenge', id: 1, challenge: ch, name: 'iked' }),
    encodeMschap({ op: 'response', id: 1, peerChallenge: ch, ntResponse: Buffer.alloc(24, 9), flags: 0, name: 'DOMAIN\\alice' }),
    encodeMschap({ op: 'success', id: 1, message: 'S=0123456789ABCDEF0123456789ABCDEF01234567 M=ok' }),
    encodeMschap({ op: 'failure', id: 1, message: 'E=691 R=1 C=00000000000000000000000000000000 V=3 M=no' }),
    Buffer.from([3]),
    Buffer.from([4]),
  ]) {
    out.push(encodeEap({ code: 1, identifier: 5, type: 26, data: p }));
    out.push(encodeEap({ code: 2, identifier: 5, type: 26, data: p }));
  }
  out.push(encodeEap({ code: 3, identifier: 5, data: Buffer.alloc(0) }), encodeEap({ code: 2, identifier: 0, type: 1, data: Buffer.from('alice') }));
  return out;
}

export const target: FuzzTarget<[Buffer, boolean]> = {
  name: 'eap',
  sources: ['src/ikev2/payloads/eap-message.ts', 'src/eap/mschapv2-packet.ts', 'src/wire/reader.ts'],
  seeds,
  arbitrary: fc.tuple(bytesFrom(seeds, 2048), fc.boolean()),
  run([buf, fixLength]) {
    if (fixLength && buf.length >= 4) buf.writeUInt16BE(buf.length & 0xffff, 2);
    const d = decodeOnly('describeEap', () => describeEap(buf), () => false);
    check(typeof d === 'string', 'describeEap returned no text');
    const p = decodeOnly('decodeEap', () => decodeEap(buf), isEapError);
    if (!p) return;
    check(encodeEap(p).equals(buf), 're-encoding a decoded EAP packet changed it');
    if (p.type !== 26) return;
    for (const fromPeer of [true, false]) {
      const m = decodeOnly(`decodeMschap(fromPeer=${fromPeer})`, () => decodeMschap(p.data, fromPeer), isEapError);
      if (m && m.op !== 'success-ack' && m.op !== 'failure-ack' && (m.op !== 'response' || m.flags === 0)) {
        // a decoded packet re-encodes, and decoding that gives the same packet
        const again = decodeOnly('encodeMschap(decoded)', () => encodeMschap(m), () => false)!;
        const m2 = decodeOnly('decodeMschap(re-encoded)', () => decodeMschap(again, fromPeer), () => false);
        check(isDeepStrictEqual(m2, m), `decoding a re-encoded MSCHAPv2 ${m.op} gives something else`);
      }
    }
  },
};
