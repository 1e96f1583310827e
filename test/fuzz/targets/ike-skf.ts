/**
 * Fragment reassembly (RFC 7383) under fixed keys: a mutated inner chain is
 * split into 1-5 SKF fragments, each sealed, optionally tampered with, and
 * fed to a FragmentReassembler in a fuzzed order (with duplicates).
 * Properties: add() never throws; with untouched fragments all delivered
 * the result is 'complete' exactly when decodeInner accepts the plaintext
 * (and then equal to it); a tampered fragment is never accepted.
 */
import fc from 'fast-check';
import { DecodeError } from '../../../src/wire/decode-error';
import { EXCHANGE, FLAG, PAYLOAD } from '../../../src/wire/iana';
import { decodeInner, decodeMessage, encodeMessage } from '../../../src/ikev2/payloads/message';
import type { Payload, SkfPayload } from '../../../src/ikev2/payloads/payload-types';
import { FragmentReassembler } from '../../../src/ikev2/exchange/fragmentation';
import { skBodyLength, skSeal } from '../../../src/crypto/sk-seal';
import { header } from '../../ikev2/codec-fixtures';
import { bytesFrom, check, decodeOnly, mutate, Mutation, mutationArb, FuzzTarget, PropertyViolation } from '../harness';
import { innerSeeds, SUITES } from './ike-sk';

interface Input {
  suite: number;
  inner: Buffer;
  parts: number;
  /** delivery order: indexes into the fragments (mod count) */
  order: number[];
  /** per delivery, mutations of the sealed fragment (mostly none) */
  tamper: Mutation[][];
  /** declared total (0: the real count) */
  declaredTotal: number;
}

function sealSkf(s: (typeof SUITES)[number], first: number, n: number, total: number, plain: Buffer): Buffer {
  const bodyLen = skBodyLength(s.suite, plain.length);
  const skf: SkfPayload = { type: PAYLOAD.SKF, innerFirst: n === 1 ? first : 0, fragmentNumber: n, totalFragments: total, data: Buffer.alloc(bodyLen) };
  const msg = encodeMessage(header(EXCHANGE.IKE_AUTH, FLAG.INITIATOR, 7), [skf]);
  skSeal(s.suite, s.enc, s.integ, msg.subarray(0, msg.length - bodyLen), plain, msg.subarray(msg.length - bodyLen));
  return msg;
}

function sameInner(a: Payload[], b: Payload[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const target: FuzzTarget<Input> = {
  name: 'ike-skf',
  sources: ['src/ikev2/exchange/fragmentation.ts', 'src/crypto/sk-seal.ts', 'src/ikev2/payloads/body/sk.ts'],
  seeds: innerSeeds,
  arbitrary: fc.record({
    suite: fc.nat({ max: SUITES.length - 1 }),
    inner: bytesFrom(innerSeeds, 2048).filter((b) => b.length >= 1),
    parts: fc.integer({ min: 1, max: 5 }),
    order: fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 8 }),
    tamper: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant([] as Mutation[]) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }), { maxLength: 8 }),
    declaredTotal: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 70 }) }),
  }),
  run({ suite, inner, parts, order, tamper, declaredTotal }) {
    const s = SUITES[suite];
    const first = inner[0];
    const plain = inner.subarray(1);
    const count = Math.max(1, Math.min(parts, plain.length));
    const total = declaredTotal || count;
    const size = Math.ceil(plain.length / count) || 1;
    const frags: Buffer[] = [];
    for (let i = 0; i < count; i++) frags.push(sealSkf(s, first, i + 1 > total ? total : i + 1, total, plain.subarray(i * size, (i + 1) * size)));
    const r = new FragmentReassembler();
    const delivered = new Set<number>();
    let tampered = false;
    let complete: Payload[] | undefined;
    for (let k = 0; k < order.length && complete === undefined; k++) {
      const idx = order[k] % count;
      const ms = tamper[k] ?? [];
      const raw = ms.length ? mutate(frags[idx], ms) : Buffer.from(frags[idx]);
      if (raw.length >= 28) raw.writeUInt32BE(raw.length, 24);
      const changed = !raw.equals(frags[idx]);
      const m = decodeOnly('decodeMessage(fragment)', () => decodeMessage(raw), (e) => e instanceof DecodeError);
      if (!m) {
        check(changed, 'an untouched fragment did not decode');
        continue;
      }
      const last = m.payloads[m.payloads.length - 1];
      if (!last || last.type !== PAYLOAD.SKF) continue;
      const res = decodeOnly('FragmentReassembler.add', () => r.add(s.suite, { enc: s.enc, integ: s.integ }, m, raw), () => false, false)!;
      if (changed && res.kind !== 'dropped') throw new PropertyViolation(`a tampered fragment was accepted (${res.kind})`);
      if (changed) tampered = true;
      else delivered.add(idx);
      if (res.kind === 'complete') complete = res.inner;
    }
    if (declaredTotal || tampered) return;
    const all = delivered.size === count;
    let expected: Payload[] | undefined;
    try {
      expected = decodeInner(first, plain);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    if (all && expected) check(complete !== undefined && sameInner(complete, expected), 'all fragments delivered but the message was not reassembled to the sealed chain');
    if (complete !== undefined) check(all && expected !== undefined, 'reassembled before all fragments arrived, or from a chain that does not decode');
  },
};
