/**
 * Privsep message checks (messages.ts over check.ts) on arbitrary values as
 * v8.deserialize can produce them (objects, arrays, Buffers, Maps, Dates,
 * numbers of every kind, field names the messages use). Property: each check
 * returns or throws IpcCheckError; what it returns checks again to an equal value.
 */
import * as v8 from 'node:v8';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import * as messages from '../../../src/proc/privsep/messages';
import { IpcCheckError, type Check } from '../../../src/proc/privsep/check';
import { check, decodeOnly, FuzzTarget } from '../harness';

const CHECKS: Array<[string, Check<unknown>]> = Object.entries(messages)
  .filter(([k, v]) => typeof v === 'function' && (k.endsWith('Check') || k === 'empty' || k === 'spiReply'))
  .map(([k, v]) => [k, v as Check<unknown>]);

const KEYS = [
  'type', 'src', 'dst', 'proto', 'protocol', 'spi', 'sa', 'update', 'f', 'add', 'ops', 't', 'b', 'v', 'e', 'hard', 'reqid', 'selector',
  'policy', 'localId', 'octets', 'peerHashAlgs', 'method', 'data', 'certs', 'encoding', 'policies', 'options', 'ocsp', 'dir', 'opts',
  'configFile', 'socketPath', 'verbose', 'ikePort', 'nattPort', 'natt', 'passive', 'foreground', 'macros', 'name', 'auth', 'psk',
  'mode', 'what', 'arg', 'bytes', 'packets', 'lastUse', 'enc', 'integ', 'encKey', 'integKey', 'lifetime', 'encap', 'esn', 'replayWindow',
  'verified', 'signed', 'certRequest', 'hashAlgorithms', 'config', 'flows', 'address', 'addresses', 'ifname', 'prefix', '__proto__', 'constructor',
];

const leaf = fc.oneof(
  fc.constantFrom('esp', 'ah', 'acquire', 'expire', 'migrate', 'psk', '192.0.2.1', '10.0.0.0/24', '::1', 'auto', ''),
  fc.string({ maxLength: 20 }),
  fc.integer(), fc.nat({ max: 70000 }), fc.constantFrom(0, -1, 0xffffffff, 2 ** 32, Number.MAX_SAFE_INTEGER, NaN, Infinity, -0, 1.5),
  fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
  fc.bigInt(), fc.date({ noInvalidDate: false }),
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('v'), { maxKeys: 8 }),
    fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie('v')), { maxLength: 3 }).map((e) => new Map(e)),
  ),
})).v;

export const target: FuzzTarget<[number, unknown]> = {
  name: 'privsep-check',
  sources: ['src/proc/privsep/check.ts', 'src/proc/privsep/messages.ts'],
  seeds: () => [],
  // the value goes through v8 serialisation as it does on the channel
  arbitrary: fc.tuple(fc.nat({ max: CHECKS.length - 1 }), value.map((v) => { try { return v8.deserialize(v8.serialize(v)); } catch { return null; } })),
  run([i, v]) {
    const [name, c] = CHECKS[i];
    const out = decodeOnly(name, () => c(v, name), (e) => e instanceof IpcCheckError);
    if (out === undefined) return;
    const again = decodeOnly(`${name} (again)`, () => c(out, name), () => false);
    check(isDeepStrictEqual(again, out), `${name}: a checked value checks to something else`);
  },
};
