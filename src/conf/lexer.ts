/**
 * The iked.conf lexer, following iked's parse.y yylex()/lgetc(): `#` comments,
 * `\`-newline continuation, '...' and "..." strings, `$macro` expansion
 * (not inside quotes, not recursive), numbers, keywords, and a stack of
 * included files. Linear in the input size.
 */

import { KEYWORDS } from './keywords';
import { isDigit, isAlnum, allowedInString, IN_STRING, allowedToEndNumber } from './lexer-chars';
import { keywordFinder, SCAN_FALLBACK, SCAN_NEWLINE, SCAN_NUMBER, SCAN_QUOTED, SCAN_WORD, ScanOut, scanToken } from './lexer-scan';

export type TokenKind = 'string' | 'number' | 'keyword' | 'char' | 'newline' | 'eof' | 'error';

export interface Token {
  kind: TokenKind;
  /** String value, keyword name, or the character for 'char'. */
  text: string;
  /** Value of a 'number'. */
  num: number;
  /** The string came from quotes (never a keyword). */
  quoted: boolean;
  file: string;
  line: number;
}

/** Each keyword to itself: a keyword token's text is this one string, not a copy per token. */
const KEYWORD_TEXT: ReadonlyMap<string, string> = new Map([...KEYWORDS].map((k) => [k, k]));

/** The keyword spelt at a place in a text (the fast path's words: no slice unless it is not one). */
const keywordAt = keywordFinder(KEYWORDS);

const EOF = -1;
const START_EXPAND = 1;
const DONE_EXPAND = 2;
const NL = 10;
const MAX_STRING = 8096;

interface SourceFile {
  name: string;
  text: string;
  pos: number;
  line: number;
  eofReached: boolean;
  unget: number[];
  /**
   * The value of the macro being expanded, read from expPos, after `unget` and before
   * the text (null: none); its end ends the expansion (as iked's DONE_EXPAND mark).
   * Macros met with characters pushed back still go through `unget` with the marks.
   */
  exp: string | null;
  expPos: number;
}

/** Past blanks and continued lines in the file's own text (as lgetc takes them), counting the lines. */
function skipTextBlanks(f: SourceFile): void {
  const t = f.text;
  let i = f.pos;
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9) i++;
    else if (c === 92 && t.charCodeAt(i + 1) === NL) {
      f.line++;
      i += 2;
    } else break;
  }
  f.pos = i;
}

export interface Macro {
  value: string;
  /** Set from the command line (-D): the file cannot redefine it. */
  persist: boolean;
  used: boolean;
}

export type ErrorSink = (file: string, line: number, message: string) => void;

export class Lexer {
  private files: SourceFile[] = [];
  private expanding = false;
  /** Line of the most recent token (iked's yylval.lineno). */
  lineno = 1;
  private readonly scanOut: ScanOut = { start: 0, end: 0, next: 0 };

  constructor(
    private readonly macros: Map<string, Macro>,
    private readonly onError: ErrorSink,
    /** false: every character through lgetc (tests compare the two). */
    private readonly fastPaths = true,
  ) {}

  /** Push a file; the first one is the top file (never popped). */
  pushFile(name: string, text: string): void {
    const top = this.files.length === 0;
    const f: SourceFile = { name, text, pos: 0, line: top ? 1 : 0, eofReached: false, unget: [], exp: null, expPos: 0 };
    this.files.push(f);
    // As iked's include action does: a newline to end the include statement.
    if (!top) f.unget.push(NL);
  }

  get fileName(): string {
    return this.cur().name;
  }

  get depth(): number {
    return this.files.length;
  }

  /** Names of the open files, outermost first (for include loop detection). */
  openFiles(): string[] {
    return this.files.map((f) => f.name);
  }

  private cur(): SourceFile {
    return this.files[this.files.length - 1];
  }

  error(message: string, line = this.lineno): void {
    this.onError(this.cur().name, line, message);
  }

  private igetc(): number {
    const f = this.cur();
    for (;;) {
      let c: number;
      if (f.unget.length) c = f.unget.pop() as number;
      else if (f.exp !== null) {
        if (f.expPos < f.exp.length) c = f.exp.charCodeAt(f.expPos++);
        else {
          this.endExpansion(f);
          continue;
        }
      } else if (f.pos < f.text.length) c = f.text.charCodeAt(f.pos++);
      else c = EOF;
      if (c === START_EXPAND) this.expanding = true;
      else if (c === DONE_EXPAND) this.expanding = false;
      else return c;
    }
  }

  private endExpansion(f: SourceFile): void {
    f.exp = null;
    this.expanding = false;
  }

