/**
 * The SK decrypt-then-parse path under fixed keys (AES-CBC + HMAC-SHA2-256-128,
 * AES-GCM-16, ChaCha20-Poly1305). A valid inner chain is mutated before it is
 * sealed, so the mutations reach the inner payload parser; separately the
 * sealed message (header, SK header, IV, ciphertext, ICV) is mutated.
 * Properties: opening an unmodified message gives back exactly the sealed
 * plaintext; any modified ciphertext fails the integrity check; the errors
 * are DecodeError, IntegrityError, or skOpen's "SK:" length errors, never others.
 */
import fc from 'fast-check';
import { DecodeError } from '../../../src/wire/decode-error';
import { EXCHANGE, ENCR, FLAG, INTEG, PAYLOAD } from '../../../src/wire/iana';
import { decodeInner, decodeMessage, encodeMessage } from '../../../src/ikev2/payloads/message';
import type { SkPayload } from '../../../src/ikev2/payloads/payload-types';
import { encrById } from '../../../src/crypto/encr';
import { integById } from '../../../src/crypto/integ';
import { IntegrityError } from '../../../src/crypto/errors';
import { skBodyLength, skOpen, skSeal, SkSuite } from '../../../src/crypto/sk-seal';
import { header } from '../../ikev2/codec-fixtures';
import { bytesFrom, check, decodeOnly, mutate, Mutation, mutationArb, PropertyViolation, FuzzTarget, corpus } from '../harness';
import { innerChainSeeds } from '../ike-seeds';

export const SUITES: Array<{ suite: SkSuite; enc: Buffer; integ: Buffer | null }> = [
  { suite: { encr: encrById(ENCR.AES_CBC, 128), integ: integById(INTEG.HMAC_SHA2_256_128) }, enc: Buffer.alloc(16, 0xa5), integ: Buffer.alloc(32, 0x5a) },
  { suite: { encr: encrById(ENCR.AES_GCM_16, 256), integ: null }, enc: Buffer.alloc(36, 0xc3), integ: null },
  { suite: { encr: encrById(ENCR.CHACHA20_POLY1305), integ: null }, enc: Buffer.alloc(36, 0x3c), integ: null },
];

/** Inner chains: the corpus files hold <first type byte><chain bytes>. */
export function innerSeeds(): Buffer[] {
  return [...corpus('ike-sk'), ...innerChainSeeds().map((c) => Buffer.concat([Buffer.from([c.first]), c.bytes]))];
}

export function isSkOpenError(e: unknown): boolean {
  return e instanceof IntegrityError || (e instanceof Error && e.constructor === Error && e.message.startsWith('SK: '));
}

/** Seals `plain` (first inner type `first`) into a whole IKE_AUTH message. */
export function sealSk(s: (typeof SUITES)[number], first: number, plain: Buffer): Buffer {
  const bodyLen = skBodyLength(s.suite, plain.length);
  const sk: SkPayload = { type: PAYLOAD.SK, innerFirst: first, data: Buffer.alloc(bodyLen) };
  const msg = encodeMessage(header(EXCHANGE.IKE_AUTH, FLAG.INITIATOR, 1), [sk]);
  skSeal(s.suite, s.enc, s.integ, msg.subarray(0, msg.length - bodyLen), plain, msg.subarray(msg.length - bodyLen));
  return msg;
}

interface Input {
  suite: number;
  /** first byte = inner first payload type, rest = the (mutated) inner chain */
  inner: Buffer;
  /** mutations of the sealed message (empty: untouched) */
  sealed: Mutation[];
}

export const target: FuzzTarget<Input> = {
  name: 'ike-sk',
  sources: ['src/crypto/sk-seal.ts', 'src/ikev2/payloads/message.ts', 'src/ikev2/payloads/payload-chain.ts', 'src/wire/reader.ts', 'src/ikev2/payloads/'],
  seeds: innerSeeds,
  arbitrary: fc.record({
    suite: fc.nat({ max: SUITES.length - 1 }),
    inner: bytesFrom(innerSeeds, 4096).filter((b) => b.length >= 1),
    sealed: fc.oneof({ weight: 3, arbitrary: fc.constant([] as Mutation[]) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) }),
  }),
  run({ suite, inner, sealed }) {
    const s = SUITES[suite];
    const first = inner[0];
    const plain = inner.subarray(1);
    const orig = sealSk(s, first, plain);
    const msgBytes = sealed.length ? mutate(orig, sealed) : orig;
    if (msgBytes.length >= 28) msgBytes.writeUInt32BE(msgBytes.length, 24);
    const m = decodeOnly('decodeMessage(sealed)', () => decodeMessage(msgBytes), (e) => e instanceof DecodeError);
    if (!m) {
      check(sealed.length > 0, 'an unmodified sealed message did not decode');
      return;
    }
    const last = m.payloads[m.payloads.length - 1];
    if (!last || last.type !== PAYLOAD.SK) return;
    const sk = last as SkPayload;
    const aad = msgBytes.subarray(0, msgBytes.length - sk.data.length);
    const opened = decodeOnly('skOpen', () => skOpen(s.suite, s.enc, s.integ, aad, sk.data), isSkOpenError);
    const unchanged = msgBytes.equals(orig);
    if (unchanged) {
      check(opened !== undefined && opened.equals(plain), 'skOpen of an unmodified message did not return the sealed plaintext');
    } else if (opened !== undefined) {
      throw new PropertyViolation('a modified SK message passed the integrity check');
    }
    if (!opened) return;
    decodeOnly('decodeInner', () => decodeInner(sk.innerFirst, opened), (e) => e instanceof DecodeError);
  },
};
