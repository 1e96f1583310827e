/**
 * What iked has in the kernel, kept on disk (/var/run/iked.kernel): a journal the
 * kernel adapters (installed-state.ts) append to BEFORE they install an SA or a
 * policy and AFTER they remove one. An iked that dies without its flush (SIGKILL, a
 * crash) leaves the list of its SAs and policies behind; the next start removes
 * exactly those (proc/kernel-leftovers.ts) and nothing foreign: iked recognises its
 * kernel state by this record, not by a reqid or priority range (af_key and KAME
 * replace reqids above 0x3fff, so no range marks SAs on every adapter).
 *
 * File: one JSON object per line. The first says who writes it
 *   {"iked":"kernel-record","pid":1234,"adapter":"xfrm"}
 * then "+" lines add or replace an entry by key, "-" lines remove one:
 *   {"+":"esp/192.0.2.2/0x0c0ffee1","sa":{"protocol":"esp","src":"192.0.2.1","dst":"192.0.2.2","spi":202375905}}
 *   {"+":"out 10.1.0.0/16->10.2.0.0/16 proto 0 0->0","flow":{...KernelFlowSpec}}
 *   {"-":"esp/192.0.2.2/0x0c0ffee1"}
 * Appends are synchronous (one write(2) each): a SIGKILL cannot lose an acknowledged
 * line (the page cache survives the process; a power loss takes the kernel state too,
 * which is why /var/run, cleared at boot, is the place). The file is rewritten
 * (temporary file + rename) when the removed lines outnumber the live ones.
 */
import * as fs from 'node:fs';
import type { IpsecProtocol, KernelFlowSpec } from './types';

export interface RecordedSa {
  protocol: IpsecProtocol;
  src?: string;
  dst: string;
  spi: number;
}

export type RecordEntry = { sa: RecordedSa } | { flow: KernelFlowSpec };

/** What the adapters write into (installed-state.ts). */
export interface KernelRecord {
  put(key: string, entry: RecordEntry): void;
  drop(key: string): void;
}

export const KERNEL_RECORD_DEFAULT = '/var/run/iked.kernel';

/** The record's path: IKED_KERNEL_RECORD moves it (as IKED_PIDFILE moves the pid file). */
export function kernelRecordPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.IKED_KERNEL_RECORD || KERNEL_RECORD_DEFAULT;
}

const MAX_LINE = 4096;
const HEADER_TAG = 'kernel-record';

interface Header {
  iked: typeof HEADER_TAG;
  pid: number;
  adapter?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 128): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const isPort = (v: unknown): boolean => v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff);
const isProto = (v: unknown): v is IpsecProtocol => v === 'esp' || v === 'ah';

function checkSa(v: unknown): RecordedSa | null {
  if (!isObj(v) || !isProto(v.protocol) || !isStr(v.dst) || !isU32(v.spi) || (v.src !== undefined && !isStr(v.src))) return null;
  return { protocol: v.protocol, dst: v.dst, spi: v.spi, ...(v.src !== undefined ? { src: v.src as string } : {}) };
}

function checkFlow(v: unknown): KernelFlowSpec | null {
  if (!isObj(v)) return null;
  const { dir, src, dst, proto, sport, dport, tunnelSrc, tunnelDst, protocol, mode, reqid, priority } = v;
  if (dir !== 'in' && dir !== 'out' && dir !== 'fwd') return null;
  if (!isStr(src) || !isStr(dst) || !isStr(tunnelSrc) || !isStr(tunnelDst) || !isProto(protocol)) return null;
  if (mode !== 'tunnel' && mode !== 'transport') return null;
  if (!Number.isInteger(proto) || (proto as number) < 0 || (proto as number) > 255 || !isPort(sport) || !isPort(dport) || !isU32(reqid)) return null;
  if (priority !== undefined && !isU32(priority)) return null;
  return {
    dir, src, dst, proto: proto as number, tunnelSrc, tunnelDst, protocol, mode, reqid,
    ...(sport !== undefined ? { sport: sport as number } : {}),
    ...(dport !== undefined ? { dport: dport as number } : {}),
    ...(priority !== undefined ? { priority } : {}),
  };
}

