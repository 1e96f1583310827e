/**
 * Compare our daemon's view of an SA (ikectl show sa --json) with the peer
 * charon's view (swanctl --list-sas --raw) of THE SAME SA from the other end:
 *   our ikeSpiI/ikeSpiR == their spiI/spiR; our local == their remote;
 *   our localId == their remoteId; each of our children has a peer child with
 *   their spiOut == our spiIn and their spiIn == our spiOut; our tsLocal == their remoteTs;
 *   algorithms equal after mapping strongSwan names to IANA names.
 */
import { SwanChild, SwanSa } from './swanctl-parse';
import { swanToIana } from './swan-names';

export interface OurChild {
  name?: string;
  spiIn: string;
  spiOut: string;
  protocol: string;
  mode: string;
  encr: string;
  encrKeyBits?: number | null;
  integ: string | null;
  dh: string | null;
  addKe?: string[];
  tsLocal: string[];
  tsRemote: string[];
  encap: boolean;
}

/** One element of `ikectl show sa --json`. */
export interface OurSa {
  name: string;
  state: string;
  ikeSpiI: string;
  ikeSpiR: string;
  /** "addr:port" ("[v6]:port" for IPv6). */
  local: string;
  remote: string;
  localId: string;
  remoteId: string;
  initiator: boolean;
  encr: string;
  encrKeyBits?: number | null;
  integ: string | null;
  prf: string;
  dh: string;
  addKe?: string[];
  natLocal: boolean;
  natRemote: boolean;
  children: OurChild[];
}

export interface ComparePerspective {
  /** Who initiated the IKE_SA; checked against both `initiator` flags when given. */
  initiator?: 'ours' | 'theirs';
  /**
   * 'none' (default): addresses must mirror exactly.
   * 'ours-behind-nat': only our remote == their local is checked, and our natLocal / their natRemote must be true.
   * 'theirs-behind-nat': the mirror image.
   * 'ignore': addresses and NAT flags are not compared.
   */
  nat?: 'none' | 'ours-behind-nat' | 'theirs-behind-nat' | 'ignore';
  /** Compare ports too (default true). */
  ports?: boolean;
}

/** Split "addr:port" / "[v6]:port" / bare "addr". */
export function splitHostPort(s: string): { host: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : undefined };
  const m = /^([^:]+):(\d+)$/.exec(s);
  if (m) return { host: m[1], port: Number(m[2]) };
  return { host: s };
}

function normHex(s: string | undefined): string {
  return (s ?? '').toLowerCase().replace(/^0x/, '');
}

