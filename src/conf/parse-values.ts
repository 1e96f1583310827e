/**
 * Value rules shared by the iked.conf statements: host specifications,
 * ports, protocols, time and byte specifications (parse.y host_spec, host,
 * anyhost, port, protoval, time_spec, byte_spec).
 */
import { interfaceHosts, NetAddr, parseNumericHost } from './address';
import type { ParseContext } from './parse-context';
import { protocolNumber, serviceNumber } from './protocols';
import type { AddrSpec } from './types';
import { parseByteSpec, parseTimeSpec } from './units';
import type { Token } from './lexer';

/** One address of a host list, with what iked attaches to the list head. */
export interface HostItem {
  addr: AddrSpec;
  port?: number;
  nat?: AddrSpec;
}

/** `any` and `dynamic` as written: one object each, shared by every rule (never modified). */
const ANY: AddrSpec = Object.freeze({ kind: 'any' });
const DYNAMIC: AddrSpec = Object.freeze({ kind: 'dynamic' });

/** iked's host(): interface name, then numeric address (no DNS here). */
export function resolveHost(ctx: ParseContext, name: string, mask: number | undefined, at: Token): NetAddr[] {
  if (mask !== undefined && (mask < 0 || mask > 128)) {
    ctx.fail(`could not parse host specification: netmask is ${mask < 0 ? 'too small' : 'too large'}: /${mask}`, at);
  }
  const ifa = ctx.settings.interfaces(name);
  if (ifa && ifa.length) {
    const hosts = interfaceHosts(ifa);
    if (hosts.length) return hosts;
  }
  // a host written again (a gateway, a local address) is the same object: parsed once, kept
  // once; not when policies are dropped (a check), where the table would only grow
  const share = mask === undefined && ctx.settings.keepPolicies !== false;
  if (share) {
    const known = ctx.hosts.get(name);
    if (known) return [known];
  }
  const n = parseNumericHost(name, mask);
  if (n && share) ctx.hosts.set(name, n);
  if (n) {
    if (n.family === 4 && mask !== undefined && mask > 32) {
      ctx.fail(`could not parse host specification: netmask /${mask} is too large for IPv4 address ${name}`, at);
    }
    return [n];
  }
  ctx.fail(`could not parse host specification: no IP address found for ${mask === undefined ? name : `${name}/${mask}`}`, at);
}

/** host_spec: STRING ['/' NUMBER]. */
export function parseHostSpec(ctx: ParseContext): NetAddr[] {
  const t = ctx.next();
  if (t.kind !== 'string') ctx.syntaxError(t, 'address');
  let mask: number | undefined;
  if (ctx.isChar(ctx.peek(), '/')) {
    ctx.next();
    mask = ctx.expectNumber('prefix length').num;
  }
  return resolveHost(ctx, t.text, mask, t);
}

/** anyhost: host_spec | any. */
export function parseAnyHost(ctx: ParseContext): AddrSpec[] {
  if (ctx.isKw(ctx.peek(), 'any')) {
    ctx.next();
    return [ANY];
  }
  return parseHostSpec(ctx);
}

/** A host list item with every field present from the start: one object shape for all (the port and NAT are set later). */
function hostItem(addr: AddrSpec): HostItem {
  return { addr, port: undefined, nat: undefined };
}

/** host: host_spec ['(' host_spec ')'] | any | dynamic. */
export function parseHost(ctx: ParseContext): HostItem[] {
  const t = ctx.peek();
  if (ctx.isKw(t, 'any')) {
    ctx.next();
    return [hostItem(ANY)];
  }
  if (ctx.isKw(t, 'dynamic')) {
    ctx.next();
    return [hostItem(DYNAMIC)];
  }
  const addrs = parseHostSpec(ctx);
  const list: HostItem[] = [];
  for (let i = 0; i < addrs.length; i++) list.push(hostItem(addrs[i]));
  if (ctx.isChar(ctx.peek(), '(')) {
    ctx.next();
    const nat = parseHostSpec(ctx);
    const close = ctx.next();
    if (!ctx.isChar(close, ')')) ctx.syntaxError(close, '")"');
    const a = list[0].addr;
    const b = nat[0];
    if (a.kind === 'net' && a.family !== b.family) ctx.fail('Flow NAT address family mismatch');
    list[0].nat = b;
  }
  return list;
}

/** port: [port (NUMBER | service name)]. */
export function parsePort(ctx: ParseContext): number | undefined {
  if (!ctx.isKw(ctx.peek(), 'port')) return undefined;
  ctx.next();
  const t = ctx.next();
  if (t.kind === 'number') {
    if (t.num < 0 || t.num > 65535) ctx.fail('port outside range', t);
    return t.num === 0 ? undefined : t.num;
  }
  if (t.kind === 'string') {
    const p = serviceNumber(t.text);
    if (p === undefined) ctx.fail(`unknown port: ${t.text}`, t);
    return p;
  }
  ctx.syntaxError(t, 'port number or service name');
}

/** protoval: a protocol name or number (esp and ah accepted as names too). */
export function parseProtoVal(ctx: ParseContext): number {
  const t = ctx.next();
  if (t.kind === 'number') {
    if (t.num < 0 || t.num > 255) ctx.fail('protocol outside range', t);
    return t.num;
  }
  if (t.kind === 'string' || ctx.isKw(t, 'esp', 'ah')) {
    const p = protocolNumber(t.text);
    if (p === undefined) ctx.fail(`unknown protocol: ${t.text}`, t);
    return p;
  }
  ctx.syntaxError(t, 'protocol');
}

/** time_spec: NUMBER (seconds) or N followed by a unit. */
export function parseTime(ctx: ParseContext): number {
  const t = ctx.next();
  if (t.kind === 'number') {
    if (t.num < 0) ctx.fail(`invalid time specification: ${t.text}`, t);
    return t.num;
  }
  if (t.kind === 'string') {
    const r = parseTimeSpec(t.text);
    if (!r.ok) ctx.fail(r.message, t);
    return r.value;
  }
  ctx.syntaxError(t, 'time');
}

/** byte_spec: NUMBER or N followed by K, M or G. */
export function parseBytes(ctx: ParseContext): number {
  const t = ctx.next();
  if (t.kind === 'number') {
    if (t.num < 0) ctx.fail(`invalid byte specification: ${t.text}`, t);
    return t.num;
  }
  if (t.kind === 'string') {
    const r = parseByteSpec(t.text);
    if (!r.ok) ctx.fail(r.message, t);
    return r.value;
  }
  ctx.syntaxError(t, 'byte count');
}
