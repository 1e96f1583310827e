import { DecodeError } from './decode-error';
import { NOTIFY } from './iana';

/**
 * The one bounded reader all wire parsing goes through. Every read past the
 * end throws DecodeError naming what was being read (`label`). Byte results
 * are views (subarray) of the underlying buffer, never copies.
 */
export class Reader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    end = buf.length,
    /** What is being read, for error messages, e.g. "NOTIFY payload". */
    readonly label = 'message',
    /** Payload type reported in DecodeError, if any. */
    readonly payloadType?: number,
  ) {
    if (start < 0 || end > buf.length || start > end) {
      throw new RangeError(`Reader bounds [${start}, ${end}) outside a buffer of ${buf.length} bytes`);
    }
    this.pos = start;
    this.end = end;
  }

  /** The underlying buffer (offsets are absolute within it). */
  get buffer(): Buffer {
    return this.buf;
  }

  /** Absolute position in the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    const left = this.end - this.pos;
    if (n < 0 || n > left) {
      throw new DecodeError(
        n < 0
          ? `invalid length ${n} in ${this.label}`
          : `truncated ${this.label}: need ${n} bytes, ${left} left`,
        NOTIFY.INVALID_SYNTAX,
        this.payloadType,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2);
    const p = this.pos;
    this.pos = p + 2;
    return (this.buf[p] << 8) | this.buf[p + 1];
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** The next n bytes as a view (no copy). */
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A child reader bounded to the next n bytes; this reader skips them. */
  sub(n: number, label: string = this.label, payloadType: number | undefined = this.payloadType): Reader {
    this.need(n);
    const r = new Reader(this.buf, this.pos, this.pos + n, label, payloadType);
    this.pos += n;
    return r;
  }

  /** All remaining bytes as a view. */
  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }

  /** Throws DecodeError if any bytes are left. */
  expectEnd(what: string): void {
    const left = this.end - this.pos;
    if (left !== 0) {
      throw new DecodeError(`${what}: ${left} unexpected trailing bytes`, NOTIFY.INVALID_SYNTAX, this.payloadType);
    }
  }
}
