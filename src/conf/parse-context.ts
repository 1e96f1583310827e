/**
 * Shared state of one parse: the lexer with one token of lookahead, the
 * error and warning lists, macros, options and the configuration being
 * built. Statement parsers throw StatementError to abandon a statement;
 * the main loop then skips to the end of the line, like iked's
 * `grammar error '\n'` recovery.
 */
import { Lexer, Macro, Token } from './lexer';
import type { InterfaceLookup, NetAddr } from './address';
import type { ConfError, IkedConfig } from './types';
import { defaultGlobalOptions, defaultRadius } from './defaults';
import { SharedProposals } from './proposal-share';

export class StatementError extends Error {}

export interface ParseSettings {
  checkPermissions: boolean;
  readFile: (path: string) => string;
  interfaces: InterfaceLookup;
  /**
   * false: each policy is built and checked, then dropped (its keys zeroed) instead of kept
   * in config.policies, for a check that prints no policies (`iked -n` without -v); default true.
   */
  keepPolicies?: boolean;
}

export class ParseContext {
  readonly errors: ConfError[] = [];
  readonly warnings: ConfError[] = [];
  readonly macros = new Map<string, Macro>();
  readonly lx: Lexer;
  readonly config: IkedConfig = {
    options: defaultGlobalOptions(),
    users: [],
    radius: defaultRadius(),
    policies: [],
  };
  /** Hosts (no prefix length) already parsed, by their text as written. */
  readonly hosts = new Map<string, NetAddr>();
  /** Proposals shared by the policies that write the same transforms. */
  readonly proposals = new SharedProposals();
  /** iked's static policy_id: names "policyN" of unnamed policies. */
  policyId = 0;
  /** Users and policies accepted (iked's `rules`). */
  rules = 0;
  private la: Token | null = null;
  private consumed: Token | null = null;
  /** The most recently lexed token: errors are reported at its line, like yylval.lineno. */
  last: Token;
  private warnedOnce = new Set<string>();

  constructor(readonly settings: ParseSettings) {
    this.lx = new Lexer(this.macros, (file, line, message) => this.errors.push({ file, line, message }));
    this.last = { kind: 'eof', text: '', num: 0, quoted: false, file: '', line: 0 };
  }

  peek(): Token {
    if (!this.la) {
      this.la = this.lx.next();
      this.last = this.la;
    }
    return this.la;
  }

  next(): Token {
    const t = this.peek();
    this.la = null;
    this.consumed = t;
    return t;
  }

  /** True when a token is buffered (needed before raw-character operations). */
  get hasLookahead(): boolean {
    return this.la !== null;
  }

  /** A keyword, one of up to three names (fixed arity: called for nearly every token). */
  isKw(t: Token, a: string, b?: string, c?: string): boolean {
    if (t.kind !== 'keyword') return false;
    const x = t.text;
    return x === a || x === b || x === c;
  }

  isChar(t: Token, ch: string): boolean {
    return t.kind === 'char' && t.text === ch;
  }

  /** Record an error at the current token's line. */
  error(message: string, at: Token = this.last): void {
    this.errors.push({ file: at.file, line: at.line, message });
  }

  warn(message: string, at: Token = this.last): void {
    this.warnings.push({ file: at.file, line: at.line, message });
  }

  /** A warning given once per parse (for features this platform ignores). */
  warnOnce(key: string, message: string, at: Token = this.last): void {
    if (this.warnedOnce.has(key)) return;
    this.warnedOnce.add(key);
    this.warn(message, at);
  }

  fail(message: string, at: Token = this.last): never {
    this.error(message, at);
    throw new StatementError(message);
  }

  describe(t: Token): string {
    switch (t.kind) {
      case 'newline':
        return 'end of line';
      case 'eof':
        return 'end of file';
      case 'error':
        return 'invalid token';
      case 'number':
        return `number ${t.text}`;
      case 'keyword':
        return `keyword "${t.text}"`;
      case 'char':
        return `"${t.text}"`;
      default:
        return `"${t.text}"`;
    }
  }

  syntaxError(t: Token, expected?: string): never {
    // The lexer already reported what made an invalid token.
    if (t.kind === 'error') throw new StatementError('invalid token');
    this.fail(`syntax error, unexpected ${this.describe(t)}${expected ? `, expecting ${expected}` : ''}`, t);
  }

  /** A string token (quoted or bare, never a keyword). */
  expectString(expected: string): Token {
    const t = this.next();
    if (t.kind !== 'string') this.syntaxError(t, expected);
    return t;
  }

  expectNumber(expected: string): Token {
    const t = this.next();
    if (t.kind !== 'number') this.syntaxError(t, expected);
    return t;
  }

  expectKw(name: string): Token {
    const t = this.next();
    if (!this.isKw(t, name)) this.syntaxError(t, `"${name}"`);
    return t;
  }

  expectNewline(): Token {
    const t = this.next();
    if (t.kind !== 'newline' && t.kind !== 'eof') this.syntaxError(t, 'end of line');
    return t;
  }

  /** After an error: drop tokens through the end of the line. */
  recover(): void {
    const c = this.consumed;
    if (!this.la && c && (c.kind === 'newline' || c.kind === 'error' || c.kind === 'eof')) return;
    for (;;) {
      const t = this.next();
      if (t.kind === 'newline' || t.kind === 'eof' || t.kind === 'error') return;
    }
  }
}
