/**
 * The `ikev2` rule of iked.conf, in parse.y's order:
 *   ikev2 [name] [quick|skip|default] [passive|active] [ipcomp]
 *     [tunnel|transport] [natt] [esp|ah] [inet|inet6] [proto P | proto {P...}]
 *     [rdomain N] from H [port P] to H [port P] ... [peer H] [local H]
 *     [ikesa XF...]... [childsa XF...]... [srcid ID] [dstid ID]
 *     [ikelifetime T] [lifetime T [bytes B]] [AUTH] [ppk ID KEY [required]]
 *     [config|request OPT H]... [iface IF] [tag T] [tap IF]
 * (`inet`/`inet6` is also accepted after `proto`, the order print_policy uses;
 * `ppk` may also come just before AUTH.)
 */
import type { Token } from './lexer';
import type { ParseContext } from './parse-context';
import { HostItem, parseAnyHost, parseBytes, parseHost, parseHostSpec, parsePort, parseProtoVal, parseTime } from './parse-values';
import { buildPolicy, RawCfg, RawPolicy, wipeRawSecrets } from './policy-build';
import { parseTransforms } from './parse-transforms';
import { parsePpk } from './ppk';
import { AuthMethodName, lookupCp, lookupName, METHOD_NAMES } from './transforms';
import type { AddrSpec, AuthConf } from './types';
import { parsePskSpec } from './psk';

function parseAuth(ctx: ParseContext): AuthConf | undefined {
  const t = ctx.peek();
  if (ctx.isKw(t, 'psk')) {
    ctx.next();
    return { method: 'psk', psk: parsePskSpec(ctx) };
  }
  if (ctx.isKw(t, 'eap')) {
    ctx.next();
    const v = ctx.next();
    if (ctx.isKw(v, 'radius')) return { method: 'eap', eap: 'radius' };
    if (v.kind !== 'string') ctx.syntaxError(v, 'EAP method');
    const norm = v.text.replace(/-/g, '_').toLowerCase();
    if (norm === 'mschap_v2') return { method: 'eap', eap: 'mschap-v2' };
    if (norm === 'radius') return { method: 'eap', eap: 'radius' };
    ctx.fail(`unsupported EAP method: ${v.text}`, v);
  }
  if (t.kind === 'string') {
    ctx.next();
    const m = lookupName(t.text, METHOD_NAMES);
    if (!m || m === 'none') ctx.fail('not a valid authentication mode', t);
    return { method: m as AuthMethodName };
  }
  return undefined;
}

function parseCfg(ctx: ParseContext, request: boolean): RawCfg {
  const name = ctx.expectString('config option');
  const addrs: AddrSpec[] = request ? parseAnyHost(ctx) : parseHostSpec(ctx);
  const a = addrs[0];
  const fam = a.kind === 'net' ? a.family : 0;
  const e = lookupCp(name.text, fam);
  if (!e) ctx.fail('not a valid ikecfg option', name);
  return { opt: { option: e.name, type: e.type, addr: a }, request };
}

/** `ppk ...` before or after the authentication, once. */
function parsePpkOption(ctx: ParseContext, raw: RawPolicy): void {
  const t = ctx.peek();
  if (!ctx.isKw(t, 'ppk')) return;
  if (raw.ppk) ctx.fail('ppk given twice', t);
  ctx.next();
  raw.ppk = parsePpk(ctx);
}

/** A rule with every field present from the start: one object shape for all rules. */
function newRawPolicy(start: Token): RawPolicy {
  return {
    file: start.file,
    line: start.line,
    name: undefined,
    quick: false,
    skip: false,
    isDefault: false,
    mode: 'passive',
    ipcomp: false,
    encap: 'tunnel',
    natt: false,
    saProto: 'esp',
    af: undefined,
    protos: [],
    rdomain: undefined,
    src: [],
    dst: [],
    peer: undefined,
    local: undefined,
    ikesa: [],
    childsa: [],
    srcid: undefined,
    dstid: undefined,
    ikeLifetime: undefined,
    lifetimeSeconds: undefined,
    lifetimeBytes: undefined,
    auth: undefined,
    ppk: undefined,
    cfg: [],
    iface: undefined,
    tag: undefined,
    tap: undefined,
  };
}

export function parsePolicy(ctx: ParseContext, start: Token): void {
  const raw = newRawPolicy(start);
  try {
    parseRule(ctx, raw);
  } catch (e) {
    wipeRawSecrets(raw);
    throw e;
  }
  const end = ctx.peek();
  buildPolicy(ctx, raw, end);
  ctx.next();
}

