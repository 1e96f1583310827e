/**
 * A typed message channel between two privsep processes over a stream socket
 * (a socketpair end): frames of a 4-byte big-endian length and a v8-serialised
 * envelope { t: type, i: id, r?: reply-to, e?: error, b: body }. The length is
 * checked before the body is buffered; unknown types, oversized frames and
 * bodies that fail their check are fatal for the receiving process.
 * Every sent frame is zeroed once written (it may hold keys).
 *
 * A few hot request types travel as binary frames instead (requestBinary,
 * handleBinary): a body starting with BINARY (a v8-serialised one starts with
 * its version tag 0xFF), the type's code (0: a reply), the request id (or the
 * id replied to), then bytes the type's own codec writes and decodes; a decode
 * failure is fatal like a failed check. A handler's error still goes back as
 * an ordinary error reply. A received binary body is zeroed once its handler
 * has finished (it may hold keys the handler used as views).
 */
import * as v8 from 'node:v8';
import type { Socket } from 'node:net';
import { Check, IpcCheckError, str, uint32, opt, record } from './check';

export const FRAME_HEADER = 4;
const BINARY = 0x01;
/** BINARY, the type's code, the request id (u32) */
const BINARY_HEADER = 6;
const BINARY_REPLY = 0;

/** A message type sent as binary frames: its name (for errors) and one-byte code (1..255). */
export interface BinaryType {
  code: number;
  name: string;
}
export const DEFAULT_MAX_FRAME = 256 * 1024;

export interface ChannelOptions {
  /** e.g. "engine->ca", used in every error message */
  name: string;
  maxFrame?: number;
  /** A protocol violation: log it and exit (never returns in the daemon). */
  onFatal(reason: string): void;
  /** The peer closed the channel. */
  onClose?(): void;
}

interface Handler {
  check: Check<unknown>;
  fn: (body: unknown) => unknown;
}

interface BinaryHandler {
  type: BinaryType;
  decode: (body: Buffer, where: string) => unknown;
  fn: (req: unknown) => Promise<Buffer>;
}

interface Pending {
  check: Check<unknown>;
  type: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const REPLY = 'reply';

export class FrameChannel {
  private readonly handlers = new Map<string, Handler>();
  private readonly binaryHandlers = new Map<number, BinaryHandler>();
  private readonly pending = new Map<number, Pending>();
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private nextId = 1;
  private dead = false;
  readonly maxFrame: number;

  constructor(
    private readonly sock: Socket,
    private readonly o: ChannelOptions,
  ) {
    this.maxFrame = o.maxFrame ?? DEFAULT_MAX_FRAME;
    sock.on('data', (c: Buffer) => this.receive(c));
    sock.on('error', () => this.closed());
    sock.on('close', () => this.closed());
  }

  get name(): string {
    return this.o.name;
  }

  /** Register the handler of a request or notification type. */
  handle<T, R>(type: string, check: Check<T>, fn: (body: T) => R | Promise<R>): void {
    this.handlers.set(type, { check, fn: fn as (b: unknown) => unknown });
  }

  /** Register the handler of a binary request type; `decode` checks the body (it throws IpcCheckError). */
  handleBinary<T>(type: BinaryType, decode: (body: Buffer, where: string) => T, fn: (req: T) => Promise<Buffer>): void {
    this.binaryHandlers.set(type.code, { type, decode, fn: fn as (r: unknown) => Promise<Buffer> });
  }