function sameSet(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function cmp(out: string[], what: string, ours: unknown, theirs: unknown): void {
  if (ours !== theirs) out.push(`${what}: ours=${JSON.stringify(ours)} theirs=${JSON.stringify(theirs)}`);
}

/** charon omits encr-keysize for fixed-key ciphers (ChaCha20-Poly1305): then ours is not checked. */
function keyBits(out: string[], what: string, ours: number | null | undefined, theirs: number | undefined): void {
  if (theirs === undefined) return;
  cmp(out, what, ours ?? undefined, theirs);
}

function endpoint(out: string[], what: string, ours: string, theirsHost: string, theirsPort: number | undefined, ports: boolean): void {
  const o = splitHostPort(ours);
  cmp(out, `${what} address`, o.host, theirsHost);
  if (ports && theirsPort !== undefined) cmp(out, `${what} port`, o.port, theirsPort);
}

function compareChild(out: string[], label: string, o: OurChild, t: SwanChild): void {
  cmp(out, `${label} spiOut (= their spiIn)`, normHex(o.spiOut), normHex(t.spiIn));
  cmp(out, `${label} protocol`, o.protocol.toUpperCase(), t.protocol.toUpperCase());
  cmp(out, `${label} mode`, o.mode.toUpperCase(), t.mode.toUpperCase());
  cmp(out, `${label} encr`, o.encr, swanToIana('encr', t.encr));
  keyBits(out, `${label} encr key bits`, o.encrKeyBits, t.encrKeySize);
  cmp(out, `${label} integ`, o.integ ?? undefined, t.integ === undefined ? undefined : swanToIana('integ', t.integ));
  cmp(out, `${label} dh`, o.dh ?? undefined, t.dh === undefined ? undefined : swanToIana('dh', t.dh));
  cmp(out, `${label} encap`, o.encap, t.encap ?? false);
  if (!sameSet(o.tsLocal, t.remoteTs)) out.push(`${label} our tsLocal ${JSON.stringify(o.tsLocal)} != their remoteTs ${JSON.stringify(t.remoteTs)}`);
  if (!sameSet(o.tsRemote, t.localTs)) out.push(`${label} our tsRemote ${JSON.stringify(o.tsRemote)} != their localTs ${JSON.stringify(t.localTs)}`);
}

/** List of mismatches (empty when both ends agree). */
export function compareSa(ours: OurSa, theirs: SwanSa, perspective: ComparePerspective = {}): string[] {
  const out: string[] = [];
  const nat = perspective.nat ?? 'none';
  const ports = perspective.ports ?? true;
  cmp(out, 'IKE state', ours.state, theirs.state);
  cmp(out, 'IKE SPIi', normHex(ours.ikeSpiI), normHex(theirs.spiI));
  cmp(out, 'IKE SPIr', normHex(ours.ikeSpiR), normHex(theirs.spiR));
  cmp(out, 'our localId vs their remoteId', ours.localId, theirs.remoteId);
  cmp(out, 'our remoteId vs their localId', ours.remoteId, theirs.localId);
  if (ours.initiator === theirs.initiator) out.push(`both ends claim initiator=${ours.initiator}`);
  if (perspective.initiator) cmp(out, 'our initiator flag', ours.initiator, perspective.initiator === 'ours');
  if (nat !== 'ignore') {
    if (nat !== 'ours-behind-nat') endpoint(out, 'our local vs their remote', ours.local, theirs.remoteHost, theirs.remotePort, ports);
    if (nat !== 'theirs-behind-nat') endpoint(out, 'our remote vs their local', ours.remote, theirs.localHost, theirs.localPort, ports);
    if (nat === 'ours-behind-nat') {
      cmp(out, 'our natLocal', ours.natLocal, true);
      cmp(out, 'their natRemote', theirs.natRemote ?? false, true);
    }
    if (nat === 'theirs-behind-nat') {
      cmp(out, 'our natRemote', ours.natRemote, true);
      cmp(out, 'their natLocal', theirs.natLocal ?? false, true);
    }
  }
  cmp(out, 'IKE encr', ours.encr, swanToIana('encr', theirs.encr));
  keyBits(out, 'IKE encr key bits', ours.encrKeyBits, theirs.encrKeySize);
  cmp(out, 'IKE integ', ours.integ ?? undefined, theirs.integ === undefined ? undefined : swanToIana('integ', theirs.integ));
  cmp(out, 'IKE prf', ours.prf, theirs.prf === undefined ? undefined : swanToIana('prf', theirs.prf));
  cmp(out, 'IKE dh', ours.dh, theirs.dh === undefined ? undefined : swanToIana('dh', theirs.dh));
  cmp(out, 'CHILD_SA count', ours.children.length, theirs.children.length);
  ours.children.forEach((o, i) => {
    const label = `child[${i}] spiIn=${o.spiIn}`;
    const t = theirs.children.find((c) => normHex(c.spiOut) === normHex(o.spiIn));
    if (!t) {
      out.push(`${label}: the peer has no CHILD_SA with spiOut=${o.spiIn} (theirs: ${theirs.children.map((c) => `${c.spiIn}/${c.spiOut}`).join(', ') || 'none'})`);
      return;
    }
    compareChild(out, label, o, t);
  });
  return out;
}

/**
 * Compare two charons' views of the same SA (both SwanSa): the same mirror
 * rules, used by the harness self-test and for charon<->charon baselines.
 */
export function compareSwanPair(x: SwanSa, y: SwanSa, nat: 'none' | 'x-behind-nat' | 'y-behind-nat' | 'ignore' = 'none'): string[] {
  const out: string[] = [];
  cmp(out, 'IKE state', x.state, y.state);
  cmp(out, 'IKE SPIi', x.spiI, y.spiI);
  cmp(out, 'IKE SPIr', x.spiR, y.spiR);
  cmp(out, 'x localId vs y remoteId', x.localId, y.remoteId);
  cmp(out, 'x remoteId vs y localId', x.remoteId, y.localId);
  if (x.initiator === y.initiator) out.push(`both ends claim initiator=${x.initiator}`);
  if (nat !== 'ignore') {
    if (nat !== 'x-behind-nat') cmp(out, 'x local vs y remote', `${x.localHost}:${x.localPort}`, `${y.remoteHost}:${y.remotePort}`);
    if (nat !== 'y-behind-nat') cmp(out, 'x remote vs y local', `${x.remoteHost}:${x.remotePort}`, `${y.localHost}:${y.localPort}`);
  }
  for (const k of ['encr', 'encrKeySize', 'integ', 'prf', 'dh'] as const) cmp(out, `IKE ${k}`, x[k], y[k]);
  cmp(out, 'CHILD_SA count', x.children.length, y.children.length);
  for (const c of x.children) {
    const d = y.children.find((e) => e.spiOut === c.spiIn);
    if (!d) {
      out.push(`x child ${c.name} spiIn=${c.spiIn}: no peer child with spiOut=${c.spiIn}`);
      continue;
    }
    cmp(out, `child ${c.name} spiOut`, c.spiOut, d.spiIn);
    for (const k of ['protocol', 'mode', 'encr', 'encrKeySize', 'integ', 'dh', 'encap'] as const) cmp(out, `child ${c.name} ${k}`, c[k], d[k]);
    if (!sameSet(c.localTs, d.remoteTs)) out.push(`child ${c.name}: x localTs ${c.localTs} != y remoteTs ${d.remoteTs}`);
    if (!sameSet(c.remoteTs, d.localTs)) out.push(`child ${c.name}: x remoteTs ${c.remoteTs} != y localTs ${d.localTs}`);
  }
  return out;
}
