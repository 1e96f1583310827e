/**
 * IKE header + payload chain (decodeMessage): mutated messages decode or throw
 * DecodeError; whatever decodes re-encodes, and decoding that again gives the
 * same bytes (encode . decode is idempotent).
 */
import fc from 'fast-check';
import { DecodeError } from '../../../src/wire/decode-error';
import { decodeMessage, encodeMessage } from '../../../src/ikev2/payloads/message';
import { PAYLOAD } from '../../../src/wire/iana';
import type { IkeMessage } from '../../../src/ikev2/payloads/payload-types';
import { bytesFrom, check, corpus, decodeOnly, FuzzTarget } from '../harness';
import { ikeMessageSeeds } from '../ike-seeds';

const seeds = (): Buffer[] => [...corpus('ike-message'), ...ikeMessageSeeds()];

function withLength(b: Buffer): Buffer {
  if (b.length >= 28) b.writeUInt32BE(b.length, 24);
  return b;
}

export const target: FuzzTarget<Buffer> = {
  name: 'ike-message',
  sources: ['src/ikev2/payloads/header.ts', 'src/ikev2/payloads/payload-chain.ts', 'src/ikev2/payloads/message.ts', 'src/wire/reader.ts', 'src/ikev2/payloads/'],
  seeds,
  // most inputs get their header length fixed so the mutation reaches the payload chain
  arbitrary: fc.tuple(bytesFrom(seeds, 8192), fc.nat({ max: 9 })).map(([b, k]) => (k < 8 ? withLength(b) : b)),
  run(buf) {
    const m = decodeOnly('decodeMessage', () => decodeMessage(buf), (e) => e instanceof DecodeError);
    if (!m) return;
    if (m.payloads.some((p) => p.type === PAYLOAD.SK || p.type === PAYLOAD.SKF)) return;
    let again: IkeMessage | undefined;
    let bytes: Buffer;
    try {
      bytes = encodeMessage(m.header, m.payloads);
      again = decodeMessage(bytes);
    } catch (e) {
      throw new Error(`re-encoding a decoded message failed: ${(e as Error).constructor.name}: ${(e as Error).message}`);
    }
    const bytes2 = encodeMessage(again.header, again.payloads);
    check(bytes.equals(bytes2), 'encode(decode(encode(decode(x)))) differs from encode(decode(x))');
  },
};
