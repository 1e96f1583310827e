/**
 * The `radius` statements of current iked:
 *   radius [accounting] server ADDR [port P] secret S
 *   radius [accounting] max-tries N
 *   radius [accounting] max-failovers N
 *   radius config [inet|inet6] OPTION [VENDOR] ATTR
 *   radius dae listen on ADDR [port P]
 *   radius dae client ADDR secret S
 */
import { parseNumericHost } from './address';
import { RADIUS_ACCT_PORT, RADIUS_DAE_PORT, RADIUS_PORT } from './defaults';
import type { Token } from './lexer';
import type { ParseContext } from './parse-context';
import { parsePort } from './parse-values';
import { lookupCp } from './transforms';
import { CFG_ATTR } from '../wire/iana';
import type { AddrSpec } from './types';

function numericAddr(ctx: ParseContext): AddrSpec {
  const t = ctx.expectString('address');
  const a = parseNumericHost(t.text, undefined);
  if (!a) ctx.fail(`could not parse the address: ${t.text}: not a numeric IPv4 or IPv6 address`, t);
  return a;
}

/** hexdecnumber: NUMBER, or a STRING in decimal or 0x hexadecimal. */
function hexDec(ctx: ParseContext): { value: number; tok: Token } {
  const t = ctx.next();
  if (t.kind === 'number') return { value: t.num, tok: t };
  if (t.kind !== 'string') ctx.syntaxError(t, 'number');
  if (/^0x[0-9a-fA-F]/.test(t.text)) {
    if (!/^0x[0-9a-fA-F]+$/.test(t.text)) ctx.fail(`\`${t.text}' is not a number`, t);
    const v = Number.parseInt(t.text.slice(2), 16);
    if (!Number.isSafeInteger(v)) ctx.fail(`\`${t.text}' is out-of-range`, t);
    return { value: v, tok: t };
  }
  ctx.fail(`\`${t.text}' is invalid`, t);
}

export function parseRadius(ctx: ParseContext): void {
  const r = ctx.config.radius;
  let t = ctx.next();
  if (ctx.isKw(t, 'config')) {
    let af: 4 | 6 = 4;
    if (ctx.isKw(ctx.peek(), 'inet', 'inet6')) af = ctx.next().text === 'inet' ? 4 : 6;
    const opt = ctx.expectString('config option');
    // radattr: [vendor] attribute; a second number makes the first the vendor.
    const a = hexDec(ctx);
    let vendor = 0;
    let attr = a;
    const n = ctx.peek();
    if (n.kind === 'number' || n.kind === 'string') {
      vendor = a.value;
      attr = hexDec(ctx);
      if (vendor < 0 || vendor > 0xffffff) ctx.fail('vendor-id must be in 0-0xffffff', a.tok);
    }
    if (attr.value < 0 || attr.value > 255) ctx.fail('attribute type must be in 0-255', attr.tok);
    let cfgType = 0;
    let option = 'none';
    if (opt.text !== 'none') {
      const e = lookupCp(opt.text, af);
      if (!e || e.type === CFG_ATTR.INTERNAL_IP4_SUBNET || e.type === CFG_ATTR.INTERNAL_IP6_SUBNET) {
        ctx.fail('not a valid ikecfg option', opt);
      }
      cfgType = e.type;
      option = e.name;
    }
    r.config.push({ option, cfgType, vendor, attr: attr.value });
    ctx.expectNewline();
    return;
  }
  if (ctx.isKw(t, 'dae')) {
    t = ctx.next();
    if (ctx.isKw(t, 'listen')) {
      ctx.expectKw('on');
      const addr = numericAddr(ctx);
      const port = parsePort(ctx) ?? RADIUS_DAE_PORT;
      r.daeListen.push({ addr, port });
    } else if (ctx.isKw(t, 'client')) {
      const addr = numericAddr(ctx);
      ctx.expectKw('secret');
      const secret = ctx.expectString('secret').text;
      r.daeClients.push({ addr, secret });
    } else {
      ctx.syntaxError(t, '"listen" or "client"');
    }
    ctx.expectNewline();
    return;
  }
  let accounting = false;
  if (ctx.isKw(t, 'accounting')) {
    accounting = true;
    t = ctx.next();
  }
  if (ctx.isKw(t, 'server')) {
    const addr = numericAddr(ctx);
    const port = parsePort(ctx) ?? (accounting ? RADIUS_ACCT_PORT : RADIUS_PORT);
    ctx.expectKw('secret');
    const secret = ctx.expectString('secret').text;
    (accounting ? r.accountingServers : r.servers).push({ addr, port, secret });
  } else if (ctx.isKw(t, 'max-tries')) {
    const n = ctx.expectNumber('number of tries');
    if (n.num <= 0) ctx.fail('max-tries must be a positive value', n);
    if (accounting) r.accountingMaxTries = n.num;
    else r.maxTries = n.num;
  } else if (ctx.isKw(t, 'max-failovers')) {
    const n = ctx.expectNumber('number of failovers');
    if (n.num < 0) ctx.fail('max-failovers must be 0 or a positive value', n);
    if (accounting) r.accountingMaxFailovers = n.num;
    else r.maxFailovers = n.num;
  } else {
    ctx.syntaxError(t, accounting ? '"server", "max-tries" or "max-failovers"' : 'radius option');
  }
  ctx.expectNewline();
}

/** Names accepted by `radius config` (for documentation and tests). */