  private popFile(): boolean {
    if (this.files.length <= 1) return false;
    this.files.pop();
    return true;
  }

  private lgetc(quotec: number): number {
    if (quotec) {
      const c = this.igetc();
      if (c === EOF) {
        this.error('reached end of file while parsing quoted string');
        if (!this.popFile()) return EOF;
        return quotec;
      }
      return c;
    }
    let c: number;
    while ((c = this.igetc()) === 92 /* \ */) {
      const next = this.igetc();
      if (next !== NL) {
        c = next;
        break;
      }
      this.lineno = this.cur().line;
      this.cur().line++;
    }
    while (c === EOF) {
      const f = this.cur();
      // A fake newline at the first EOF keeps line numbers right for a last line without one.
      if (!f.eofReached) {
        f.eofReached = true;
        return NL;
      }
      while (c === EOF) {
        if (!this.popFile()) return EOF;
        c = this.igetc();
      }
    }
    return c;
  }

  private lungetc(c: number): void {
    if (c === EOF) return;
    const f = this.cur();
    // With nothing pushed back, stepping back over the character just read gives the same
    // characters to come, and leaves the fast paths open (a push-back closes them).
    if (this.fastPaths && f.unget.length === 0) {
      if (f.exp !== null) {
        if (f.expPos > 0 && f.exp.charCodeAt(f.expPos - 1) === c) {
          f.expPos--;
          return;
        }
      } else if (f.pos > 0 && f.text.charCodeAt(f.pos - 1) === c) {
        f.pos--;
        return;
      }
    }
    f.unget.push(c);
  }

  /*
   * Fast paths: with nothing pushed back (no macro being expanded, no lookahead), runs of
   * plain characters are taken from the file's text in one slice. They stop before a
   * backslash, a newline, the end of the text and any character lgetc treats specially,
   * which the character-by-character path then handles as before.
   */

  /** The current file, when its next characters come straight from its text. */
  private plain(): SourceFile | null {
    const f = this.cur();
    return this.fastPaths && f.unget.length === 0 && f.exp === null ? f : null;
  }

  /** The current file, when its next characters come straight from its text or the macro being expanded. */
  private direct(): SourceFile | null {
    const f = this.cur();
    if (!this.fastPaths || f.unget.length) return null;
    // past the macro's end: what igetc does when it reads on
    if (f.exp !== null && f.expPos >= f.exp.length) this.endExpansion(f);
    return f;
  }

  private skipBlanks(): void {
    const f = this.plain();
    if (f) skipTextBlanks(f);
  }

  /** Characters allowed in a bare string (not a backslash), taken from the text or the macro's value. */
  private wordRun(): string {
    const f = this.direct();
    if (!f) return '';
    const inMacro = f.exp !== null;
    const t = inMacro ? (f.exp as string) : f.text;
    const start = inMacro ? f.expPos : f.pos;
    let i = start;
    for (let c = t.charCodeAt(i); c < 128 && IN_STRING[c] && c !== 92; c = t.charCodeAt(++i));
    if (inMacro) f.expPos = i;
    else f.pos = i;
    return t.slice(start, i);
  }

  /**
   * After a `$` read with the file's text next: the macro's name taken from the text
   * (its end not consumed), or null when the character path must read it (a backslash,
   * the marks or the end of the text after it, a very long name).
   */
  private macroName(): string | null {
    const f = this.plain();
    if (!f) return null;
    const t = f.text;
    let j = f.pos;
    let c = t.charCodeAt(j);
    while (isAlnum(c) || c === 95) c = t.charCodeAt(++j);
    if (!(c > DONE_EXPAND) || c === 92 || j - f.pos >= MAX_STRING - 1) return null;
    const name = t.slice(f.pos, j);
    f.pos = j;
    return name;
  }

  /** Characters of a quoted string up to `max` (not the quote, a backslash, a newline, NUL or the expansion marks). */
  private quotedRun(quotec: number, max: number): string {
    const f = this.plain();
    if (!f || max <= 0) return '';
    const t = f.text;
    const start = f.pos;
    const end = Math.min(t.length, start + max);
    let i = start;
    for (let c = t.charCodeAt(i); i < end && c !== quotec && c !== 92 && c !== NL && c > DONE_EXPAND; c = t.charCodeAt(++i));
    f.pos = i;
    return t.slice(start, i);
  }