  /** One round trip of a binary request; the reply is decoded (checked) by `decode`. `body` is zeroed once copied. */
  requestBinary<R>(type: BinaryType, body: Buffer, decode: (reply: Buffer, where: string) => R): Promise<R> {
    if (this.dead) {
      body.fill(0);
      return Promise.reject(new Error(`${this.o.name}: channel is closed`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffff0 ? 1 : this.nextId + 1;
    const check: Check<R> = (v, where) => {
      if (!Buffer.isBuffer(v)) throw new IpcCheckError(`${where}: expected a binary reply`);
      return decode(v, where);
    };
    return new Promise<R>((resolve, reject) => {
      this.writeBinary(type.name, type.code, id, body); // may throw (too large): nothing left pending then
      this.pending.set(id, { check, type: type.name, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  notify(type: string, body: unknown): void {
    this.write({ t: type, i: 0, b: body });
  }

  /** One round trip; the reply body is checked with `check`. */
  request<R>(type: string, body: unknown, check: Check<R>): Promise<R> {
    if (this.dead) return Promise.reject(new Error(`${this.o.name}: channel is closed`));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffff0 ? 1 : this.nextId + 1;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { check, type, resolve: resolve as (v: unknown) => void, reject });
      this.write({ t: type, i: id, b: body });
    });
  }

  close(): void {
    this.sock.destroy();
    this.closed();
  }

  private closed(): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) p.reject(new Error(`${this.o.name}: channel closed before the reply to ${p.type}`));
    this.pending.clear();
    for (const c of this.chunks) c.fill(0);
    this.chunks.length = 0;
    this.o.onClose?.();
  }

  private write(env: { t: string; i: number; r?: number; e?: string; b: unknown }): void {
    if (this.dead) return;
    const body = v8.serialize(env);
    if (body.length > this.maxFrame) {
      body.fill(0);
      throw new Error(`${this.o.name}: ${env.t} message of ${body.length} bytes exceeds the ${this.maxFrame}-byte limit`);
    }
    const frame = Buffer.allocUnsafe(FRAME_HEADER + body.length);
    frame.writeUInt32BE(body.length, 0);
    body.copy(frame, FRAME_HEADER);
    body.fill(0);
    this.sock.write(frame, () => frame.fill(0));
  }

  private writeBinary(name: string, code: number, id: number, body: Buffer): void {
    if (this.dead) {
      body.fill(0);
      return;
    }
    const len = BINARY_HEADER + body.length;
    if (len > this.maxFrame) {
      body.fill(0);
      throw new Error(`${this.o.name}: ${name} message of ${len} bytes exceeds the ${this.maxFrame}-byte limit`);
    }
    const frame = Buffer.allocUnsafe(FRAME_HEADER + len);
    frame.writeUInt32BE(len, 0);
    frame[FRAME_HEADER] = BINARY;
    frame[FRAME_HEADER + 1] = code;
    frame.writeUInt32BE(id, FRAME_HEADER + 2);
    body.copy(frame, FRAME_HEADER + BINARY_HEADER);
    body.fill(0);
    this.sock.write(frame, () => frame.fill(0));
  }

  private fatal(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.sock.pause();
    for (const c of this.chunks) c.fill(0);
    this.chunks.length = 0;
    // requests still waiting get their answer: the channel will not carry one
    for (const p of this.pending.values()) p.reject(new Error(`${this.o.name}: ${reason} (before the reply to ${p.type})`));
    this.pending.clear();
    this.o.onFatal(`${this.o.name}: ${reason}`);
  }

  private receive(chunk: Buffer): void {
    if (this.dead) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.dead && this.buffered >= FRAME_HEADER) {
      const len = this.peekLength();
      if (len === 0 || len > this.maxFrame) return this.fatal(`frame of ${len} bytes (limit ${this.maxFrame})`);
      if (this.buffered < FRAME_HEADER + len) return;
      const frame = this.take(FRAME_HEADER + len).subarray(FRAME_HEADER);
      this.dispatch(frame);
    }
  }

  private peekLength(): number {
    if (this.chunks[0].length >= FRAME_HEADER) return this.chunks[0].readUInt32BE(0);
    const head = Buffer.concat(this.chunks, FRAME_HEADER);
    const n = head.readUInt32BE(0);
    head.fill(0);
    return n;
  }

  /** Remove n bytes from the front; copies (and zeroes the consumed chunks) only when a frame spans chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      c.fill(0, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }

  private dispatchBinary(frame: Buffer): void {
    if (frame.length < BINARY_HEADER) return this.fatal(`binary frame of ${frame.length} bytes`);
    const code = frame[1];
    const id = frame.readUInt32BE(2);
    const body = frame.subarray(BINARY_HEADER);
    if (code === BINARY_REPLY) {
      const p = this.pending.get(id);
      if (!p) return this.fatal(`reply to unknown request ${id}`);
      this.pending.delete(id);
      let v: unknown;
      try {
        v = p.check(body, `${p.type} reply`);
      } catch (err) {
        const reason = err instanceof IpcCheckError ? err.message : `${p.type} reply: ${String(err)}`;
        p.reject(new Error(reason));
        return this.fatal(reason);
      }
      return p.resolve(v);
    }
    const h = this.binaryHandlers.get(code);
    if (!h) return this.fatal(`unknown binary message type ${code}`);
    if (id === 0) return this.fatal(`${h.type.name}: a binary request without an id`);
    let req: unknown;
    try {
      req = h.decode(body, h.type.name);
    } catch (err) {
      body.fill(0);
      return this.fatal(err instanceof IpcCheckError ? err.message : `${h.type.name}: ${String(err)}`);
    }
    let result: Promise<Buffer>;
    try {
      result = h.fn(req);
    } catch (err) {
      body.fill(0);
      return this.reply(id, undefined, err);
    }
    result.then(
      (out) => {
        body.fill(0);
        try {
          this.writeBinary(`${h.type.name} reply`, BINARY_REPLY, id, out);
        } catch (err) {
          this.reply(id, undefined, err);
        }
      },
      (err: unknown) => {
        body.fill(0);
        this.reply(id, undefined, err);
      },
    );
  }

  private dispatch(frame: Buffer): void {
    if (frame[0] === BINARY) return this.dispatchBinary(frame);
    let env: Record<string, unknown>;
    let t: string;
    let i: number;
    let r: number | undefined;
    let e: string | undefined;
    try {
      env = record(v8.deserialize(frame), 'message');
      t = str(64)(env.t, 'message.t');
      i = uint32(env.i, 'message.i');
      r = opt(uint32)(env.r, 'message.r');
      e = opt(str(4096))(env.e, 'message.e');
    } catch (err) {
      return this.fatal(`bad message: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (t === REPLY) {
      const p = r === undefined ? undefined : this.pending.get(r);
      if (!p || r === undefined) return this.fatal(`reply to unknown request ${r ?? '(none)'}`);
      this.pending.delete(r);
      if (e !== undefined) return p.reject(new Error(e));
      let v: unknown;
      try {
        v = p.check(env.b, `${p.type} reply`);
      } catch (err) {
        return this.fatal(err instanceof Error ? err.message : String(err));
      }
      return p.resolve(v);
    }
    const h = this.handlers.get(t);
    if (!h) return this.fatal(`unknown message type '${t}'`);
    let body: unknown;
    try {
      body = h.check(env.b, t);
    } catch (err) {
      return this.fatal(err instanceof IpcCheckError ? err.message : `${t}: ${String(err)}`);
    }
    let result: unknown;
    try {
      result = h.fn(body);
    } catch (err) {
      if (i) this.reply(i, undefined, err);
      else this.o.onFatal(`${this.o.name}: ${t}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!i) {
      if (result instanceof Promise) result.catch((err: unknown) => this.o.onFatal(`${this.o.name}: ${t}: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    Promise.resolve(result).then(
      (v) => this.reply(i, v),
      (err: unknown) => this.reply(i, undefined, err),
    );
  }

  private reply(id: number, body: unknown, err?: unknown): void {
    if (err !== undefined) this.write({ t: REPLY, i: 0, r: id, e: (err instanceof Error ? err.message : String(err)).slice(0, 4096), b: null });
    else this.write({ t: REPLY, i: 0, r: id, b: body === undefined ? null : body });
  }
}
