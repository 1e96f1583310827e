/**
 * A typed message channel between two privsep processes over a stream socket
 * (a socketpair end): frames of a 4-byte big-endian length and a v8-serialised
 * envelope { t: type, i: id, r?: reply-to, e?: error, b: body }. The length is
 * checked before the body is buffered; unknown types, oversized frames and
 * bodies that fail their check are fatal for the receiving process.
 * Every sent frame is zeroed once written (it may hold keys).
 */
import * as v8 from 'node:v8';
import type { Socket } from 'node:net';
import { Check, IpcCheckError, str, uint32, opt, record } from './check';

export const FRAME_HEADER = 4;
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

interface Pending {
  check: Check<unknown>;
  type: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

const REPLY = 'reply';

export class FrameChannel {
  private readonly handlers = new Map<string, Handler>();
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

  private dispatch(frame: Buffer): void {
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