/** One journal line as an operation; null for a line that is not one (skipped, counted). */
function parseLine(line: string): { put: [string, RecordEntry] } | { drop: string } | { header: Header } | null {
  if (line.length > MAX_LINE) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObj(v)) return null;
  if (v.iked === HEADER_TAG) {
    if (!Number.isInteger(v.pid) || (v.pid as number) <= 0 || (v.adapter !== undefined && !isStr(v.adapter, 32))) return null;
    return { header: { iked: HEADER_TAG, pid: v.pid as number, ...(v.adapter !== undefined ? { adapter: v.adapter as string } : {}) } };
  }
  if (isStr(v['-'], 512)) return { drop: v['-'] };
  if (!isStr(v['+'], 512)) return null;
  if ('sa' in v) {
    const sa = checkSa(v.sa);
    return sa ? { put: [v['+'], { sa }] } : null;
  }
  const flow = checkFlow(v.flow);
  return flow ? { put: [v['+'], { flow }] } : null;
}

/** The record file: its last writer, what it still lists, and lines that made no sense. */
export interface RecordContents {
  owner?: number;
  adapter?: string;
  entries: Map<string, RecordEntry>;
  badLines: number;
}

export function readKernelRecord(path: string): RecordContents | null {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`kernel record ${path}: ${(e as Error).message}`);
  }
  const out: RecordContents = { entries: new Map(), badLines: 0 };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const op = parseLine(line);
    if (!op) out.badLines++;
    else if ('header' in op) {
      out.owner = op.header.pid;
      if (op.header.adapter) out.adapter = op.header.adapter;
    } else if ('put' in op) out.entries.set(op.put[0], op.put[1]);
    else out.entries.delete(op.drop);
  }
  return out;
}

/** The journal of one running iked: appends lines, rewrites itself when mostly removals. */
export interface JournalOptions {
  /** what a previous iked could not remove, and its adapter */
  entries?: ReadonlyMap<string, RecordEntry>;
  adapter?: string;
  /** the writer (default: this process) */
  pid?: number;
  /** a later write failed (full or read-only /var/run): told once; the SAs are still installed, unrecorded */
  onWriteError?: (e: Error) => void;
}

export class KernelJournal implements KernelRecord {
  private fd: number;
  private lines = 0;
  private closed = false;
  private failed = false;

  private constructor(
    readonly path: string,
    private header: Header,
    private readonly live: Map<string, RecordEntry>,
    private readonly onWriteError: (e: Error) => void,
  ) {
    this.fd = this.rewrite();
  }

  /** Start a journal owned by this process (throws if the file cannot be written). */
  static create(path: string, o: JournalOptions = {}): KernelJournal {
    const header: Header = { iked: HEADER_TAG, pid: o.pid ?? process.pid, ...(o.adapter ? { adapter: o.adapter } : {}) };
    return new KernelJournal(path, header, new Map(o.entries ?? []), o.onWriteError ?? (() => undefined));
  }

  /** Entries now listed (for tests and the leftover report). */
  get entries(): ReadonlyMap<string, RecordEntry> {
    return this.live;
  }

  /** The adapter the entries belong to (recovery opens that one). */
  setAdapter(name: string): void {
    this.header = { ...this.header, adapter: name };
    this.append(this.header);
  }

  put(key: string, entry: RecordEntry): void {
    this.live.set(key, entry);
    this.append({ '+': key, ...entry });
  }

  drop(key: string): void {
    if (!this.live.delete(key)) return;
    this.append({ '-': key });
    if (this.lines > 256 && this.lines > 4 * this.live.size) this.compact();
  }

  /** Close; the file goes when nothing is listed (everything was removed), else it stays for the next start. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    if (this.live.size === 0) fs.rmSync(this.path, { force: true });
  }

  private append(v: object): void {
    if (this.closed) return;
    try {
      fs.writeSync(this.fd, JSON.stringify(v) + '\n');
      this.lines++;
    } catch (e) {
      this.writeFailed(e as Error);
    }
  }

  private compact(): void {
    try {
      const old = this.fd;
      this.fd = this.rewrite();
      fs.closeSync(old);
    } catch (e) {
      this.writeFailed(e as Error);
    }
  }

  private writeFailed(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onWriteError(e);
  }

  /** Header + live entries into a temporary file, renamed over the record; returns an fd appending to it. */
  private rewrite(): number {
    const tmp = `${this.path}.tmp`;
    const text = [this.header, ...[...this.live].map(([k, e]) => ({ '+': k, ...e }))].map((v) => JSON.stringify(v) + '\n').join('');
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, this.path);
    this.lines = this.live.size + 1;
    return fs.openSync(this.path, 'a');
  }
}

/**
 * Is the record's writer still running? Yes if the pid exists and is not us, and (where
 * /proc tells) its command line names iked: a pid reused by another program after a
 * crash does not block the start.
 */
export function recordOwnerAlive(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('iked');
  } catch {
    return !fs.existsSync('/proc/self');
  }
}
