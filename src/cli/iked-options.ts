/**
 * iked(8) command line, parsed into IkedOptions by a pure function.
 *   iked [-6dnSTtVv] [-D macro=value] [-f file] [-p udpencap_port] [-s socket]
 */
import type { EngineTiming } from '../ikev2/engine';
import { IKED_DEFAULT_CONFIG, IKED_DEFAULT_SOCKET, IKED_DEFAULT_IKE_PORT, IKED_DEFAULT_NATT_PORT, type IkedOptions } from '../proc/daemon-options';
import { parseSimpleArgs } from './iked-simple-args';

export { IKED_DEFAULT_CONFIG, IKED_DEFAULT_SOCKET, IKED_DEFAULT_IKE_PORT, IKED_DEFAULT_NATT_PORT, type IkedOptions };


export const IKED_USAGE =
  'usage: iked [-dnSTtVv] [-D macro=value] [-f file] [-p udpencap_port] [-s socket]';

function parsePort(flag: string, v: unknown): number | { error: string } {
  const s = String(v);
  if (!/^[0-9]+$/.test(s)) return { error: `${flag}: port is invalid: ${s}` };
  const n = Number(s);
  if (n < 1) return { error: `${flag}: port is too small: ${s}` };
  if (n > 65535) return { error: `${flag}: port is too large: ${s}` };
  return n;
}

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return [String(v)];
}

/** Short options that take an argument (getopt "D:f:p:s:"). */
const WITH_ARG = new Set(['D', 'f', 'p', 's']);

/**
 * getopt(3) semantics for bundled short options before yargs sees them:
 * "-Dfoo=bar" -> "-D" "foo=bar", "-dvf file" -> "-d" "-v" "-f" "file".
 */
export function splitShortOptions(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg.startsWith('--') || arg.length < 2) {
      out.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      out.push('-' + c);
      if (WITH_ARG.has(c)) {
        if (j + 1 < arg.length) out.push(arg.slice(j + 1));
        else if (i + 1 < argv.length) out.push(argv[++i]);
        break;
      }
    }
  }
  return out;
}

/** yargs's reading of the split arguments, or its error message. yargs is loaded only here. */
export function parseWithYargs(split: string[]): Record<string, unknown> | { error: string } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const yargs = require('yargs') as typeof import('yargs').default;
  let failure: string | null = null;
  const y = yargs(split)
    .scriptName('iked')
    .help(false)
    .version(false)
    .exitProcess(false)
    .strict()
    .parserConfiguration({ 'camel-case-expansion': false, 'duplicate-arguments-array': true, 'short-option-groups': true })
    .option('d', { type: 'boolean' })
    .option('n', { type: 'boolean' })
    .option('S', { type: 'boolean' })
    .option('T', { type: 'boolean' })
    .option('t', { type: 'boolean' })
    .option('V', { type: 'boolean' })
    .option('6', { type: 'boolean' })
    .option('v', { type: 'count' })
    .option('D', { type: 'string', array: false, requiresArg: true })
    .option('f', { type: 'string', requiresArg: true })
    .option('p', { type: 'string', requiresArg: true })
    .option('s', { type: 'string', requiresArg: true })
    .option('ike-port', { type: 'string', requiresArg: true, hidden: true })
    .fail((msg, err) => {
      failure = msg || (err ? err.message : 'invalid arguments');
    });

  let a: Record<string, unknown>;
  try {
    a = y.parseSync() as Record<string, unknown>;
  } catch (e) {
    return { error: failure ?? (e instanceof Error ? e.message : String(e)) };
  }
  if (failure) return { error: failure };
  return a;
}

export function parseIkedArgs(argv: string[]): IkedOptions | { error: string } {
  const split = splitShortOptions(argv);
  const parsed = parseSimpleArgs(split) ?? parseWithYargs(split);
  if ('error' in parsed) return parsed as { error: string };
  return ikedOptionsFrom(parsed);
}

