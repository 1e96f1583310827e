/**
 * The control socket protocol between ikectl and iked: frames of a 4-byte
 * big-endian length followed by that many bytes of UTF-8 JSON. The length
 * is checked against MAX_FRAME before any byte of the body is buffered.
 * One request per connection; `monitor` turns the connection into a stream
 * of `event` responses until either side closes.
 */
import {
  CertstoreEntry,
  FlowView,
  IkeSaView,
  MonitorEvent,
  RESET_TARGETS,
  ResetTarget,
} from './control-api';

/** Requests (what ikectl sends, what the daemon buffers from anyone who can connect). */
export const MAX_FRAME = 1024 * 1024;
/** Responses (the daemon's answers: `show sa` of 100,000 SAs runs to tens of MB), as the engine->control link allows. */
export const MAX_RESPONSE_FRAME = 64 * 1024 * 1024;
export const FRAME_HEADER = 4;

export type ControlRequest =
  | { cmd: 'show-sa' }
  | { cmd: 'show-flows' }
  | { cmd: 'show-stats' }
  | { cmd: 'show-certstore' }
  | { cmd: 'show-ca'; name: string }
  | { cmd: 'reload'; file?: string }
  | { cmd: 'reset'; what: ResetTarget; arg?: string }
  | { cmd: 'couple' }
  | { cmd: 'decouple' }
  | { cmd: 'active' }
  | { cmd: 'passive' }
  | { cmd: 'log'; verbose: boolean }
  | { cmd: 'monitor' };

export type ControlCommand = ControlRequest['cmd'];

export type ControlResponse =
  | { ok: true; cmd: 'show-sa'; sas: IkeSaView[] }
  | { ok: true; cmd: 'show-flows'; flows: FlowView[] }
  | { ok: true; cmd: 'show-stats'; stats: Record<string, number> }
  | { ok: true; cmd: 'show-certstore'; certs: CertstoreEntry[] }
  | { ok: true; cmd: 'show-ca'; lines: string[] }
  | { ok: true; cmd: 'reload'; reloaded: boolean; errors: string[] }
  | { ok: true; cmd: 'reset'; message: string }
  | { ok: true; cmd: 'couple' | 'decouple' | 'active' | 'passive' | 'log' }
  | { ok: true; cmd: 'monitor'; started: true }
  | { ok: true; cmd: 'event'; event: MonitorEvent }
  | { ok: false; error: string };

export class FrameError extends Error {}

/** Encode one request as a frame. Throws FrameError if it exceeds MAX_FRAME. */
export function encodeFrame(msg: unknown): Buffer {
  return encodeWithin(msg, MAX_FRAME);
}

/** Encode one of the daemon's responses as a frame. Throws FrameError if it exceeds MAX_RESPONSE_FRAME. */
export function encodeResponseFrame(msg: unknown): Buffer {
  return encodeWithin(msg, MAX_RESPONSE_FRAME);
}

function encodeWithin(msg: unknown, max: number): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  if (body.length > max) {
    throw new FrameError(`control message of ${body.length} bytes exceeds the ${max}-byte limit`);
  }
  const hdr = Buffer.alloc(FRAME_HEADER);
  hdr.writeUInt32BE(body.length, 0);
  return Buffer.concat([hdr, body]);
}

export type DecodedFrame = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Incremental frame decoder. push() returns the complete frames so far;
 * a frame whose body is not JSON yields { ok: false } and decoding goes on;
 * a bad length (0 or > MAX_FRAME) throws FrameError: the stream cannot be
 * resynchronised and the connection must be dropped.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  constructor(private readonly maxFrame = MAX_FRAME) {}

  push(chunk: Buffer): DecodedFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: DecodedFrame[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER) break;
        const hdr = this.take(FRAME_HEADER);
        const len = hdr.readUInt32BE(0);
        if (len === 0) throw new FrameError('empty control frame');
        if (len > this.maxFrame) {
          throw new FrameError(`control frame of ${len} bytes exceeds the ${this.maxFrame}-byte limit`);
        }
        this.need = len;
      }
      if (this.buffered < this.need) break;
      const body = this.take(this.need);
      this.need = -1;
      try {
        out.push({ ok: true, value: JSON.parse(body.toString('utf8')) as unknown });
      } catch {
        out.push({ ok: false, error: 'control frame is not valid JSON' });
      }
    }
    return out;
  }

  /** Bytes held waiting for the rest of a frame. */
  pending(): number {
    return this.buffered;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}

const NO_ARG_COMMANDS = new Set<ControlCommand>([
  'show-sa',
  'show-flows',
  'show-stats',
  'show-certstore',
  'couple',
  'decouple',
  'active',
  'passive',
  'monitor',
]);

const MAX_STRING = 4096;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING && !v.includes('\0');
}

/** Check an untrusted decoded value; returns the typed request or a reason. */
export function validateRequest(v: unknown): ControlRequest | { error: string } {
  if (!isObject(v)) return { error: 'request is not an object' };
  const cmd = v.cmd;
  if (typeof cmd !== 'string') return { error: 'request has no command' };
  const allowed = (keys: string[]): string | null => {
    for (const k of Object.keys(v)) if (k !== 'cmd' && !keys.includes(k)) return `unexpected field '${k}' for ${cmd}`;
    return null;
  };
  if (NO_ARG_COMMANDS.has(cmd as ControlCommand)) {
    const bad = allowed([]);
    return bad ? { error: bad } : ({ cmd } as ControlRequest);
  }
  switch (cmd) {
    case 'show-ca': {
      const bad = allowed(['name']);
      if (bad) return { error: bad };
      if (!shortString(v.name) || v.name.includes('/')) return { error: 'show-ca: invalid CA name' };
      return { cmd, name: v.name };
    }
    case 'reload': {
      const bad = allowed(['file']);
      if (bad) return { error: bad };
      if (v.file === undefined) return { cmd };
      if (!shortString(v.file)) return { error: 'reload: invalid file name' };
      return { cmd, file: v.file };
    }
    case 'reset': {
      const bad = allowed(['what', 'arg']);
      if (bad) return { error: bad };
      if (typeof v.what !== 'string' || !(RESET_TARGETS as readonly string[]).includes(v.what)) {
        return { error: `reset: unknown target '${String(v.what)}' (expected ${RESET_TARGETS.join('|')})` };
      }
      const what = v.what as ResetTarget;
      if (v.arg !== undefined && !shortString(v.arg)) return { error: 'reset: invalid argument' };
      if (what === 'id' && v.arg === undefined) return { error: 'reset id: an ID is required' };
      return v.arg === undefined ? { cmd, what } : { cmd, what, arg: v.arg as string };
    }
    case 'log': {
      const bad = allowed(['verbose']);
      if (bad) return { error: bad };
      if (typeof v.verbose !== 'boolean') return { error: 'log: verbose must be true or false' };
      return { cmd, verbose: v.verbose };
    }
    default:
      return { error: `unknown command '${cmd.slice(0, 64)}'` };
  }
}

/** Light structural check of a response received by the client. */
export function validateResponse(v: unknown): ControlResponse | { error: string } {
  if (!isObject(v)) return { error: 'response is not an object' };
  if (v.ok === false) return { ok: false, error: typeof v.error === 'string' ? v.error : 'unknown error' };
  if (v.ok !== true || typeof v.cmd !== 'string') return { error: 'malformed response' };
  return v as unknown as ControlResponse;
}