/** Everything after `ikev2`, up to (not including) the end of the line. */
function parseRule(ctx: ParseContext, raw: RawPolicy): void {
  parseHead(ctx, raw);
  parseHostsList(ctx, raw);
  parsePeers(ctx, raw);
  parseSaOptions(ctx, raw);
  parsePpkOption(ctx, raw);
  raw.auth = parseAuth(ctx);
  parsePpkOption(ctx, raw);
  parseTail(ctx, raw);
  const end = ctx.peek();
  if (end.kind !== 'newline' && end.kind !== 'eof') ctx.syntaxError(end, 'end of line');
}

/** `inet` or `inet6`, where the rule allows it (once). */
function parseAf(ctx: ParseContext, raw: RawPolicy): void {
  if (raw.af === undefined && ctx.isKw(ctx.peek(), 'inet', 'inet6')) raw.af = ctx.next().text === 'inet' ? 4 : 6;
}

/** `proto P` or `proto { P, ... }`. */
function parseProtos(ctx: ParseContext, raw: RawPolicy): void {
  if (!ctx.isKw(ctx.peek(), 'proto')) return;
  ctx.next();
  if (ctx.isChar(ctx.peek(), '{')) {
    ctx.next();
    raw.protos.push(parseProtoVal(ctx));
    for (;;) {
      if (ctx.isChar(ctx.peek(), ',')) ctx.next();
      if (ctx.isChar(ctx.peek(), '}')) {
        ctx.next();
        break;
      }
      raw.protos.push(parseProtoVal(ctx));
    }
  } else {
    raw.protos.push(parseProtoVal(ctx));
  }
  if (raw.protos.length > 16) ctx.fail('too many protocols');
}

/** From the name through `rdomain`. */
function parseHead(ctx: ParseContext, raw: RawPolicy): void {
  let t = ctx.peek();
  if (t.kind === 'string') raw.name = ctx.next().text;
  t = ctx.peek();
  if (ctx.isKw(t, 'quick', 'skip', 'default')) {
    ctx.next();
    if (t.text === 'quick') raw.quick = true;
    else if (t.text === 'skip') raw.skip = true;
    else raw.isDefault = true;
  }
  if (ctx.isKw(ctx.peek(), 'passive', 'active')) raw.mode = ctx.next().text as 'passive' | 'active';
  if (ctx.isKw(ctx.peek(), 'ipcomp')) {
    ctx.next();
    raw.ipcomp = true;
  }
  if (ctx.isKw(ctx.peek(), 'tunnel', 'transport')) raw.encap = ctx.next().text as 'tunnel' | 'transport';
  if (ctx.isKw(ctx.peek(), 'natt')) {
    ctx.next();
    raw.natt = true;
  }
  if (ctx.isKw(ctx.peek(), 'esp', 'ah')) raw.saProto = ctx.next().text as 'esp' | 'ah';
  parseAf(ctx, raw);
  parseProtos(ctx, raw);
  parseAf(ctx, raw);
  if (ctx.isKw(ctx.peek(), 'rdomain')) {
    const kw = ctx.next();
    const n = ctx.expectNumber('routing domain');
    if (n.num < 0 || n.num > 255) ctx.fail('rdomain outside range', n);
    raw.rdomain = n.num;
    ctx.warnOnce('rdomain', 'rdomain is not supported on Linux; the routing domain is ignored', kw);
  }
}

/** hosts_list: at least one "from ... to ..." (or "to ... from ..."). */
function parseHostsList(ctx: ParseContext, raw: RawPolicy): void {
  let first = true;
  for (;;) {
    let h = ctx.peek();
    if (!first && ctx.isChar(h, ',')) {
      ctx.next();
      h = ctx.peek();
      if (!ctx.isKw(h, 'from', 'to')) ctx.syntaxError(h, '"from" or "to"');
    }
    if (!ctx.isKw(h, 'from', 'to')) {
      if (first) ctx.syntaxError(h, '"from" or "to"');
      break;
    }
    first = false;
    parseHostsPair(ctx, raw, ctx.next().text === 'from');
  }
}

