/**
 * The binary form of the engine's kernel requests to the parent and of their
 * replies (one kernel.batch frame each way, frame-channel.ts requestBinary).
 * Decoding goes through the bounded reader with the limits the message checks
 * of messages.ts enforce for other messages: addresses of at most 64
 * characters, keys of at most 1 KiB, enum codes, ranges, at most MAX_BATCH
 * operations, no trailing bytes. A violation is an IpcCheckError naming the
 * operation and field (fatal for the receiver, as every bad message is).
 *
 * Request: u8 count, then per operation u8 code and its fields. Reply: u8 count,
 * then per operation u8 status (OK, or ERROR and u16-length text) and, when OK,
 * the value its operation returns (allocSpi: u32 SPI; getCounters: 3 x u64).
 * Numbers are big-endian, u64 within 0..2^53-1, text is UTF-8 after its length.
 */
import type { IpsecMode, IpsecProtocol, KernelFlowSpec, KernelSaSpec, SaCounters } from '../../platform/types';
import { Reader } from '../../wire/reader';
import { ByteWriter } from './byte-writer';
import { IpcCheckError } from './check';
import { ADDR, KEY, MAX_BATCH } from './messages';

/** One kernel request, named after the KernelAdapter method it calls. */
export type KernelOp =
  | { op: 'allocSpi'; protocol: IpsecProtocol; src: string; dst: string }
  | { op: 'addSa' | 'updateSa'; sa: KernelSaSpec }
  | { op: 'deleteSa' | 'getCounters'; protocol: IpsecProtocol; dst: string; spi: number }
  | { op: 'addFlow' | 'deleteFlow'; f: KernelFlowSpec };
export type KernelOpName = KernelOp['op'];

/** Operation codes: the index in this list. */
const OPS: readonly KernelOpName[] = ['allocSpi', 'addSa', 'updateSa', 'deleteSa', 'getCounters', 'addFlow', 'deleteFlow'];
const OP_CODE = new Map(OPS.map((o, i) => [o, i]));
const PROTOCOLS: readonly IpsecProtocol[] = ['esp', 'ah'];
const MODES: readonly IpsecMode[] = ['tunnel', 'transport'];
const DIRS: readonly KernelFlowSpec['dir'][] = ['in', 'out', 'fwd'];

/** KernelSaSpec's optional parts and flag, one bit each. */
const SA_ENCR = 1;
const SA_ICV = 2;
const SA_INTEG = 4;
const SA_ESN = 8;
const SA_ENCAP = 16;
const SA_SELECTOR = 32;
/** KernelFlowSpec's optional fields. */
const FLOW_SPORT = 1;
const FLOW_DPORT = 2;
const FLOW_PRIORITY = 4;

const OK = 0;
const ERROR = 1;
/** An error text's limit in characters (as for an error reply of any message). */
export const MAX_ERROR = 4096;
const U64_HI_MAX = 0x1fffff; // 2^53-1 >> 32
const KEY_BITS_MAX = 8192;
const ICV_MAX = 64;
const REPLAY_MAX = 1 << 20;

// ------------------------------------------------------------------ encoding

function code<T>(values: readonly T[], v: T, what: string): number {
  const i = values.indexOf(v);
  if (i < 0) throw new RangeError(`${what}: ${String(v)} is not one of ${values.join('|')}`);
  return i;
}

function addr(w: ByteWriter, s: string, what: string): void {
  if (s.length > ADDR) throw new RangeError(`${what}: address of ${s.length} characters exceeds ${ADDR}`);
  w.text(s, 1);
}

function key(w: ByteWriter, k: Buffer, what: string): void {
  if (k.length > KEY) throw new RangeError(`${what}: ${k.length} bytes exceed ${KEY}`);
  w.u16(k.length);
  w.bytes(k);
}

