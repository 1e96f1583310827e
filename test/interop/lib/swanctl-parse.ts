/**
 * Parser for `swanctl --list-sas --raw`: swanctl prints every vici message on
 * one line as `<message name> {key=value key=[item item] section {...}}`.
 * Values are NOT quoted: an identity such as `C=ZZ, O=t x, CN=a.test` appears
 * verbatim, so a scalar value runs until the next ` key=` (lower-case vici key),
 * ` name {`, or `}`. (A DN with a lower-case attribute name could be split;
 * charon prints DN attributes in upper case.)
 */

/** A vici section: scalars, lists and nested sections (order preserved). */
export interface ViciSection {
  [key: string]: string | string[] | ViciSection;
}

export interface SwanChild {
  /** Child config name (vici `name`, the section key is `<name>-<uniqueid>`). */
  name: string;
  uniqueId?: number;
  reqid?: number;
  /** INSTALLED, REKEYED, ... */
  state: string;
  /** ESP or AH. */
  protocol: string;
  spiIn: string;
  spiOut: string;
  encr: string;
  encrKeySize?: number;
  integ?: string;
  dh?: string;
  /** TUNNEL or TRANSPORT (as charon prints it). */
  mode: string;
  localTs: string[];
  remoteTs: string[];
  encap?: boolean;
  bytesIn?: number;
  bytesOut?: number;
  packetsIn?: number;
  packetsOut?: number;
  raw: ViciSection;
}

export interface SwanSa {
  name: string;
  uniqueId?: number;
  version?: number;
  state: string;
  /** IKE SPIs, 16 lower-case hex digits. */
  spiI: string;
  spiR: string;
  localHost: string;
  localPort?: number;
  remoteHost: string;
  remotePort?: number;
  localId: string;
  remoteId: string;
  initiator: boolean;
  encr: string;
  encrKeySize?: number;
  integ?: string;
  prf?: string;
  dh?: string;
  natLocal?: boolean;
  natRemote?: boolean;
  natFake?: boolean;
  natAny?: boolean;
  children: SwanChild[];
  raw: ViciSection;
}

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  fail(msg: string): never {
    throw new Error(`swanctl raw output: ${msg} at column ${this.pos}: ...${this.s.slice(Math.max(0, this.pos - 30), this.pos + 30)}...`);
  }
  skipSpaces(): void {
    while (this.s[this.pos] === ' ' || this.s[this.pos] === '\t') this.pos++;
  }
}

const KEY_AHEAD = /^ ([a-z][a-z0-9_-]*=|[^\s{}=[\]]+ ?\{|\})/;

function parseSection(c: Cursor): ViciSection {
  c.skipSpaces();
  if (c.s[c.pos] !== '{') c.fail("expected '{'");
  c.pos++;
  const out: ViciSection = {};
  for (;;) {
    c.skipSpaces();
    if (c.pos >= c.s.length) c.fail("unterminated section, missing '}'");
    if (c.s[c.pos] === '}') {
      c.pos++;
      return out;
    }
    const start = c.pos;
    while (c.pos < c.s.length && !'={ '.includes(c.s[c.pos])) c.pos++;
    const key = c.s.slice(start, c.pos);
    if (!key) c.fail('expected a key');
    if (c.s[c.pos] === '=') {
      c.pos++;
      if (c.s[c.pos] === '[') {
        const end = c.s.indexOf(']', c.pos);
        if (end < 0) c.fail(`unterminated list for '${key}'`);
        out[key] = c.s
          .slice(c.pos + 1, end)
          .split(' ')
          .filter((x) => x);
        c.pos = end + 1;
      } else {
        const vstart = c.pos;
        for (;;) {
          if (c.pos >= c.s.length) c.fail(`unterminated value for '${key}'`);
          const ch = c.s[c.pos];
          if (ch === '}') break;
          if (ch === ' ' && KEY_AHEAD.test(c.s.slice(c.pos, c.pos + 80))) break;
          c.pos++;
        }
        out[key] = c.s.slice(vstart, c.pos);
      }
    } else {
      out[key] = parseSection(c);
    }
  }
}

