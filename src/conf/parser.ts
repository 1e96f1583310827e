/**
 * The statements of iked.conf (parse.y `grammar`): include, set, user,
 * ikev2, radius, macro definitions, and the ipsec.conf rules iked skips
 * (ike, flow, tcpmd5 and manual SAs). One statement per line; after an
 * error the rest of the line is skipped and parsing goes on.
 */
import { checkFileSecrecy, CONF_FORBIDDEN_MODE } from './file-secrecy';
import type { Token } from './lexer';
import { ParseContext, StatementError } from './parse-context';
import { parsePolicy } from './parse-policy';
import { parseRadius } from './parse-radius';
import { parseTime } from './parse-values';

/** ipsec.conf(5) rules that iked ignores up to the end of the line. */
const OTHER_RULES = ['ike', 'flow', 'tcpmd5', 'sa', 'from', 'to', 'tunnel', 'transport'];

/** LOGIN_NAME_MAX and IKED_PASSWORD_SIZE bound `user` names and passwords. */
const USER_NAME_MAX = 32;
const PASSWORD_MAX = 256;

function parseSet(ctx: ParseContext): void {
  const o = ctx.config.options;
  const t = ctx.next();
  if (t.kind !== 'keyword') ctx.syntaxError(t, 'option');
  switch (t.text) {
    case 'active':
    case 'passive':
      o.mode = t.text;
      break;
    case 'couple':
      o.decouple = false;
      break;
    case 'decouple':
      o.decouple = true;
      break;
    case 'fragmentation':
      o.fragmentation = true;
      break;
    case 'nofragmentation':
      o.fragmentation = false;
      break;
    case 'mobike':
      o.mobike = true;
      break;
    case 'nomobike':
      o.mobike = false;
      break;
    case 'vendorid':
      o.vendorId = true;
      break;
    case 'novendorid':
      o.vendorId = false;
      break;
    case 'enforcesingleikesa':
      o.enforceSingleIkeSa = true;
      break;
    case 'noenforcesingleikesa':
      o.enforceSingleIkeSa = false;
      break;
    case 'stickyaddress':
      o.stickyAddress = true;
      break;
    case 'nostickyaddress':
      o.stickyAddress = false;
      break;
    case 'cert_partial_chain':
      o.certPartialChain = true;
      break;
    case 'ocsp': {
      const url = ctx.expectString('OCSP responder URL').text;
      let tolerate = 0;
      let maxAge = -1;
      if (ctx.isKw(ctx.peek(), 'tolerate')) {
        ctx.next();
        tolerate = parseTime(ctx);
        if (ctx.isKw(ctx.peek(), 'maxage')) {
          ctx.next();
          maxAge = parseTime(ctx);
        }
      }
      o.ocsp = { url, tolerate, maxAge };
      break;
    }
    case 'dpd_check_interval': {
      const n = ctx.peek();
      if (n.kind === 'number' && n.num < 0) ctx.fail('timeout outside range', n);
      o.dpdCheckInterval = parseTime(ctx);
      break;
    }
    default:
      ctx.syntaxError(t, 'option');
  }
  ctx.expectNewline();
}

function parseUser(ctx: ParseContext, start: Token): void {
  const name = ctx.expectString('user name');
  const pass = ctx.expectString('password');
  ctx.expectNewline();
  if (name.text === '' || Buffer.byteLength(name.text) >= USER_NAME_MAX) ctx.fail('invalid user name', name);
  if (pass.text === '' || Buffer.byteLength(pass.text) >= PASSWORD_MAX) ctx.fail('invalid password', pass);
  ctx.config.users.push({ name: name.text, password: pass.text, file: start.file, line: start.line, seq: ctx.rules });
  ctx.rules++;
}

function parseInclude(ctx: ParseContext): void {
  const f = ctx.expectString('file name');
  const path = f.text;
  if (ctx.lx.openFiles().includes(path)) ctx.fail(`failed to include file ${path}: include loop`, f);
  if (ctx.settings.checkPermissions) {
    const why = checkFileSecrecy(path, CONF_FORBIDDEN_MODE);
    if (why) ctx.fail(`failed to include file ${path}: ${why}`, f);
  }
  let text: string;
  try {
    text = ctx.settings.readFile(path);
  } catch (e) {
    ctx.fail(`failed to include file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, f);
  }
  ctx.lx.pushFile(path, text);
  ctx.expectNewline();
}

function parseVarset(ctx: ParseContext, name: Token): void {
  ctx.next(); // '='
  const parts: string[] = [ctx.expectString('macro value').text];
  while (ctx.peek().kind === 'string') parts.push(ctx.next().text);
  ctx.expectNewline();
  if (/\s/.test(name.text)) ctx.fail('macro name cannot contain whitespace', name);
  const old = ctx.macros.get(name.text);
  if (old && old.persist) return;
  ctx.macros.set(name.text, { value: parts.join(' '), persist: false, used: false });
}

function statement(ctx: ParseContext, t: Token): void {
  if (t.kind === 'keyword') {
    switch (t.text) {
      case 'include':
        return parseInclude(ctx);
      case 'set':
        return parseSet(ctx);
      case 'user':
        return parseUser(ctx, t);
      case 'ikev2':
        return parsePolicy(ctx, t);
      case 'radius':
        return parseRadius(ctx);
    }
    if (OTHER_RULES.includes(t.text)) {
      ctx.lx.skipLine();
      ctx.expectNewline();
      return;
    }
  }
  if (t.kind === 'string' && ctx.isChar(ctx.peek(), '=')) return parseVarset(ctx, t);
  ctx.syntaxError(t);
}

/** Parse everything the lexer yields into ctx.config. */
export function parseAll(ctx: ParseContext): void {
  for (;;) {
    const t = ctx.next();
    if (t.kind === 'eof') break;
    if (t.kind === 'newline' || t.kind === 'error') continue;
    try {
      statement(ctx, t);
    } catch (e) {
      if (!(e instanceof StatementError)) throw e;
      ctx.recover();
    }
  }
}