function writeSa(w: ByteWriter, sa: KernelSaSpec): void {
  w.u8(code(PROTOCOLS, sa.protocol, 'sa.protocol'));
  w.u8(code(MODES, sa.mode, 'sa.mode'));
  addr(w, sa.src, 'sa.src');
  addr(w, sa.dst, 'sa.dst');
  w.u32(sa.spi);
  w.u32(sa.reqid);
  let flags = sa.esn ? SA_ESN : 0;
  if (sa.encr) flags |= sa.encr.icvLen === undefined ? SA_ENCR : SA_ENCR | SA_ICV;
  if (sa.integ) flags |= SA_INTEG;
  if (sa.encap) flags |= SA_ENCAP;
  if (sa.selector) flags |= SA_SELECTOR;
  w.u8(flags);
  w.u32(sa.replayWindow);
  const l = sa.lifetime;
  w.u64(l.softSeconds);
  w.u64(l.hardSeconds);
  w.u64(l.softBytes);
  w.u64(l.hardBytes);
  if (sa.encr) {
    w.u16(sa.encr.ianaId);
    w.u16(sa.encr.keyBits);
    key(w, sa.encr.key, 'sa.encr.key');
    if (sa.encr.icvLen !== undefined) w.u8(sa.encr.icvLen);
  }
  if (sa.integ) {
    w.u16(sa.integ.ianaId);
    key(w, sa.integ.key, 'sa.integ.key');
  }
  if (sa.encap) {
    w.u16(sa.encap.sport);
    w.u16(sa.encap.dport);
  }
  if (sa.selector) {
    addr(w, sa.selector.src, 'sa.selector.src');
    addr(w, sa.selector.dst, 'sa.selector.dst');
    w.u8(sa.selector.proto);
  }
}

function writeFlow(w: ByteWriter, f: KernelFlowSpec): void {
  w.u8(code(DIRS, f.dir, 'f.dir'));
  addr(w, f.src, 'f.src');
  addr(w, f.dst, 'f.dst');
  w.u8(f.proto);
  w.u8((f.sport === undefined ? 0 : FLOW_SPORT) | (f.dport === undefined ? 0 : FLOW_DPORT) | (f.priority === undefined ? 0 : FLOW_PRIORITY));
  if (f.sport !== undefined) w.u16(f.sport);
  if (f.dport !== undefined) w.u16(f.dport);
  addr(w, f.tunnelSrc, 'f.tunnelSrc');
  addr(w, f.tunnelDst, 'f.tunnelDst');
  w.u8(code(PROTOCOLS, f.protocol, 'f.protocol'));
  w.u8(code(MODES, f.mode, 'f.mode'));
  w.u32(f.reqid);
  if (f.priority !== undefined) w.u32(f.priority);
}

/** Append one operation; on a value that cannot be encoded it throws and leaves `w` as it was. */
export function writeOp(w: ByteWriter, o: KernelOp): void {
  const at = w.pos;
  try {
    w.u8(OP_CODE.get(o.op)!);
    switch (o.op) {
      case 'allocSpi':
        w.u8(code(PROTOCOLS, o.protocol, 'protocol'));
        addr(w, o.src, 'src');
        addr(w, o.dst, 'dst');
        return;
      case 'addSa':
      case 'updateSa':
        return writeSa(w, o.sa);
      case 'deleteSa':
      case 'getCounters':
        w.u8(code(PROTOCOLS, o.protocol, 'protocol'));
        addr(w, o.dst, 'dst');
        w.u32(o.spi);
        return;
      case 'addFlow':
      case 'deleteFlow':
        return writeFlow(w, o.f);
    }
  } catch (e) {
    w.truncate(at);
    throw e;
  }
}

/** A batch of operations as one body. */
export function encodeBatch(ops: readonly KernelOp[]): Buffer {
  const w = new ByteWriter();
  w.u8(ops.length);
  for (const o of ops) writeOp(w, o);
  return w.done();
}

/** What an operation's reply carries when it succeeded (nothing but for allocSpi and getCounters). */
export type OpValue = number | SaCounters | void;

