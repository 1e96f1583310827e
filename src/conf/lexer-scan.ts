/**
 * The lexer's whole-token fast path: one token scanned straight from a file's text
 * when nothing is pushed back. It handles what nearly every line is made of (words,
 * numbers, quoted strings without escapes, single characters, comments, newlines)
 * and answers FALLBACK, having consumed nothing, whenever the character-by-character
 * path must decide: a backslash, a macro, the end of the text, the expansion marks
 * (bytes 1 and 2, which that path skips), NUL, very long strings or numbers.
 */

export const SCAN_FALLBACK = 0;
export const SCAN_NEWLINE = 1;
export const SCAN_WORD = 2;
export const SCAN_NUMBER = 3;
export const SCAN_QUOTED = 4;
export const SCAN_CHAR = 5;

const NL = 10;
const BACKSLASH = 92;
/** Below the lexer's MAX_STRING with room: longer strings take the slow path and its checks. */
const LONG = 8000;
/** Digits beyond this take the slow path (its safe-integer check). */
const LONG_NUMBER = 15;

/** What a scan found besides its kind: the token's text is text.slice(start, end). */
export interface ScanOut {
  /** Where the token's text starts (after an opening quote). */
  start: number;
  /** Where it ends (before a closing quote). */
  end: number;
  /** Where the next token starts. */
  next: number;
}

/** Characters of a bare string (parse.y allowed_in_string, ASCII only, the backslash excluded). */
const IN_WORD = new Uint8Array(128);
/** Characters that may start a bare string: alphanumerics, ':', '_' and '*'. */
const STARTS_WORD = new Uint8Array(128);
/** Characters that may follow a number's digits (parse.y allowed_to_end_number). */
const ENDS_NUMBER = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const punct = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  IN_WORD[c] = (alnum || (punct && !'(){}<>!=/#,'.includes(String.fromCharCode(c)))) && c !== BACKSLASH ? 1 : 0;
  STARTS_WORD[c] = alnum || c === 58 || c === 95 || c === 42 ? 1 : 0;
  ENDS_NUMBER[c] = c === 32 || (c >= 9 && c <= 13) || ')/,}='.includes(String.fromCharCode(c)) ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A word from `i`; FALLBACK when its end is not plain (a backslash, a mark, the end of the text). */
function scanWord(t: string, i: number, out: ScanOut): number {
  let j = i + 1;
  let c = t.charCodeAt(j);
  while (c < 128 && IN_WORD[c] === 1) c = t.charCodeAt(++j);
  // NaN (end of text), a backslash or the marks 1, 2: the slow path reads on
  if (!(c > 2) || c === BACKSLASH || j - i >= LONG) return SCAN_FALLBACK;
  out.start = i;
  out.end = j;
  out.next = j;
  return SCAN_WORD;
}

function scanNumber(t: string, i: number, c: number, out: ScanOut): number {
  let j = i + 1;
  let d = t.charCodeAt(j);
  while (isDigit(d)) d = t.charCodeAt(++j);
  if (!(d > 2) || d === BACKSLASH || j - i > LONG_NUMBER) return SCAN_FALLBACK;
  const onlyMinus = c === 45 && j === i + 1;
  if (!onlyMinus && d < 128 && ENDS_NUMBER[d] === 1) {
    out.start = i;
    out.end = j;
    out.next = j;
    return SCAN_NUMBER;
  }
  if (c === 45) {
    out.start = i;
    out.end = i + 1;
    out.next = i + 1;
    return SCAN_CHAR;
  }
  return scanWord(t, i, out);
}

function scanQuoted(t: string, i: number, quote: number, out: ScanOut): number {
  let j = i + 1;
  let c = t.charCodeAt(j);
  while (c !== quote && c > 2 && c !== BACKSLASH && c !== NL) c = t.charCodeAt(++j);
  if (c !== quote || j - i > LONG) return SCAN_FALLBACK;
  out.start = i + 1;
  out.end = j;
  out.next = j + 1;
  return SCAN_QUOTED;
}

/** A comment from '#' through its newline, as a newline token. */
function scanComment(t: string, i: number, out: ScanOut): number {
  let j = i + 1;
  let c = t.charCodeAt(j);
  while (c !== NL && c > 2 && c !== BACKSLASH) c = t.charCodeAt(++j);
  if (c !== NL) return SCAN_FALLBACK;
  out.start = j;
  out.end = j + 1;
  out.next = j + 1;
  return SCAN_NEWLINE;
}

/** The token at `i` (blanks already skipped), or FALLBACK; `out` says where it lies. */
export function scanToken(t: string, i: number, out: ScanOut): number {
  const c = t.charCodeAt(i);
  if (c === NL) {
    out.start = i;
    out.end = i + 1;
    out.next = i + 1;
    return SCAN_NEWLINE;
  }
  if (!(c > 2) || c === BACKSLASH || c === 36 /* $ */) return SCAN_FALLBACK;
  if (c === 34 || c === 39) return scanQuoted(t, i, c, out);
  if (c === 35 /* # */) return scanComment(t, i, out);
  if (c === 45 || isDigit(c)) return scanNumber(t, i, c, out);
  if (c < 128 && STARTS_WORD[c] === 1) return scanWord(t, i, out);
  out.start = i;
  out.end = i + 1;
  out.next = i + 1;
  return SCAN_CHAR;
}

/** Finds the keyword, if any, spelt by text[start, end) without slicing or hashing it. */
export type KeywordFinder = (t: string, start: number, end: number) => string | undefined;

/** Keywords grouped by length and first character; a word is compared only with its group. */
export function keywordFinder(words: Iterable<string>): KeywordFinder {
  const groups = new Map<number, string[]>();
  let longest = 0;
  for (const w of words) {
    const key = w.length * 128 + w.charCodeAt(0);
    const g = groups.get(key);
    if (g) g.push(w);
    else groups.set(key, [w]);
    longest = Math.max(longest, w.length);
  }
  const table: (string[] | undefined)[] = new Array((longest + 1) * 128).fill(undefined);
  for (const [key, g] of groups) table[key] = g;
  return (t, start, end) => {
    const len = end - start;
    const c = t.charCodeAt(start);
    if (len > longest || c >= 128) return undefined;
    const g = table[len * 128 + c];
    if (g === undefined) return undefined;
    for (let i = 0; i < g.length; i++) if (t.startsWith(g[i], start)) return g[i];
    return undefined;
  };
}