/** Parse every `name {...}` message of a raw dump. */
export function parseViciRaw(raw: string): { name: string; body: ViciSection }[] {
  const msgs: { name: string; body: ViciSection }[] = [];
  for (const line of raw.split('\n')) {
    if (!line.trim()) continue;
    const brace = line.indexOf('{');
    if (brace < 0) continue; // not a vici message (e.g. a log line)
    const c = new Cursor(line);
    c.pos = brace;
    msgs.push({ name: line.slice(0, brace).trim(), body: parseSection(c) });
  }
  return msgs;
}

function str(sec: ViciSection, key: string): string | undefined {
  const v = sec[key];
  return typeof v === 'string' ? v : undefined;
}
function num(sec: ViciSection, key: string): number | undefined {
  const v = str(sec, key);
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}
function yes(sec: ViciSection, key: string): boolean | undefined {
  const v = str(sec, key);
  return v === undefined ? undefined : v === 'yes';
}
function list(sec: ViciSection, key: string): string[] {
  const v = sec[key];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}
function need(sec: ViciSection, key: string, what: string): string {
  const v = str(sec, key);
  if (v === undefined) throw new Error(`swanctl raw output: ${what} has no '${key}'`);
  return v;
}

function toChild(key: string, sec: ViciSection): SwanChild {
  return {
    name: str(sec, 'name') ?? key.replace(/-\d+$/, ''),
    uniqueId: num(sec, 'uniqueid'),
    reqid: num(sec, 'reqid'),
    state: need(sec, 'state', `CHILD_SA ${key}`),
    protocol: str(sec, 'protocol') ?? '',
    spiIn: (str(sec, 'spi-in') ?? '').toLowerCase(),
    spiOut: (str(sec, 'spi-out') ?? '').toLowerCase(),
    encr: str(sec, 'encr-alg') ?? '',
    encrKeySize: num(sec, 'encr-keysize'),
    integ: str(sec, 'integ-alg'),
    dh: str(sec, 'dh-group'),
    mode: str(sec, 'mode') ?? '',
    localTs: list(sec, 'local-ts'),
    remoteTs: list(sec, 'remote-ts'),
    encap: yes(sec, 'encap'),
    bytesIn: num(sec, 'bytes-in'),
    bytesOut: num(sec, 'bytes-out'),
    packetsIn: num(sec, 'packets-in'),
    packetsOut: num(sec, 'packets-out'),
    raw: sec,
  };
}

function toSa(name: string, sec: ViciSection): SwanSa {
  const children: SwanChild[] = [];
  const cs = sec['child-sas'];
  if (cs && typeof cs === 'object' && !Array.isArray(cs)) {
    for (const [k, v] of Object.entries(cs)) {
      if (typeof v === 'object' && !Array.isArray(v)) children.push(toChild(k, v));
    }
  }
  return {
    name,
    uniqueId: num(sec, 'uniqueid'),
    version: num(sec, 'version'),
    state: need(sec, 'state', `IKE_SA ${name}`),
    spiI: (str(sec, 'initiator-spi') ?? '').toLowerCase(),
    spiR: (str(sec, 'responder-spi') ?? '').toLowerCase(),
    localHost: str(sec, 'local-host') ?? '',
    localPort: num(sec, 'local-port'),
    remoteHost: str(sec, 'remote-host') ?? '',
    remotePort: num(sec, 'remote-port'),
    localId: str(sec, 'local-id') ?? '',
    remoteId: str(sec, 'remote-id') ?? '',
    initiator: yes(sec, 'initiator') ?? false,
    encr: str(sec, 'encr-alg') ?? '',
    encrKeySize: num(sec, 'encr-keysize'),
    integ: str(sec, 'integ-alg'),
    prf: str(sec, 'prf-alg'),
    dh: str(sec, 'dh-group'),
    natLocal: yes(sec, 'nat-local'),
    natRemote: yes(sec, 'nat-remote'),
    natFake: yes(sec, 'nat-fake'),
    natAny: yes(sec, 'nat-any'),
    children,
    raw: sec,
  };
}

/** Parse `swanctl --list-sas --raw` into one SwanSa per IKE_SA (in output order). */
export function parseListSas(raw: string): SwanSa[] {
  const out: SwanSa[] = [];
  for (const m of parseViciRaw(raw)) {
    if (m.name !== 'list-sa event') continue;
    for (const [name, sec] of Object.entries(m.body)) {
      if (typeof sec === 'object' && !Array.isArray(sec)) out.push(toSa(name, sec));
    }
  }
  return out;
}
