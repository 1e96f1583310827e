/**
 * The manual pages in man/ against the code: every iked.conf keyword of the
 * lexer is marked up in iked.conf(5), every ikectl command word in ikectl(8),
 * every iked/ikectl option in its page (as `.Fl X`), and `mandoc -T lint
 * -W warning` is silent on each page (skipped without mandoc, except in CI).
 * The lists come from the code, so a new keyword, command or flag fails here
 * until it is documented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEYWORDS } from '../../src/conf/keywords';
import { IKECTL_COMMANDS } from '../../src/cli/ikectl-command';
import { RESET_TARGETS } from '../../src/proc/control-api';

/** The repository root: the first parent directory holding man/ and package.json (works from dist/ too). */
function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'man'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = up;
  }
}

const ROOT = repoRoot();
const PAGES = ['iked.8', 'iked.conf.5', 'ikectl.8'];

function page(name: string): string {
  return fs.readFileSync(path.join(ROOT, 'man', name), 'utf8');
}

/** mdoc macros that may be called on a macro line after the first one. */
const CALLABLE = new Set(
  ('Ac Ao Ap Aq Ar At Bc Bo Bq Brc Bro Brq Bsx Bx Cm Dc Do Dq Dv Dx Ec Em En Eo Er Ev Fa Fc Fl Fn Fo Fr Fx ' +
    'Ic Li Lk Ms Mt Nm No Ns Nx Oc Oo Op Ox Pa Pc Pf Po Pq Qc Ql Qo Qq Sc So Sq St Sx Sy Tn Ux Va Vt Xc Xo Xr').split(' '),
);

/** Split a macro line's arguments like mdoc: blanks separate, "..." groups. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
  return out;
}

/**
 * For each macro, the arguments it is given in the page: `.It Ic set Ic mobike`
 * gives Ic -> {set, mobike}; `.Op Fl s Ar socket` gives Fl -> {s}, Ar -> {socket}.
 * Escapes are undone (`\-` -> `-`, `\&` -> nothing); comments are skipped.
 */
export function macroArguments(src: string): Map<string, Set<string>> {
  const args = new Map<string, Set<string>>();
  for (const raw of src.split('\n')) {
    if (!raw.startsWith('.') || raw.startsWith('.\\"')) continue;
    const line = raw.slice(1).replace(/\\&/g, '').replace(/\\-/g, '-').replace(/\\e/g, '\\');
    const toks = tokens(line);
    let current = toks[0] ?? '';
    for (const t of toks.slice(1)) {
      if (CALLABLE.has(t)) {
        current = t;
        continue;
      }
      let set = args.get(current);
      if (!set) args.set(current, (set = new Set()));
      set.add(t);
    }
  }
  return args;
}

/** Words marked up as commands or keywords (`.Ic`, `.Cm`). */
function markedKeywords(src: string): Set<string> {
  const a = macroArguments(src);
  return new Set([...(a.get('Ic') ?? []), ...(a.get('Cm') ?? [])]);
}

/** The options a CLI's yargs definition declares (`.option('x', ...)`), from its source. */
function declaredOptions(sourceFile: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, sourceFile), 'utf8');
  const out = [...text.matchAll(/\.option\(\s*'([^']+)'/g)].map((m) => m[1]);
  assert.ok(out.length > 0, `no .option(...) declarations found in ${sourceFile}`);
  return out;
}

/** `.Fl` spelling of an option: `-v` is `Fl v`, `--json` is `Fl -json`. */
function flSpelling(opt: string): string {
  return opt.length === 1 ? opt : `-${opt}`;
}

function missingFrom(wanted: Iterable<string>, have: Set<string>): string[] {
  return [...new Set(wanted)].filter((w) => !have.has(w)).sort();
}

/** The command words of ikectl: lower-case words of its usage list, and the reset targets. */
function ikectlWords(): string[] {
  const words = new Set<string>();
  for (const line of IKECTL_COMMANDS) {
    for (const w of line.split(/[\s|[\]]+/)) if (/^[a-z][a-z-]*$/.test(w)) words.add(w);
  }
  for (const r of RESET_TARGETS) words.add(r);
  return [...words];
}

test('the mdoc argument reader sees macro arguments and only those', () => {
  const a = macroArguments('.\\" .Ic hidden\n.It Ic set Ic mobike\nIc prose\n.Op Fl s Ar socket\n.Cm max\\-tries ,\n');
  assert.deepEqual([...(a.get('Ic') ?? [])], ['set', 'mobike']);
  assert.deepEqual([...(a.get('Fl') ?? [])], ['s']);
  assert.deepEqual([...(a.get('Cm') ?? [])], ['max-tries', ',']);
});

test('iked.conf(5) documents every keyword of the iked.conf lexer', () => {
  const have = markedKeywords(page('iked.conf.5'));
  assert.ok(KEYWORDS.size >= 50, `the lexer's keyword table looks too small (${KEYWORDS.size})`);
  const missing = missingFrom(KEYWORDS, have);
  assert.deepEqual(missing, [], `iked.conf(5) has no .Ic/.Cm for the keyword(s): ${missing.join(', ')}`);
});

test('ikectl(8) documents every ikectl command word', () => {
  const words = ikectlWords();
  assert.ok(words.length >= 30, `too few ikectl command words found (${words.length})`);
  const have = markedKeywords(page('ikectl.8'));
  const missing = missingFrom(words, have);
  assert.deepEqual(missing, [], `ikectl(8) has no .Cm/.Ic for the command word(s): ${missing.join(', ')}`);
});

test('iked(8) documents every iked flag as .Fl', () => {
  const opts = declaredOptions('src/cli/iked-options.ts');
  assert.ok(opts.length >= 13, `too few iked options found (${opts.join(' ')})`);
  const have = macroArguments(page('iked.8')).get('Fl') ?? new Set<string>();
  const missing = missingFrom(opts.map(flSpelling), have);
  assert.deepEqual(missing, [], `iked(8) has no .Fl for the flag(s): ${missing.join(', ')}`);
});

test('ikectl(8) documents every ikectl option as .Fl', () => {
  const opts = declaredOptions('src/cli/ikectl-options.ts');
  const have = macroArguments(page('ikectl.8')).get('Fl') ?? new Set<string>();
  const missing = missingFrom(opts.map(flSpelling), have);
  assert.deepEqual(missing, [], `ikectl(8) has no .Fl for the option(s): ${missing.join(', ')}`);
});

for (const name of PAGES) {
  test(`mandoc -T lint -W warning reports nothing for man/${name}`, (t) => {
    const r = spawnSync('mandoc', ['-T', 'lint', '-W', 'warning', path.join(ROOT, 'man', name)], { encoding: 'utf8' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      const why = 'mandoc is not installed (Debian package: mandoc; ci/deps.sh installs it)';
      if (process.env.CI) assert.fail(`${why}; CI must lint the manual pages`);
      t.skip(why);
      return;
    }
    assert.ifError(r.error);
    const out = `${r.stdout}${r.stderr}`.trim();
    assert.equal(out, '', `mandoc lint of man/${name}:\n${out}`);
    assert.equal(r.status, 0, `mandoc exited with ${r.status}`);
  });
}
