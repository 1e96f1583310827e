/**
 * The lexer's fast paths (runs sliced from the text) against its character-by-character
 * path: the same tokens, lines and errors on the corpus, a generated config and many
 * random inputs made of the characters that matter (quotes, backslashes, newlines,
 * macros, digits, long strings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, Macro } from '../../src/conf/lexer';
import { generateConf } from '../../bench/conf-generate';

const CORPUS = join(__dirname, '..', '..', '..', 'test', 'conf', 'corpus');

function tokens(text: string, fast: boolean): string[] {
  const m = new Map<string, Macro>([
    ['gw', { value: '192.0.2.254', persist: false, used: false }],
    ['x', { value: '"q" 10 a\\b', persist: false, used: false }],
    // a mark inside a value ends the expansion early: the `$gw` after it is expanded
    ['y', { value: '$gw\x02$gw 5 # c', persist: false, used: false }],
    ['e', { value: '', persist: false, used: false }],
    ['n', { value: 'a\nb ', persist: false, used: false }],
  ]);
  const out: string[] = [];
  const lx = new Lexer(m, (file, line, message) => out.push(`error ${file}:${line}: ${message}`), fast);
  lx.pushFile('t.conf', text);
  for (let i = 0; i < 1_000_000; i++) {
    const t = lx.next();
    out.push(`${t.kind}|${t.text}|${t.num}|${t.quoted}|${t.line}`);
    if (t.kind === 'eof') return out;
  }
  throw new Error('no end of file');
}

function same(text: string, what: string): void {
  assert.deepEqual(tokens(text, true), tokens(text, false), what);
}

test('fast and slow paths agree on the corpus and a generated config', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.conf'));
  assert.ok(files.length > 50);
  for (const f of files) same(readFileSync(join(CORPUS, f), 'utf8'), f);
  same(generateConf(500), 'generated');
});

test('fast and slow paths agree on random input and long strings', () => {
  const pieces = ['a', 'Z', '_', ':', '*', '1', '09', '-', '-5', '10.0.0.1', ' ', '\t', '\n', '\\', '\\\n', '"', "'", '#', '$gw', '$x', '$nope', '$y', '$e', '$n', '$gw$gw', 'x$gw', '/', '{', '}', ',', '=', '\0', '\x01', '\x02', 'ikev2', 'é', '12345678901234567890'];
  let seed = 99;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const n = 1 + rnd(40);
    for (let k = 0; k < n; k++) s += pieces[rnd(pieces.length)];
    same(s, JSON.stringify(s));
  }
  for (const len of [8090, 8092, 8093, 8094, 8095, 8096, 8097, 9000]) {
    same(`a${'b'.repeat(len)} next\nx`, `bare ${len}`);
    same(`"${'b'.repeat(len)}" next\nx`, `quoted ${len}`);
    same(`"${'b'.repeat(len - 10)}\\"${'c'.repeat(20)}" next\nx`, `quoted with escape ${len}`);
    same(`${'7'.repeat(len)} next\nx`, `digits ${len}`);
  }
});