function parseHostsPair(ctx: ParseContext, raw: RawPolicy, fromFirst: boolean): void {
  const a = parseHost(ctx);
  const pa = parsePort(ctx);
  ctx.expectKw(fromFirst ? 'to' : 'from');
  const b = parseHost(ctx);
  const pb = parsePort(ctx);
  const src: HostItem[] = fromFirst ? a : b;
  const dst: HostItem[] = fromFirst ? b : a;
  const sp = fromFirst ? pa : pb;
  const dp = fromFirst ? pb : pa;
  for (let i = 0; i < dst.length; i++) {
    const d = dst[i];
    if (d.nat) ctx.fail(`no flow NAT support for destination network: ${d.addr.kind === 'net' ? d.addr.text : d.addr.kind}`);
  }
  if (sp !== undefined) src[0].port = sp;
  if (dp !== undefined) dst[0].port = dp;
  for (let i = 0; i < src.length; i++) raw.src.push(src[i]);
  for (let i = 0; i < dst.length; i++) raw.dst.push(dst[i]);
}

/** `peer H [local H]` or `local H [peer H]`. */
function parsePeers(ctx: ParseContext, raw: RawPolicy): void {
  const p = ctx.peek();
  if (!ctx.isKw(p, 'peer', 'local')) return;
  const firstKw = ctx.next().text;
  const a = parseAnyHost(ctx)[0];
  if (firstKw === 'peer') raw.peer = a;
  else raw.local = a;
  const other = firstKw === 'peer' ? 'local' : 'peer';
  if (ctx.isKw(ctx.peek(), other)) {
    ctx.next();
    const b = parseAnyHost(ctx)[0];
    if (other === 'peer') raw.peer = b;
    else raw.local = b;
  }
}

/** Proposals, identities and lifetimes. */
function parseSaOptions(ctx: ParseContext, raw: RawPolicy): void {
  while (ctx.isKw(ctx.peek(), 'ikesa')) {
    ctx.next();
    raw.ikesa.push(parseTransforms(ctx, true));
  }
  while (ctx.isKw(ctx.peek(), 'childsa')) {
    ctx.next();
    raw.childsa.push(parseTransforms(ctx, false));
  }
  if (ctx.isKw(ctx.peek(), 'srcid')) {
    ctx.next();
    raw.srcid = ctx.expectString('identity').text;
    if (ctx.isKw(ctx.peek(), 'dstid')) {
      ctx.next();
      raw.dstid = ctx.expectString('identity').text;
    }
  } else if (ctx.isKw(ctx.peek(), 'dstid')) {
    ctx.next();
    raw.dstid = ctx.expectString('identity').text;
  }
  if (ctx.isKw(ctx.peek(), 'ikelifetime')) {
    ctx.next();
    raw.ikeLifetime = parseTime(ctx);
  }
  if (ctx.isKw(ctx.peek(), 'lifetime')) {
    ctx.next();
    raw.lifetimeSeconds = parseTime(ctx);
    if (ctx.isKw(ctx.peek(), 'bytes')) {
      ctx.next();
      raw.lifetimeBytes = parseBytes(ctx);
    }
  }
}

/** `config`/`request` options, `iface`, `tag` and `tap`. */
function parseTail(ctx: ParseContext, raw: RawPolicy): void {
  for (;;) {
    const c = ctx.peek();
    if (ctx.isKw(c, 'config')) {
      ctx.next();
      raw.cfg.push(parseCfg(ctx, false));
    } else if (ctx.isKw(c, 'request')) {
      ctx.next();
      raw.cfg.push(parseCfg(ctx, true));
    } else break;
  }
  if (ctx.isKw(ctx.peek(), 'iface')) {
    ctx.next();
    const i = ctx.expectString('interface name');
    if (!ctx.settings.interfaces(i.text)) ctx.fail(`invalid iface: no interface ${i.text}`, i);
    raw.iface = i.text;
  }
  for (;;) {
    const f = ctx.peek();
    if (ctx.isKw(f, 'tag')) {
      ctx.next();
      raw.tag = ctx.expectString('tag').text;
    } else if (ctx.isKw(f, 'tap')) {
      ctx.next();
      parseTap(ctx, raw, f);
    } else break;
  }
}

function parseTap(ctx: ParseContext, raw: RawPolicy, kw: Token): void {
  const v = ctx.expectString('enc interface');
  const digitAt = v.text.search(/[0-9]/);
  if ((digitAt < 0 ? v.text.length : digitAt) !== 3 || !v.text.startsWith('enc')) {
    ctx.fail(`invalid tap interface name: ${v.text}`, v);
  }
  const unit = v.text.slice(3);
  if (!/^[0-9]+$/.test(unit)) ctx.fail('invalid tap interface unit: invalid', v);
  if (Number(unit) > 0xffffffff) ctx.fail('invalid tap interface unit: too large', v);
  raw.tap = v.text;
  ctx.warnOnce('tap', 'tap (enc(4) interfaces) is not supported on Linux; ignored', kw);
}
