/**
 * ikectl(8)'s command grammar, matched word by word like OpenBSD's
 * usr.sbin/ikectl/parser.c: the words after the global options become
 * either a control-socket request or a local `ca` operation.
 */
import { ControlRequest } from '../proc/control-protocol';
import { RESET_TARGETS, ResetTarget } from '../proc/control-api';

export type CertPurpose = 'server' | 'client' | 'ocsp';

export type CaCommand =
  | { op: 'ca-create'; ca: string; password?: string }
  | { op: 'ca-delete'; ca: string }
  | { op: 'ca-install'; ca: string; path?: string }
  | { op: 'ca-export'; ca: string; peer?: string; password?: string }
  | { op: 'cert-create'; ca: string; host: string; purpose?: CertPurpose }
  | { op: 'cert-delete'; ca: string; host: string }
  | { op: 'cert-install'; ca: string; host: string; path?: string }
  | { op: 'cert-export'; ca: string; host: string; peer?: string; password?: string }
  | { op: 'cert-revoke'; ca: string; host: string }
  | { op: 'key-create'; ca: string; host: string }
  | { op: 'key-delete'; ca: string; host: string }
  | { op: 'key-install'; ca: string; host: string; path?: string }
  | { op: 'key-import'; ca: string; host: string; file: string }
  | { op: 'ca-show-certs'; ca: string; host?: string };

export type IkectlCommand =
  | { kind: 'control'; req: ControlRequest; /** `show ca` falls back to reading the CA directory */ localCa?: CaCommand }
  | { kind: 'ca'; cmd: CaCommand };

export const IKECTL_COMMANDS = [
  'active',
  'passive',
  'couple',
  'decouple',
  'load FILE',
  'log brief | log verbose',
  'monitor',
  'reload',
  'reset all | ca | policy | sa | user | id ID',
  'show sa | flows | stats | certstore',
  'show ca NAME certificates [HOST]',
  'ca NAME create [password PW] | delete | install [PATH] | export [peer P] [password PW]',
  'ca NAME certificate HOST create [server | client | ocsp] | delete | install [PATH] | export [peer P] [password PW] | revoke',
  'ca NAME key HOST create | delete | install [PATH] | import FILE',
];

/** Names used as file names: no path separators, no leading dot or dash. */
function validName(what: string, s: string | undefined): string | { error: string } {
  if (s === undefined || s === '') return { error: `missing ${what}` };
  if (s.includes('/') || s.includes('\0') || s.startsWith('.') || s.startsWith('-') || s.length > 255) {
    return { error: `invalid ${what}: ${s}` };
  }
  return s;
}

type Parsed = IkectlCommand | { error: string };

/** Parse optional trailing "peer P" / "password PW" pairs. */
function keywordPairs(words: string[], allowed: string[]): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i += 2) {
    const k = words[i];
    if (!allowed.includes(k)) return { error: `unexpected argument: ${k}` };
    if (i + 1 >= words.length) return { error: `missing value after ${k}` };
    out[k] = words[i + 1];
  }
  return out;
}

