/**
 * A growing big-endian byte writer for binary IPC bodies (kernel-codec.ts).
 * What it drops (when it grows, or undoes a partly written item) is zeroed:
 * a body may hold keys.
 */
export class ByteWriter {
  private buf: Buffer;
  private at = 0;

  constructor(size = 512) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf.fill(0);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.at = this.buf.writeUInt8(v, this.at);
  }

  u16(v: number): void {
    this.room(2);
    this.at = this.buf.writeUInt16BE(v, this.at);
  }

  u32(v: number): void {
    this.room(4);
    this.at = this.buf.writeUInt32BE(v, this.at);
  }

  /** An integer 0..2^53-1 as 8 bytes. */
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${v} is not an integer in 0..${Number.MAX_SAFE_INTEGER}`);
    this.u32(Math.floor(v / 0x100000000));
    this.u32(v >>> 0);
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    this.at += b.copy(this.buf, this.at);
  }

  /** UTF-8 text after its byte length in `lenBytes` (1 or 2) bytes. */
  text(s: string, lenBytes: 1 | 2): void {
    const start = this.at;
    this.room(lenBytes + s.length * 3);
    const n = this.buf.write(s, start + lenBytes, 'utf8');
    if (n >= 1 << (8 * lenBytes)) {
      this.buf.fill(0, start, start + lenBytes + n);
      throw new RangeError(`${n} bytes of text exceed a ${lenBytes}-byte length`);
    }
    if (lenBytes === 1) this.buf[start] = n;
    else this.buf.writeUInt16BE(n, start);
    this.at = start + lenBytes + n;
  }

  /** How many bytes were written. */
  get pos(): number {
    return this.at;
  }

  /** Undo what was written after `pos` (zeroed). */
  truncate(pos: number): void {
    this.buf.fill(0, pos, this.at);
    this.at = pos;
  }

  /** Overwrite one byte already written (a count known only at the end). */
  setU8(at: number, v: number): void {
    this.buf.writeUInt8(v, at);
  }

  /** What was written (a view of the writer's buffer). */
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /** Zero everything (the writer is dropped unsent). */
  zero(): void {
    this.buf.fill(0);
    this.at = 0;
  }
}
