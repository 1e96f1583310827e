/**
 * The house as ARCHITECTURE.md draws it, checked against the imports of src/:
 * each layer imports only layers below it (type-only imports included), and no
 * files import each other in a circle. Fails naming the arrow or the circle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const REPO = [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')].find((d) => existsSync(join(d, 'src', 'wire', 'iana.ts')))!;
const SRC = join(REPO, 'src');

/** Lowest first; a folder may import its own layer's files and those of lower layers. */
export const LAYERS: string[][] = [
  ['wire', 'log'],
  ['crypto'],
  ['conf'],
  ['platform'],
  ['ikev2'],
  ['eap', 'radius'],
  ['proc'],
  ['cli', 'demo'],
];

function layerOf(file: string): number {
  const top = relative(SRC, file).split('/')[0];
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer of LAYERS (add it, and to ARCHITECTURE.md)`);
  return i;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const SPEC = /(?:^|\s)(?:import|export)\s[^'";]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|require\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** file -> the files of src/ it imports (any kind of import). */
export function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(SRC)) {
    const text = readFileSync(f, 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const base = normalize(join(dirname(f), spec));
      const target = [`${base}.ts`, join(base, 'index.ts')].find((c) => existsSync(c));
      if (target && target.startsWith(SRC)) out.push(target);
    }
    g.set(f, out);
  }
  return g;
}

const rel = (f: string): string => relative(REPO, f);

test('no layer imports a layer above it', () => {
  const bad: string[] = [];
  for (const [f, deps] of importGraph()) {
    for (const d of deps) if (layerOf(d) > layerOf(f)) bad.push(`${rel(f)} -> ${rel(d)}`);
  }
  assert.deepEqual(bad, [], `arrows that run back up:\n${bad.join('\n')}`);
});

test('no files import each other in a circle (type-only imports included)', () => {
  const g = importGraph();
  // Tarjan's strongly connected components
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) circles.push(c.map(rel).sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  assert.deepEqual(circles, [], `circles:\n${circles.map((c) => c.join(' <-> ')).join('\n')}`);
});

test('the checker sees a circle and an arrow back up when there is one', () => {
  // the import graph is read from the files: wire imports nothing of ours, ikev2/engine.ts imports wire
  const g = importGraph();
  const engine = join(SRC, 'ikev2', 'engine.ts');
  assert.ok((g.get(engine) ?? []).some((d) => d.includes('/wire/')), 'engine.ts imports wire/');
  assert.ok(layerOf(join(SRC, 'cli', 'iked.ts')) > layerOf(engine));
});
