/**
 * `node dist/bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot N [CLASS]`: where the bytes
 * of N more held SAs go. Both snapshots come from the same daemon configuration (e.g. the bench's
 * hold test with IKED_BENCH_NODE_ARGS=--heapsnapshot-signal=SIGUSR2 and IKED_BENCH_HOLD_PAUSE,
 * holding few and many SAs); prints the growth of each kind of heap object (V8 type and
 * constructor or function name) per SA, largest first, and, for CLASS (default IkeSa), the
 * self size of what each of its fields points to, per instance.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }; node_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Parsed {
  s: Snapshot;
  nf: number;
  ef: number;
  types: string[];
  edgeTypes: string[];
  firstEdge: Uint32Array;
}

function parse(path: string): Parsed {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields.length;
  const ef = s.snapshot.meta.edge_fields.length;
  const n = s.nodes.length / nf;
  const firstEdge = new Uint32Array(n + 1);
  const ec = s.snapshot.meta.node_fields.indexOf('edge_count');
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += s.nodes[i * nf + ec] * ef;
    firstEdge[i + 1] = e;
  }
  return { s, nf, ef, types: s.snapshot.meta.node_types[0], edgeTypes: s.snapshot.meta.edge_types[0], firstEdge };
}

/** A heap object's kind: strings, arrays and code by V8 type; objects and closures by name. */
function kind(p: Parsed, i: number): string {
  const t = p.types[p.s.nodes[i * p.nf]];
  const name = p.s.strings[p.s.nodes[i * p.nf + 1]];
  if (t === 'string' || t === 'concatenated string' || t === 'sliced string' || t === 'number' || t === 'code') return `(${t})`;
  if (t === 'closure') return `closure ${name || '(anonymous)'}`;
  if (t === 'array' || t === 'hidden' || t === 'native' || t === 'object shape') return `${t} ${name.slice(0, 50)}`;
  if (t === 'object' && name === 'Object') return `Object{${props(p, i).slice(0, 6).join(',')}}`;
  return `${t} ${name.split(' ')[0].slice(0, 60)}`;
}

/** An object's own property names (edges of type property), to tell plain objects apart. */
function props(p: Parsed, i: number): string[] {
  const out: string[] = [];
  for (let e = p.firstEdge[i]; e < p.firstEdge[i + 1]; e += p.ef) {
    if (p.edgeTypes[p.s.edges[e]] === 'property') out.push(p.s.strings[p.s.edges[e + 1]]);
  }
  return out;
}

/** Each node's first retainer (not a weak edge) and the edge's name: `kind <- retainer kind.edge`. */
function retainedKinds(p: Parsed): Map<string, { count: number; bytes: number }> {
  const n = p.s.nodes.length / p.nf;
  const by = new Int32Array(n).fill(-1);
  const edgeName = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    for (let e = p.firstEdge[i]; e < p.firstEdge[i + 1]; e += p.ef) {
      const et = p.edgeTypes[p.s.edges[e]];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = p.s.edges[e + 2] / p.nf;
      if (by[to] >= 0) continue;
      by[to] = i;
      const name = et === 'element' || et === 'hidden' ? '' : String(p.s.strings[p.s.edges[e + 1]] ?? '');
      edgeName[to] = !name || /^\d+$/.test(name) ? `[${et}]` : name; // indices of arrays and hash tables alike
    }
  }
  const m = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < n; i++) {
    const k = by[i] < 0 ? `${kind(p, i)} <- (root)` : `${kind(p, i)} <- ${kind(p, by[i])}.${edgeName[i]}`;
    const cur = m.get(k) ?? { count: 0, bytes: 0 };
    cur.count++;
    cur.bytes += p.s.nodes[i * p.nf + 3];
    m.set(k, cur);
  }
  return m;
}

type Totals = Map<string, { count: number; bytes: number }>;

function printDiff(title: string, before: Totals, after: Totals, n: number, min: number): void {
  const rows = [...after.entries()].map(([k, v]) => {
    const o = before.get(k) ?? { count: 0, bytes: 0 };
    return { k, count: (v.count - o.count) / n, bytes: (v.bytes - o.bytes) / n };
  });
  for (const [k, o] of before) if (!after.has(k)) rows.push({ k, count: -o.count / n, bytes: -o.bytes / n });
  rows.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
  const sum = rows.reduce((t, r) => t + r.bytes, 0);
  console.log(`${title}: ${sum.toFixed(0)} bytes per SA (self sizes, ${n} SAs)`);
  console.log('bytes/SA  objects/SA  kind');
  for (const r of rows.filter((r) => Math.abs(r.bytes) >= min)) console.log(`${r.bytes.toFixed(1).padStart(8)}  ${r.count.toFixed(2).padStart(10)}  ${r.k}`);
  console.log('');
}

function totals(p: Parsed): Map<string, { count: number; bytes: number }> {
  const m = new Map<string, { count: number; bytes: number }>();
  const n = p.s.nodes.length / p.nf;
  for (let i = 0; i < n; i++) {
    const k = kind(p, i);
    const size = p.s.nodes[i * p.nf + 3];
    const cur = m.get(k) ?? { count: 0, bytes: 0 };
    cur.count++;
    cur.bytes += size;
    m.set(k, cur);
  }
  return m;
}

/** For every instance of `cls`: the self size of what each named field points to (summed). */
function fields(p: Parsed, cls: string): { instances: number; byField: Map<string, number> } {
  const byField = new Map<string, number>();
  const n = p.s.nodes.length / p.nf;
  let instances = 0;
  for (let i = 0; i < n; i++) {
    if (p.types[p.s.nodes[i * p.nf]] !== 'object' || p.s.strings[p.s.nodes[i * p.nf + 1]] !== cls) continue;
    instances++;
    byField.set('(self)', (byField.get('(self)') ?? 0) + p.s.nodes[i * p.nf + 3]);
    for (let e = p.firstEdge[i]; e < p.firstEdge[i + 1]; e += p.ef) {
      const et = p.edgeTypes[p.s.edges[e]];
      if (et !== 'property' && et !== 'internal') continue;
      const to = p.s.edges[e + 2] / p.nf;
      const name = `${p.s.strings[p.s.edges[e + 1]] ?? p.s.edges[e + 1]} -> ${kind(p, to)}`;
      byField.set(name, (byField.get(name) ?? 0) + p.s.nodes[to * p.nf + 3]);
    }
  }
  return { instances, byField };
}

function main(): void {
  const [a, b, nText, cls = 'IkeSa'] = process.argv.slice(2);
  const n = Number(nText);
  if (!a || !b || !(n > 0)) {
    process.stderr.write('usage: heap-diff BEFORE.heapsnapshot AFTER.heapsnapshot N [CLASS]\n');
    process.exit(2);
  }
  const pa = parse(a);
  const pb = parse(b);
  printDiff('heap growth', totals(pa), totals(pb), n, 4);
  printDiff('heap growth by first retainer', retainedKinds(pa), retainedKinds(pb), n, 2);
  const f = fields(pb, cls);
  if (!f.instances) return;
  console.log(`\n${cls}: ${f.instances} instances; self size of each field's target, per instance (shared targets counted every time)`);
  for (const [k, v] of [...f.byField.entries()].sort((x, y) => y[1] - x[1])) if (v / f.instances >= 1) console.log(`${(v / f.instances).toFixed(1).padStart(8)}  ${k}`);
}

main();
