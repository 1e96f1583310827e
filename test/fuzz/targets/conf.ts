/**
 * iked.conf lexer and parser (parseConfigText), seeded with examples/, the
 * conf test corpus and test/fuzz/corpus/conf. Property: it returns (never
 * throws), with a configuration or errors; every error and warning has a file
 * and a line number within the text (or an included file); no "internal error"
 * (parseConfigText turns an unexpected exception into one).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../../src/conf/load';
import type { IfaceAddr } from '../../../src/conf/address';
import { check, corpus, decodeOnly, repoRoot, textFrom, FuzzTarget } from '../harness';

const INCLUDED = 'ikesa enc aes-128-gcm\nset fragmentation\n';
const IFACES: Record<string, IfaceAddr[]> = {
  lo: [{ family: 4, address: '127.0.0.1' }, { family: 6, address: '::1' }],
  vio0: [{ family: 4, address: '192.0.2.100' }],
};

function seeds(): string[] {
  const root = repoRoot();
  const out = corpus('conf').map((b) => b.toString('utf8'));
  const dir = join(root, 'test/conf/corpus');
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.conf')) out.push(readFileSync(join(dir, f), 'utf8'));
  return out;
}

function readFile(path: string): string {
  if (path.endsWith('inc.conf')) return INCLUDED;
  const e = new Error(`ENOENT: ${path}`) as NodeJS.ErrnoException;
  e.code = 'ENOENT';
  throw e;
}

export const target: FuzzTarget<string> = {
  name: 'conf',
  sources: ['src/conf/lexer.ts', 'src/conf/parser.ts', 'src/conf/parse-policy.ts', 'src/conf/parse-values.ts', 'src/conf/parse-radius.ts', 'src/conf/parse-context.ts', 'src/conf/load.ts', 'src/conf/parse-transforms.ts', 'src/conf/ppk.ts'],
  seeds,
  arbitrary: textFrom(seeds, 16384),
  run(text) {
    const r = decodeOnly(
      'parseConfigText',
      () => parseConfigText(text, 'fuzz.conf', { checkPermissions: false, readFile, interfaces: (n) => IFACES[n], macros: { ext: '192.0.2.1' } }),
      () => false,
    )!;
    const lines = text.split('\n').length + 1;
    check((r.config === null) === r.errors.length > 0, 'config must be null exactly when there are errors');
    for (const e of [...r.errors, ...r.warnings]) {
      check(!e.message.startsWith('internal error'), `parser threw: ${e.file}:${e.line}: ${e.message}`);
      check(typeof e.file === 'string' && e.file.length > 0, `error without a file: ${e.message}`);
      const max = e.file === 'fuzz.conf' ? lines : INCLUDED.split('\n').length + 1;
      const wholeFile = e.line === 0 && e.message === 'no valid configuration rules found';
      check(wholeFile || (Number.isInteger(e.line) && e.line >= 1 && e.line <= max), `error line ${e.line} outside 1..${max}: ${e.message}`);
    }
  },
};
