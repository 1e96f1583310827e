/**
 * Shared by the corpus test and its regeneration: each corpus/NAME.conf is
 * checked like `iked -n -v` (permission checks off, fixed interfaces, macros
 * from a "# macros: a=b c=d" line) and compared with corpus/NAME.out.
 * Run this file directly with --write to regenerate the .out files.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkConfig } from '../../src/conf/check';
import type { IfaceAddr } from '../../src/conf/address';

const IFACES: Record<string, IfaceAddr[]> = {
  lo: [
    { family: 4, address: '127.0.0.1' },
    { family: 6, address: '::1' },
  ],
  vio0: [{ family: 4, address: '192.0.2.100' }],
};

export const testInterfaces = (name: string): IfaceAddr[] | undefined => IFACES[name];

/** The corpus directory, from the sources or from dist/. */
export function corpusDir(): string {
  const candidates = [join(__dirname, 'corpus'), resolve(__dirname, '../../../test/conf/corpus')];
  for (const c of candidates) if (existsSync(join(c, 'v01-minimal.conf'))) return c;
  throw new Error(`corpus directory not found (looked in ${candidates.join(', ')})`);
}

export function corpusNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.conf'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function macrosOf(text: string): Record<string, string> {
  const m = /^# macros:(.*)$/m.exec(text);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const kv of m[1].trim().split(/\s+/)) {
    const i = kv.lastIndexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** Output of one case (process.cwd() must be the corpus directory). */
export function runCase(dir: string, name: string): string {
  const text = readFileSync(join(dir, `${name}.conf`), 'utf8');
  const r = checkConfig(`${name}.conf`, {
    verbose: 1,
    macros: macrosOf(text),
    checkPermissions: false,
    interfaces: testInterfaces,
  });
  return r.lines.join('\n') + '\n';
}

if (require.main === module && process.argv.includes('--write')) {
  const dir = corpusDir();
  process.chdir(dir);
  for (const n of corpusNames(dir)) writeFileSync(join(dir, `${n}.out`), runCase(dir, n));
  console.log(`wrote ${corpusNames(dir).length} expected outputs in ${dir}`);
}