/** Append one operation's result: its value, or (when the value cannot be encoded or `e` is given) the error. */
export function writeResult(w: ByteWriter, op: KernelOpName, v: OpValue, e?: unknown): void {
  const at = w.pos;
  if (e === undefined) {
    try {
      w.u8(OK);
      if (op === 'allocSpi') w.u32(v as number);
      else if (op === 'getCounters') {
        const c = v as SaCounters;
        w.u64(c.bytes);
        w.u64(c.packets);
        w.u64(c.lastUse);
      }
      return;
    } catch (err) {
      w.truncate(at);
      e = new Error(`${op} returned what its reply cannot carry: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  w.u8(ERROR);
  w.text((e instanceof Error ? e.message : String(e)).slice(0, MAX_ERROR), 2);
}

// ------------------------------------------------------------------ decoding

function fail(where: string, what: string): never {
  throw new IpcCheckError(`${where}: ${what}`);
}

function readEnum<T>(r: Reader, values: readonly T[], where: string): T {
  const c = r.u8();
  if (c >= values.length) fail(where, `code ${c} is not one of ${values.join('|')}`);
  return values[c];
}

function readAddr(r: Reader, where: string): string {
  const s = r.bytes(r.u8()).toString('utf8');
  if (s.length > ADDR) fail(where, `string of ${s.length} characters exceeds ${ADDR}`);
  return s;
}

function readKey(r: Reader, where: string): Buffer {
  const n = r.u16();
  if (n > KEY) fail(where, `${n} bytes exceed ${KEY}`);
  return r.bytes(n);
}

function atMost(v: number, max: number, where: string): number {
  if (v > max) fail(where, `${v} is outside 0..${max}`);
  return v;
}

function readU64(r: Reader, where: string): number {
  const hi = r.u32();
  const lo = r.u32();
  if (hi > U64_HI_MAX) fail(where, `exceeds ${Number.MAX_SAFE_INTEGER}`);
  return hi * 0x100000000 + lo;
}

function readFlags(r: Reader, known: number, where: string): number {
  const f = r.u8();
  if (f & ~known) fail(where, `unknown flags 0x${(f & ~known).toString(16)}`);
  return f;
}

function readSa(r: Reader): KernelSaSpec {
  const sa: KernelSaSpec = {
    protocol: readEnum(r, PROTOCOLS, 'sa.protocol'),
    mode: readEnum(r, MODES, 'sa.mode'),
    src: readAddr(r, 'sa.src'),
    dst: readAddr(r, 'sa.dst'),
    spi: r.u32(),
    reqid: r.u32(),
    esn: false,
    replayWindow: 0,
    lifetime: { softSeconds: 0, hardSeconds: 0, softBytes: 0, hardBytes: 0 },
  };
  const flags = readFlags(r, SA_ENCR | SA_ICV | SA_INTEG | SA_ESN | SA_ENCAP | SA_SELECTOR, 'sa.flags');
  if ((flags & (SA_ENCR | SA_ICV)) === SA_ICV) fail('sa.flags', 'an ICV length without encryption');
  sa.esn = (flags & SA_ESN) !== 0;
  sa.replayWindow = atMost(r.u32(), REPLAY_MAX, 'sa.replayWindow');
  const l = sa.lifetime;
  l.softSeconds = readU64(r, 'sa.lifetime.softSeconds');
  l.hardSeconds = readU64(r, 'sa.lifetime.hardSeconds');
  l.softBytes = readU64(r, 'sa.lifetime.softBytes');
  l.hardBytes = readU64(r, 'sa.lifetime.hardBytes');
  if (flags & SA_ENCR) {
    const ianaId = r.u16();
    const keyBits = atMost(r.u16(), KEY_BITS_MAX, 'sa.encr.keyBits');
    const k = readKey(r, 'sa.encr.key');
    sa.encr = flags & SA_ICV ? { ianaId, keyBits, key: k, icvLen: atMost(r.u8(), ICV_MAX, 'sa.encr.icvLen') } : { ianaId, keyBits, key: k };
  }
  if (flags & SA_INTEG) sa.integ = { ianaId: r.u16(), key: readKey(r, 'sa.integ.key') };
  if (flags & SA_ENCAP) sa.encap = { sport: r.u16(), dport: r.u16() };
  if (flags & SA_SELECTOR) sa.selector = { src: readAddr(r, 'sa.selector.src'), dst: readAddr(r, 'sa.selector.dst'), proto: r.u8() };
  return sa;
}

function readFlow(r: Reader): KernelFlowSpec {
  const dir = readEnum(r, DIRS, 'f.dir');
  const src = readAddr(r, 'f.src');
  const dst = readAddr(r, 'f.dst');
  const proto = r.u8();
  const flags = readFlags(r, FLOW_SPORT | FLOW_DPORT | FLOW_PRIORITY, 'f.flags');
  const sport = flags & FLOW_SPORT ? r.u16() : undefined;
  const dport = flags & FLOW_DPORT ? r.u16() : undefined;
  const f: KernelFlowSpec = {
    dir,
    src,
    dst,
    proto,
    tunnelSrc: readAddr(r, 'f.tunnelSrc'),
    tunnelDst: readAddr(r, 'f.tunnelDst'),
    protocol: readEnum(r, PROTOCOLS, 'f.protocol'),
    mode: readEnum(r, MODES, 'f.mode'),
    reqid: r.u32(),
  };
  if (sport !== undefined) f.sport = sport;
  if (dport !== undefined) f.dport = dport;
  if (flags & FLOW_PRIORITY) f.priority = r.u32();
  return f;
}

function readOp(r: Reader, op: KernelOpName): KernelOp {
  switch (op) {
    case 'allocSpi':
      return { op, protocol: readEnum(r, PROTOCOLS, 'protocol'), src: readAddr(r, 'src'), dst: readAddr(r, 'dst') };
    case 'addSa':
    case 'updateSa':
      return { op, sa: readSa(r) };
    case 'deleteSa':
    case 'getCounters':
      return { op, protocol: readEnum(r, PROTOCOLS, 'protocol'), dst: readAddr(r, 'dst'), spi: r.u32() };
    case 'addFlow':
    case 'deleteFlow':
      return { op, f: readFlow(r) };
  }
}

/** A checked failure of item `i` (an operation or its result): its place in front of the reason. */
function itemFailure(where: string, i: number, op: string, e: unknown): never {
  const reason = e instanceof Error ? e.message : String(e);
  throw new IpcCheckError(`${where}[${i}] (${op})${e instanceof IpcCheckError ? ' ' : ': '}${reason}`);
}

/** The leading count byte. */
function readCount(r: Reader, where: string): number {
  if (r.remaining === 0) fail(where, 'empty body');
  return r.u8();
}

/** The operations of a batch body, checked; keys are views of `body` (zero them there after use). */
export function decodeBatch(body: Buffer, where: string): KernelOp[] {
  const r = new Reader(body, 0, body.length, 'operation');
  const n = readCount(r, where);
  if (n === 0 || n > MAX_BATCH) fail(where, `${n} operations (1..${MAX_BATCH})`);
  const ops: KernelOp[] = [];
  let op = '';
  try {
    for (let i = 0; i < n; i++) {
      op = 'operation';
      op = readEnum(r, OPS, 'code');
      ops.push(readOp(r, op as KernelOpName));
    }
  } catch (e) {
    itemFailure(where, ops.length, op, e);
  }
  if (r.remaining !== 0) fail(where, `${r.remaining} bytes after the last operation`);
  return ops;
}

/** The results of a batch's reply, in order: a value, or the Error the operation failed with. */
export function decodeBatchReply(body: Buffer, ops: ReadonlyArray<{ op: KernelOpName }>, where: string): Array<OpValue | Error> {
  const r = new Reader(body, 0, body.length, 'result');
  const n = readCount(r, where);
  if (n !== ops.length) fail(where, `${n} results for ${ops.length} operations`);
  const out: Array<OpValue | Error> = [];
  let op = '';
  try {
    for (let i = 0; i < n; i++) {
      op = ops[i].op;
      const status = r.u8();
      if (status === ERROR) {
        const text = r.bytes(r.u16()).toString('utf8');
        if (text.length > MAX_ERROR) fail('error', `string of ${text.length} characters exceeds ${MAX_ERROR}`);
        out.push(new Error(text));
      } else if (status !== OK) fail('status', `${status} is neither ok nor error`);
      else if (op === 'allocSpi') out.push(r.u32());
      else if (op === 'getCounters') out.push({ bytes: readU64(r, 'bytes'), packets: readU64(r, 'packets'), lastUse: readU64(r, 'lastUse') });
      else out.push(undefined);
    }
  } catch (e) {
    itemFailure(where, out.length, op, e);
  }
  if (r.remaining !== 0) fail(where, `${r.remaining} bytes after the last result`);
  return out;
}
