/** The iked.conf lexer: continuation, comments, quotes, macros, -D overrides, numbers, line numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, Macro, Token } from '../../src/conf/lexer';
import { isBareString } from '../../src/conf/conf-quote';
import { parseConfigText } from '../../src/conf/load';
import type { ConfError } from '../../src/conf/types';

function lex(text: string, macros: Record<string, string> = {}): { toks: Token[]; errors: ConfError[] } {
  const m = new Map<string, Macro>();
  for (const [k, v] of Object.entries(macros)) m.set(k, { value: v, persist: true, used: false });
  const errors: ConfError[] = [];
  const lx = new Lexer(m, (file, line, message) => errors.push({ file, line, message }));
  lx.pushFile('t.conf', text);
  const toks: Token[] = [];
  for (;;) {
    const t = lx.next();
    toks.push(t);
    if (t.kind === 'eof') break;
  }
  return { toks, errors };
}

/** Tokens as text, without the final EOF and the newline iked fakes at the first EOF. */
const show = (toks: Token[]): string[] => {
  const n = toks.length >= 2 && toks[toks.length - 2].kind === 'newline' ? toks.length - 2 : toks.length - 1;
  return toks.slice(0, n).map((t) => `${t.kind}:${t.kind === 'newline' ? '' : t.text}@${t.line}`);
};

test('words, keywords, numbers and characters', () => {
  const { toks } = lex('ikev2 "x" from 10.0.0.0/24 port 500 to fe80::1 lifetime 10m bytes -5\n');
  assert.deepEqual(show(toks), [
    'keyword:ikev2@1', 'string:x@1', 'keyword:from@1', 'string:10.0.0.0@1', 'char:/@1', 'number:24@1',
    'keyword:port@1', 'number:500@1', 'keyword:to@1', 'string:fe80::1@1', 'keyword:lifetime@1', 'string:10m@1',
    'keyword:bytes@1', 'number:-5@1', 'newline:@1',
  ]);
});

test('comments end at the newline; quoted keywords stay strings', () => {
  const { toks } = lex('set passive # set active\n"esp" esp\n');
  assert.deepEqual(show(toks), ['keyword:set@1', 'keyword:passive@1', 'newline:@1', 'string:esp@2', 'keyword:esp@2', 'newline:@2']);
  assert.equal(toks[3].quoted, true);
});

test('backslash-newline continues a line and counts lines', () => {
  const { toks } = lex('ikev2 \\\n  from \\\n10.0.0.1\nset\n');
  assert.deepEqual(show(toks), ['keyword:ikev2@1', 'keyword:from@2', 'string:10.0.0.1@3', 'newline:@3', 'keyword:set@4', 'newline:@4']);
});

test('quoted strings: both quote kinds, escapes, embedded newlines', () => {
  const { toks } = lex(`"a \\"b\\" c" 'it\\'s' "x\\y" "multi\\\nline" "two\nlines"\nz\n`);
  const strs = toks.filter((t) => t.kind === 'string').map((t) => t.text);
  assert.deepEqual(strs, ['a "b" c', "it's", 'x\\y', 'multiline', 'twolines', 'z']);
  assert.equal(toks.find((t) => t.text === 'z')?.line, 4);
});

test('unterminated quote is reported', () => {
  const { errors } = lex('tag "abc\n');
  assert.deepEqual(errors.map((e) => e.message), ['reached end of file while parsing quoted string']);
});

test('macros expand outside quotes, not inside, not recursively', () => {
  const { toks, errors } = lex('$a "$a" $b\n', { a: 'from 10.0.0.1', b: '$a' });
  assert.deepEqual(show(toks), ['keyword:from@1', 'string:10.0.0.1@1', 'string:$a@1', 'char:$@1', 'string:a@1', 'newline:@1']);
  assert.deepEqual(errors, []);
});

test('undefined macro is an error and the line is skipped', () => {
  const { toks, errors } = lex('$nope x y\nset\n');
  assert.equal(errors[0].message, "macro 'nope' not defined");
  assert.deepEqual(show(toks).slice(1), ['keyword:set@2', 'newline:@2']);
});

test('numbers end only at separators, otherwise they are words', () => {
  const { toks } = lex('12,13) 14=15} 3des 10.1 0x1f\n');
  assert.deepEqual(
    toks.filter((t) => t.kind !== 'char' && t.kind !== 'newline' && t.kind !== 'eof').map((t) => `${t.kind}:${t.text}`),
    ['number:12', 'number:13', 'number:14', 'number:15', 'string:3des', 'string:10.1', 'string:0x1f'],
  );
});

test('too large numbers are refused', () => {
  const { errors } = lex('99999999999999999999\n');
  assert.match(errors[0].message, /invalid number: too large/);
});

test('a last line without newline still parses', () => {
  const { toks } = lex('set passive');
  assert.deepEqual(show(toks), ['keyword:set@1', 'keyword:passive@1']);
  assert.equal(toks[2].kind, 'newline');
});

test('-D overrides a macro the file defines; file macros can be redefined', () => {
  const text = 'gw = "192.0.2.1"\ngw = "192.0.2.2"\nnet = "10.0.0.0/8"\nikev2 "a" active from $net to 10.1.0.0/16 peer $gw\n';
  const plain = parseConfigText(text, 't', { checkPermissions: false });
  assert.equal(plain.config?.policies[0].peer?.kind === 'net' && plain.config.policies[0].peer.text, '192.0.2.2');
  const over = parseConfigText(text, 't', { checkPermissions: false, macros: { gw: '198.51.100.7' } });
  assert.equal(over.config?.policies[0].peer?.kind === 'net' && over.config.policies[0].peer.text, '198.51.100.7');
});

test('errors carry the exact line, also after continuations', () => {
  const r = parseConfigText('# 1\nikev2 "a" passive \\\n from 10.0.0.1 \\\n to 10.0.0.2 \\\n lifetime 5x\nset bogus\n', 'f.conf', { checkPermissions: false });
  assert.deepEqual(r.errors, [
    { file: 'f.conf', line: 5, message: 'invalid time unit' },
    { file: 'f.conf', line: 6, message: 'syntax error, unexpected "bogus", expecting option' },
  ]);
  assert.equal(r.config, null);
});

test('isBareString', () => {
  for (const s of ['vpn.example.com', 'a@b.c', '10.0.0.1', '2001:db8::1', 'abc_1']) assert.ok(isBareString(s), s);
  for (const s of ['', 'esp', '/C=DE', 'a b', '123', 'x=y', '-a', 'a,b']) assert.ok(!isBareString(s), s);
});