function parseCa(w: string[]): Parsed {
  const ca = validName('CA name', w[1]);
  if (typeof ca !== 'string') return ca;
  const sub = w[2];
  const rest = w.slice(3);
  const none = (cmd: CaCommand): Parsed => (rest.length ? { error: `unexpected argument: ${rest[0]}` } : { kind: 'ca', cmd });
  switch (sub) {
    case 'create': {
      const kv = keywordPairs(rest, ['password']);
      if ('error' in kv) return kv as { error: string };
      return { kind: 'ca', cmd: { op: 'ca-create', ca, password: kv.password } };
    }
    case 'delete':
      return none({ op: 'ca-delete', ca });
    case 'install':
      if (rest.length > 1) return { error: `unexpected argument: ${rest[1]}` };
      return { kind: 'ca', cmd: { op: 'ca-install', ca, path: rest[0] } };
    case 'export': {
      const kv = keywordPairs(rest, ['peer', 'password']);
      if ('error' in kv) return kv as { error: string };
      return { kind: 'ca', cmd: { op: 'ca-export', ca, peer: kv.peer, password: kv.password } };
    }
    case 'certificate':
    case 'key': {
      const host = validName('host name', w[3]);
      if (typeof host !== 'string') return host;
      const action = w[4];
      const more = w.slice(5);
      const noMore = (cmd: CaCommand): Parsed =>
        more.length ? { error: `unexpected argument: ${more[0]}` } : { kind: 'ca', cmd };
      if (sub === 'certificate') {
        switch (action) {
          case 'create': {
            if (more.length > 1) return { error: `unexpected argument: ${more[1]}` };
            const p = more[0];
            if (p !== undefined && p !== 'server' && p !== 'client' && p !== 'ocsp') {
              return { error: `unknown certificate type: ${p} (expected server, client or ocsp)` };
            }
            return { kind: 'ca', cmd: { op: 'cert-create', ca, host, purpose: p as CertPurpose | undefined } };
          }
          case 'delete':
            return noMore({ op: 'cert-delete', ca, host });
          case 'revoke':
            return noMore({ op: 'cert-revoke', ca, host });
          case 'install':
            if (more.length > 1) return { error: `unexpected argument: ${more[1]}` };
            return { kind: 'ca', cmd: { op: 'cert-install', ca, host, path: more[0] } };
          case 'export': {
            const kv = keywordPairs(more, ['peer', 'password']);
            if ('error' in kv) return kv as { error: string };
            return { kind: 'ca', cmd: { op: 'cert-export', ca, host, peer: kv.peer, password: kv.password } };
          }
          default:
            return { error: action ? `unknown certificate command: ${action}` : 'missing certificate command' };
        }
      }
      switch (action) {
        case 'create':
          return noMore({ op: 'key-create', ca, host });
        case 'delete':
          return noMore({ op: 'key-delete', ca, host });
        case 'install':
          if (more.length > 1) return { error: `unexpected argument: ${more[1]}` };
          return { kind: 'ca', cmd: { op: 'key-install', ca, host, path: more[0] } };
        case 'import':
          if (more.length !== 1) return { error: 'key import: exactly one FILE is required' };
          return { kind: 'ca', cmd: { op: 'key-import', ca, host, file: more[0] } };
        default:
          return { error: action ? `unknown key command: ${action}` : 'missing key command' };
      }
    }
    default:
      return { error: sub ? `unknown ca command: ${sub}` : 'missing ca command' };
  }
}

function simple(req: ControlRequest, extra: string[]): Parsed {
  return extra.length ? { error: `unexpected argument: ${extra[0]}` } : { kind: 'control', req };
}

export function parseIkectlWords(w: string[]): Parsed {
  if (w.length === 0) return { error: 'missing command' };
  const rest = w.slice(1);
  switch (w[0]) {
    case 'active':
    case 'passive':
    case 'couple':
    case 'decouple':
    case 'monitor':
      return simple({ cmd: w[0] }, rest);
    case 'reload':
      return simple({ cmd: 'reload' }, rest);
    case 'load':
      if (rest.length !== 1) return { error: 'load: exactly one FILE is required' };
      return { kind: 'control', req: { cmd: 'reload', file: rest[0] } };
    case 'log':
      if (rest[0] === 'brief' || rest[0] === 'verbose') return simple({ cmd: 'log', verbose: rest[0] === 'verbose' }, rest.slice(1));
      return { error: 'log: expected brief or verbose' };
    case 'reset': {
      const what = rest[0];
      if (!what || !(RESET_TARGETS as readonly string[]).includes(what)) {
        return { error: `reset: expected one of ${RESET_TARGETS.join(', ')}` };
      }
      if (what === 'id') {
        if (rest.length !== 2) return { error: 'reset id: exactly one ID is required' };
        return { kind: 'control', req: { cmd: 'reset', what: 'id', arg: rest[1] } };
      }
      return simple({ cmd: 'reset', what: what as ResetTarget }, rest.slice(1));
    }
    case 'show': {
      const what = rest[0];
      switch (what) {
        case 'sa':
          return simple({ cmd: 'show-sa' }, rest.slice(1));
        case 'flows':
          return simple({ cmd: 'show-flows' }, rest.slice(1));
        case 'stats':
          return simple({ cmd: 'show-stats' }, rest.slice(1));
        case 'certstore':
          return simple({ cmd: 'show-certstore' }, rest.slice(1));
        case 'ca': {
          const name = validName('CA name', rest[1]);
          if (typeof name !== 'string') return name;
          if (rest[2] !== 'certificates') return { error: 'show ca NAME certificates: expected "certificates"' };
          if (rest.length > 4) return { error: `unexpected argument: ${rest[4]}` };
          const host = rest[3];
          if (host !== undefined) {
            const h = validName('host name', host);
            if (typeof h !== 'string') return h;
          }
          return {
            kind: 'control',
            req: { cmd: 'show-ca', name },
            localCa: { op: 'ca-show-certs', ca: name, host },
          };
        }
        default:
          return { error: what ? `unknown show target: ${what}` : 'show: expected sa, flows, stats, certstore or ca' };
      }
    }
    case 'ca':
      return parseCa(w);
    default:
      return { error: `unknown command: ${w[0]}` };
  }
}
