/**
 * Shared pieces of the fuzz targets: the target shape, seed corpora, a
 * mutation arbitrary (fast-check) over seed inputs, and the property check
 * "returns, or throws only the module's decode error, quickly".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';

export interface FuzzTarget<T = unknown> {
  name: string;
  /** Source files (relative to the repository) whose coverage the runner reports. */
  sources: string[];
  /** Seed inputs: the committed corpus plus any built in code. */
  seeds(): Array<Buffer | string>;
  arbitrary: fc.Arbitrary<T>;
  /** The property: throws (an AssertionError-like Error) when it does not hold. */
  run(input: T): void;
}

/** Longest time one decode may take before the property fails (ms); the unit test loosens it for loaded CI hosts. */
export const limits = { maxCallMs: Number(process.env.FUZZ_MAX_CALL_MS ?? 250) };

/** The repository root, from the sources or from dist/. */
export function repoRoot(): string {
  for (const c of [resolve(__dirname, '../..'), resolve(__dirname, '../../..')]) {
    if (existsSync(join(c, 'test/fuzz/corpus'))) return c;
  }
  throw new Error('test/fuzz/corpus not found');
}

/** The committed seed files of corpus/<name>/ (sorted by name). */
export function corpus(name: string): Buffer[] {
  const dir = join(repoRoot(), 'test/fuzz/corpus', name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.constructor?.name ?? 'Error'}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return `non-Error ${typeof e}: ${String(e)}`;
}

/**
 * Runs fn; it must return or throw an error accepted by `allowed`, within
 * limits.maxCallMs (`pure` false: fn has effects and is not run twice). Returns the value, or undefined when an allowed error was thrown.
 */
export function decodeOnly<R>(what: string, fn: () => R, allowed: (e: unknown) => boolean, pure = true): R | undefined {
  const once = (): { out: R | undefined; ms: number } => {
    const t0 = performance.now();
    let out: R | undefined;
    try {
      out = fn();
    } catch (e) {
      if (e instanceof PropertyViolation) throw e;
      if (!allowed(e)) throw new PropertyViolation(`${what}: unexpected ${describe(e)}`);
      out = undefined;
    }
    return { out, ms: performance.now() - t0 };
  };
  let r = once();
  // a GC pause or a busy host can make any one call slow: a pure decode is timed again, a stateful one gets 4x
  if (r.ms > limits.maxCallMs && pure) r = once();
  const limit = pure ? limits.maxCallMs : 4 * limits.maxCallMs;
  if (r.ms > limit) throw new PropertyViolation(`${what}: took ${r.ms.toFixed(1)} ms (limit ${limit})`);
  return r.out;
}

export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new PropertyViolation(message);
}

// ------------------------------------------------------------ mutations

const INTERESTING8 = [0, 1, 0x7f, 0x80, 0xff, 2, 3, 4, 0x40];
const INTERESTING16 = [0, 1, 3, 4, 5, 8, 0x7fff, 0x8000, 0xffff, 0x100, 0xfffe];
const INTERESTING32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0xffff];

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set8'; at: number; v: number }
  | { op: 'set16'; at: number; v: number }
  | { op: 'set32'; at: number; v: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'dup'; at: number; n: number }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; at: number; other: number; from: number; n: number };

const pos = fc.nat({ max: 0xffff });
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: pos, bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set8' as const), at: pos, v: fc.oneof(fc.constantFrom(...INTERESTING8), fc.nat({ max: 255 })) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set16' as const), at: pos, v: fc.oneof(fc.constantFrom(...INTERESTING16), fc.nat({ max: 0xffff })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set32' as const), at: pos, v: fc.constantFrom(...INTERESTING32) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: pos, n: fc.integer({ min: 1, max: 32 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dup' as const), at: pos, n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: pos }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('splice' as const), at: pos, other: fc.nat(), from: pos, n: fc.integer({ min: 1, max: 128 }) }) },
);