/** IkedOptions from the arguments as yargs (or parseSimpleArgs) read them. */
export function ikedOptionsFrom(a: Record<string, unknown>): IkedOptions | { error: string } {
  const positional = asList(a._);
  if (positional.length > 0) return { error: `unexpected argument: ${positional[0]}` };

  for (const k of ['d', 'n', 'S', 'T', 't', 'V', '6']) {
    if (Array.isArray(a[k])) a[k] = (a[k] as unknown[]).some(Boolean);
  }
  const single = (k: string): string | undefined => {
    const l = asList(a[k]);
    return l.length ? l[l.length - 1] : undefined;
  };

  const macros: Record<string, string> = {};
  for (const def of asList(a.D)) {
    const eq = def.indexOf('=');
    const name = eq > 0 ? def.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return { error: `could not parse macro definition ${def}` };
    }
    macros[name] = def.slice(eq + 1);
  }

  if (a.T === true && a.t === true) return { error: 'conflicting NAT-T options' };

  let nattPort = IKED_DEFAULT_NATT_PORT;
  const p = single('p');
  if (p !== undefined) {
    const r = parsePort('-p', p);
    if (typeof r !== 'number') return r;
    nattPort = r;
  }
  let ikePort = IKED_DEFAULT_IKE_PORT;
  const ip = single('ike-port');
  if (ip !== undefined) {
    const r = parsePort('--ike-port', ip);
    if (typeof r !== 'number') return r;
    ikePort = r;
  }
  if (ikePort === nattPort) return { error: `IKE port and NAT-T port are both ${ikePort}` };

  const warnings: string[] = [];
  if (a['6'] === true) warnings.push('-6 is obsolete on this port (IPv6 is not started automatically, use explicit addresses)');

  const configFile = single('f') ?? IKED_DEFAULT_CONFIG;
  const socketPath = single('s') ?? IKED_DEFAULT_SOCKET;
  if (configFile === '') return { error: '-f: empty file name' };
  if (socketPath === '') return { error: '-s: empty socket path' };

  return {
    foreground: a.d === true,
    configFile,
    checkOnly: a.n === true,
    verbose: typeof a.v === 'number' ? a.v : 0,
    macros,
    socketPath,
    natt: a.T === true ? 'disable' : a.t === true ? 'force' : 'auto',
    nattPort,
    ikePort,
    passive: a.S === true,
    ipv6: a['6'] !== true,
    showVersion: a.V === true,
    warnings,
  };
}

/** IKED_KERNEL=xfrm|pfkey|decoupled forces a kernel adapter (tests; default: the platform's choice). */
export function kernelFromEnv(env: NodeJS.ProcessEnv = process.env): 'xfrm' | 'pfkey' | 'decoupled' | undefined {
  const v = env.IKED_KERNEL;
  if (v === undefined || v === '') return undefined;
  if (v === 'xfrm' || v === 'pfkey' || v === 'decoupled') return v;
  throw new Error(`IKED_KERNEL='${v}': expected xfrm, pfkey or decoupled`);
}

/**
 * Test harness knobs (not for production), read here by the CLI only, into IkedOptions.timing:
 * IKED_RETRANSMIT_MS, IKED_RETRANSMIT_TRIES, IKED_COOKIE_THRESHOLD, IKED_NATT_KEEPALIVE_MS, IKED_DPD_IDLE_MS.
 */
export function timingFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<EngineTiming> {
  const t: Partial<EngineTiming> = {};
  const n = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const rt = n(env.IKED_RETRANSMIT_MS);
  if (rt !== undefined) t.retransmitMs = rt;
  const tries = n(env.IKED_RETRANSMIT_TRIES);
  if (tries !== undefined) t.retransmitTries = tries;
  const ka = n(env.IKED_NATT_KEEPALIVE_MS);
  if (ka !== undefined) t.natKeepaliveMs = ka;
  const ct = n(env.IKED_COOKIE_THRESHOLD);
  if (ct !== undefined) t.cookieThreshold = ct;
  const idle = n(env.IKED_DPD_IDLE_MS);
  if (idle !== undefined) t.dpdIdleMs = idle;
  return t;
}
