/** Writing strings back as iked.conf text: bare where the lexer reads them back as one string, quoted otherwise. */
import { KEYWORDS } from './keywords';
import { isAlnum, allowedInString } from './lexer-chars';

/** Would `s` lex back as a single non-keyword string token if written bare? */
export function isBareString(s: string): boolean {
  if (s.length === 0 || KEYWORDS.has(s)) return false;
  const c0 = s.charCodeAt(0);
  if (!(isAlnum(c0) || c0 === 58 || c0 === 95 || c0 === 42)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!allowedInString(c) || c === 92 || c === 36) return false;
  }
  // All digits lexes as a number.
  if (/^[0-9]+$/.test(s)) return false;
  return true;
}

/** Quote a string for iked.conf. */
export function quoteString(s: string): string {
  return `"${s.replace(/"/g, '\\"')}"`;
}

/** Bare when possible, quoted otherwise. */
export function bareOrQuoted(s: string): string {
  return isBareString(s) ? s : quoteString(s);
}