/** Applies mutations to a copy of `input`; positions wrap around its length. `pool` feeds splices. */
export function mutate(input: Buffer, ms: readonly Mutation[], pool: readonly Buffer[] = [], maxLen = 1 << 16): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    const at = b.length ? m.at % b.length : 0;
    switch (m.op) {
      case 'flip':
        if (b.length) b[at] ^= 1 << m.bit;
        break;
      case 'set8':
        if (b.length) b[at] = m.v;
        break;
      case 'set16':
        if (b.length >= 2) b.writeUInt16BE(m.v, Math.min(at, b.length - 2));
        break;
      case 'set32':
        if (b.length >= 4) b.writeUInt32BE(m.v >>> 0, Math.min(at, b.length - 4));
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'dup':
        b = Buffer.concat([b.subarray(0, at + m.n), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'splice': {
        if (!pool.length) break;
        const o = pool[m.other % pool.length];
        const from = o.length ? m.from % o.length : 0;
        b = Buffer.concat([b.subarray(0, at), o.subarray(from, from + m.n), b.subarray(at)]);
        break;
      }
    }
    if (b.length > maxLen) b = b.subarray(0, maxLen);
  }
  return Buffer.from(b);
}

/**
 * Inputs built from the seeds: mostly a seed with 0-8 mutations (a seed
 * unchanged now and then), sometimes random bytes up to maxLen.
 */
export function bytesFrom(seeds: () => Buffer[], maxLen = 4096): fc.Arbitrary<Buffer> {
  let cached: Buffer[] | null = null;
  const get = (): Buffer[] => (cached ??= seeds());
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(fc.nat(), fc.array(mutationArb, { minLength: 0, maxLength: 8 })).map(([i, ms]) => {
        const s = get();
        return mutate(s.length ? s[i % s.length] : Buffer.alloc(0), ms, s, maxLen);
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: Math.min(maxLen, 512) }).map((u) => Buffer.from(u)) },
  );
}

/** Text inputs: a seed with line-level and character-level mutations, or random text. */
export function textFrom(seeds: () => string[], maxLen = 8192): fc.Arbitrary<string> {
  let cached: string[] | null = null;
  const get = (): string[] => (cached ??= seeds());
  const tokens = fc.constantFrom(
    '"', '\\', '\n', '{', '}', '$', '=', '#', ' ', '\t', '<', '>', '/', ':', ',', '-', '!', '0', '65536', '4294967296',
    '999999999999999999999', 'any', 'from', 'to', 'peer', 'local', 'ikesa', 'childsa', 'include', 'ikev2', 'set',
    'psk', 'enc', 'auth', 'group', 'lifetime', 'bytes', 'srcid', 'dstid', 'config', 'address', 'tag', 'tap', 'flow',
    'esp', 'ah', 'proto', 'port', 'user', 'radius', 'socket', '::', '0.0.0.0/0', '::/0', '1.2.3.4/33', 'x=1\n', '$x',
    '\\\n', 'include "inc.conf"\n', '"unterminated', '\u0000', '\u00e9', '\r', 'K', 'M', 'G', 'fqdn', 'ufqdn', 'asn1dn',
  );
  const mut = fc.oneof(
    fc.record({ k: fc.constant('ins' as const), at: fc.nat(), s: fc.oneof(tokens, fc.string({ maxLength: 8 })) }),
    fc.record({ k: fc.constant('del' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ k: fc.constant('dupline' as const), at: fc.nat() }),
    fc.record({ k: fc.constant('dropline' as const), at: fc.nat() }),
    fc.record({ k: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), line: fc.nat() }),
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(fc.nat(), fc.array(mut, { maxLength: 8 })).map(([i, ms]) => {
        const s = get();
        let t = s.length ? s[i % s.length] : '';
        for (const m of ms) {
          const at = t.length ? m.at % (t.length + 1) : 0;
          if (m.k === 'ins') t = t.slice(0, at) + m.s + t.slice(at);
          else if (m.k === 'del') t = t.slice(0, at) + t.slice(at + m.n);
          else {
            const lines = t.split('\n');
            const li = m.at % lines.length;
            if (m.k === 'dupline') lines.splice(li, 0, lines[li]);
            else if (m.k === 'dropline') lines.splice(li, 1);
            else {
              const o = s[m.other % s.length].split('\n');
              lines.splice(li, 0, o[m.line % o.length]);
            }
            t = lines.join('\n');
          }
          if (t.length > maxLen) t = t.slice(0, maxLen);
        }
        return t;
      }),
    },
    { weight: 1, arbitrary: fc.array(tokens, { maxLength: 40 }).map((a) => a.join(' ')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 256, unit: 'binary' }) },
  );
}