  /**
   * After a first character `c` ('-' or a digit, already read): a number token when the
   * digits that follow in the text end as a number must; 'word' when they certainly do
   * not (nothing more is read); null when the slow path must decide (pushed-back
   * characters, a backslash or the end of the text after the digits, a very long run).
   */
  private numberFast(c: number): Token | 'word' | null {
    const f = this.plain();
    if (!f) return null;
    const t = f.text;
    let i = f.pos;
    while (i < t.length && isDigit(t.charCodeAt(i))) i++;
    if (i >= t.length || i - f.pos + 1 >= MAX_STRING) return null;
    const d = t.charCodeAt(i);
    // a backslash, or a mark the character path skips (the number may go on after it)
    if (d === 92 || d <= DONE_EXPAND) return null;
    const onlyMinus = c === 45 && i === f.pos;
    if (onlyMinus || !allowedToEndNumber(d)) return 'word';
    const s = String.fromCharCode(c) + t.slice(f.pos, i);
    f.pos = i;
    return this.numberToken(s);
  }

  /** The token of a number's text: a number, or an error (the rest of the line skipped) beyond safe integers. */
  private numberToken(s: string): Token {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) {
      this.error(`"${s}" invalid number: ${n < 0 ? 'too small' : 'too large'}`);
      this.findEol();
      return this.tok('error', '');
    }
    return this.tok('number', s, false, n);
  }

  private findEol(): void {
    for (;;) {
      const c = this.lgetc(0);
      if (c === NL) {
        this.cur().line++;
        break;
      }
      if (c === EOF) break;
    }
  }

  /** iked's skipline: drop raw characters up to (not including) the newline. */
  skipLine(): void {
    let c: number;
    while ((c = this.lgetc(0)) !== NL && c !== EOF) {
      /* skip */
    }
    if (c === NL) this.lungetc(c);
  }

  private tok(kind: TokenKind, text: string, quoted = false, num = 0): Token {
    return { kind, text, num, quoted, file: this.cur().name, line: this.lineno };
  }

  /**
   * A whole token straight from the text or the macro's value (./lexer-scan), or null for the
   * character path. The per-token helpers (cur, direct, tok) are written out here (blank skipping
   * is one small function, shared with the character path):
   * `iked -n` runs without the optimiser's inlining (src/cli/check-tuning.ts).
   */
  private fastToken(): Token | null {
    if (!this.fastPaths) return null;
    const f = this.files[this.files.length - 1];
    if (f.unget.length) return null;
    let t: string;
    let i: number;
    let inMacro = false;
    if (f.exp !== null) {
      const e = f.exp;
      i = f.expPos;
      for (let c = e.charCodeAt(i); c === 32 || c === 9; c = e.charCodeAt(++i));
      f.expPos = i;
      // past the macro's end: what igetc does when it reads on
      if (i >= e.length) this.endExpansion(f);
      else inMacro = true;
    }
    if (inMacro) {
      t = f.exp as string;
      i = f.expPos;
    } else {
      t = f.text;
      skipTextBlanks(f);
      i = f.pos;
    }
    const out = this.scanOut;
    const kind = scanToken(t, i, out);
    if (kind === SCAN_FALLBACK) return null;
    if (inMacro) f.expPos = out.next;
    else f.pos = out.next;
    const line = f.line;
    this.lineno = line;
    switch (kind) {
      case SCAN_NEWLINE:
        f.line++;
        return { kind: 'newline', text: '\n', num: 0, quoted: false, file: f.name, line };
      case SCAN_WORD: {
        const kw = keywordAt(t, out.start, out.end);
        return kw === undefined
          ? { kind: 'string', text: t.slice(out.start, out.end), num: 0, quoted: false, file: f.name, line }
          : { kind: 'keyword', text: kw, num: 0, quoted: false, file: f.name, line };
      }
      case SCAN_NUMBER: {
        const s = t.slice(out.start, out.end);
        return { kind: 'number', text: s, num: Number(s), quoted: false, file: f.name, line };
      }
      case SCAN_QUOTED:
        return { kind: 'string', text: t.slice(out.start, out.end), num: 0, quoted: true, file: f.name, line };
      default:
        return { kind: 'char', text: t[out.start], num: 0, quoted: false, file: f.name, line };
    }
  }

  /** Start expanding a macro whose name came from the text; false (reported) when it is not defined. */
  private expandFromText(name: string): boolean {
    const m = this.macros.get(name);
    if (!m) {
      this.error(`macro '${name}' not defined`);
      this.findEol();
      return false;
    }
    m.used = true;
    const f = this.cur();
    f.exp = m.value;
    f.expPos = 0;
    this.expanding = true;
    return true;
  }

  next(): Token {
    return this.fastToken() ?? this.slowToken();
  }

  /** The character-by-character path (kept apart: the optimiser compiles only the small hot part). */
  private slowToken(): Token {
    for (;;) {
      let c: number;
      this.skipBlanks();
      while ((c = this.lgetc(0)) === 32 || c === 9) {
        /* skip blanks */
      }
      this.lineno = this.cur().line;
      if (c === 35 /* # */) {
        while ((c = this.lgetc(0)) !== NL && c !== EOF) {
          /* comment */
        }
      }
      if (c === 36 /* $ */ && !this.expanding) {
        const quick = this.macroName();
        if (quick !== null && this.expandFromText(quick)) {
          const w = this.fastToken();
          if (w) return w;
          continue;
        }
        if (quick !== null) return this.tok('error', '');
        let name = '';
        for (;;) {
          c = this.lgetc(0);
          if (c === EOF) return this.tok('eof', '');
          if (isAlnum(c) || c === 95) {
            name += String.fromCharCode(c);
            if (name.length >= MAX_STRING) {
              this.error('string too long');
              this.findEol();
              return this.tok('error', '');
            }
            continue;
          }
          this.lungetc(c);
          break;
        }
        const m = this.macros.get(name);
        if (!m) {
          this.error(`macro '${name}' not defined`);
          this.findEol();
          return this.tok('error', '');
        }
        m.used = true;
        const f = this.cur();
        f.unget.push(DONE_EXPAND);
        for (let i = m.value.length - 1; i >= 0; i--) f.unget.push(m.value.charCodeAt(i));
        f.unget.push(START_EXPAND);
        const w = this.fastToken();
        if (w) return w;
        continue;
      }
      if (c === 39 || c === 34) return this.quoted(c);

      const fast = c === 45 || isDigit(c) ? this.numberFast(c) : null;
      if (fast === 'word') {
        if (c === 45) return this.tok('char', '-');
      } else if (fast) return fast;
      else if (c === 45 /* - */ || isDigit(c)) {
        const buf: number[] = [];
        do {
          buf.push(c);
          if (buf.length >= MAX_STRING) {
            this.error('string too long');
            this.findEol();
            return this.tok('error', '');
          }
        } while ((c = this.lgetc(0)) !== EOF && isDigit(c));
        this.lungetc(c);
        const onlyMinus = buf.length === 1 && buf[0] === 45;
        if (!onlyMinus && (c === EOF || allowedToEndNumber(c))) {
          return this.numberToken(String.fromCharCode(...buf));
        }
        for (let i = buf.length - 1; i >= 1; i--) this.lungetc(buf[i]);
        c = buf[0];
        if (c === 45) return this.tok('char', '-');
      }

      if (isAlnum(c) || c === 58 || c === 95 || c === 42) {
        let s = String.fromCharCode(c);
        for (;;) {
          s += this.wordRun();
          if (s.length >= MAX_STRING) {
            this.error('string too long');
            this.findEol();
            return this.tok('error', '');
          }
          if ((c = this.lgetc(0)) === EOF || !allowedInString(c)) break;
          s += String.fromCharCode(c);
        }
        this.lungetc(c);
        const kw = KEYWORD_TEXT.get(s);
        return kw === undefined ? this.tok('string', s) : this.tok('keyword', kw);
      }
      if (c === NL) {
        this.lineno = this.cur().line;
        this.cur().line++;
        return this.tok('newline', '\n');
      }
      if (c === EOF) return this.tok('eof', '');
      return this.tok('char', String.fromCharCode(c));
    }
  }

  private quoted(quotec: number): Token {
    let out = '';
    for (;;) {
      // a run can bring the string to MAX_STRING - 2 characters; the check below refuses the next one
      out += this.quotedRun(quotec, MAX_STRING - 2 - out.length);
      let c = this.lgetc(quotec);
      if (c === EOF) return this.tok('eof', '');
      if (c === NL) {
        this.cur().line++;
        continue;
      } else if (c === 92 /* \ */) {
        const next = this.lgetc(quotec);
        if (next === EOF) return this.tok('eof', '');
        if (next === quotec || next === 32 || next === 9) c = next;
        else if (next === NL) {
          this.cur().line++;
          continue;
        } else this.lungetc(next);
      } else if (c === quotec) {
        break;
      } else if (c === 0) {
        this.error('syntax error');
        this.findEol();
        return this.tok('error', '');
      }
      if (out.length + 1 >= MAX_STRING - 1) {
        this.error('string too long');
        this.findEol();
        return this.tok('error', '');
      }
      out += String.fromCharCode(c);
    }
    return this.tok('string', out, true);
  }
}
