/**
 * The transforms after one `ikesa` or `childsa` keyword (parse.y transforms):
 * `enc`, `auth`, `prf`, `group`, `esn`/`noesn`, and the RFC 9370 additional
 * key exchanges `ke1` .. `ke7`, each in any order and repeatable (repeated
 * values of one type are alternatives).
 *
 * An additional key exchange follows the main one (RFC 9370 2.2.1), so a
 * proposal with a `ken` must have a `group`; in a `childsa` proposal that
 * group must not be only `none` (the extra exchanges ride on PFS).
 */
import { DH } from '../wire/iana';
import type { Token } from './lexer';
import type { ParseContext } from './parse-context';
import { ADDKE_MAX, addKeList, emptyXformSet, XformSet } from './proposal-build';
import { AUTH_XFS, ESN_XFS, GROUP_XFS, IKE_ENC_XFS, IPSEC_ENC_XFS, lookupXf, PRF_XFS, XfEntry } from './transforms';

const KE_KEYWORDS: ReadonlySet<string> = new Set(Array.from({ length: ADDKE_MAX }, (_, i) => `ke${i + 1}`));

/** One `ken VALUE`: a group name (prefix, as `group`) or `none`. */
function parseAddKe(ctx: ParseContext, kw: Token, s: XformSet): void {
  const v = ctx.next();
  if (v.kind !== 'string') ctx.fail(`${kw.text} needs a key exchange method: a group name or none`, v);
  const e = lookupXf(v.text, GROUP_XFS);
  if (!e) ctx.fail(`${v.text} not a valid key exchange method for ${kw.text}`, v);
  addKeList(s, Number(kw.text.slice(2))).push(e);
}

function checkAddKe(ctx: ParseContext, s: XformSet, ike: boolean, firstKe: Token): void {
  const kind = ike ? 'ikesa' : 'childsa';
  if (!s.group.length) {
    ctx.fail(`${firstKe.text} without a group in this ${kind} proposal: additional key exchanges (RFC 9370) follow the main key exchange`, firstKe);
  }
  if (!ike && s.group.every((g) => g.id === DH.NONE)) {
    ctx.fail(`${firstKe.text} with only group none in this childsa proposal: additional key exchanges (RFC 9370) need a PFS group`, firstKe);
  }
}

/** One `TYPE NAME`: the name looked up in the type's table. */
function addXf(ctx: ParseContext, list: XfEntry[], table: readonly XfEntry[]): void {
  const v = ctx.next();
  if (v.kind !== 'string') ctx.syntaxError(v, 'transform name');
  const e = lookupXf(v.text, table);
  if (!e) ctx.fail(`${v.text} not a valid transform`, v);
  list.push(e);
}

const ESN = ESN_XFS.find((e) => e.name === 'esn') as XfEntry;
const NOESN = ESN_XFS.find((e) => e.name === 'noesn') as XfEntry;

export function parseTransforms(ctx: ParseContext, ike: boolean): XformSet {
  const s = emptyXformSet();
  let firstKe: Token | undefined;
  for (;;) {
    const t = ctx.peek();
    if (t.kind === 'keyword') {
      switch (t.text) {
        case 'auth':
          ctx.next();
          addXf(ctx, s.auth, AUTH_XFS);
          continue;
        case 'enc':
          ctx.next();
          addXf(ctx, s.enc, ike ? IKE_ENC_XFS : IPSEC_ENC_XFS);
          continue;
        case 'prf':
          ctx.next();
          addXf(ctx, s.prf, PRF_XFS);
          continue;
        case 'group':
          ctx.next();
          addXf(ctx, s.group, GROUP_XFS);
          continue;
        case 'esn':
        case 'noesn':
          ctx.next();
          s.esn.push(t.text === 'esn' ? ESN : NOESN);
          continue;
      }
      if (KE_KEYWORDS.has(t.text)) {
        firstKe ??= t;
        ctx.next();
        parseAddKe(ctx, t, s);
        continue;
      }
    } else if (t.kind === 'string' && !t.quoted && /^ke[0-9]+$/.test(t.text)) {
      ctx.fail(`unknown transform ${t.text}: additional key exchanges are ke1 to ke${ADDKE_MAX}`, t);
    }
    if (firstKe) checkAddKe(ctx, s, ike, firstKe);
    return s;
  }
}
