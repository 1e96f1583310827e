/**
 * parseIp and formatIp against a plain oracle built on node's isIPv4/isIPv6 and
 * split/map (the code they replaced, slower: the config parser calls them for every
 * address): the same answer on many valid and invalid texts and byte strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { formatIp, parseIp } from '../../src/wire/ip-address';

function oracleParse(text: string): Buffer | null {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) return null;
  let s = text;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = oracleParse(last);
    if (!v4 || v4.length !== 4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  const groupsOf = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  if (halves.length === 2) {
    const head = groupsOf(halves[0]);
    const rest = groupsOf(halves[1]);
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else groups = groupsOf(s);
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  if (tail.length) [groups[6], groups[7]] = tail;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** RFC 5952: the longest run (first of equals) of two or more zero groups becomes "::". */
function oracleFormat6(b: Buffer): string {
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > len) [best, len] = [i, j - i];
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  return len < 2 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + len))}`;
}

function rng(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

function texts(): string[] {
  const r = rng(7);
  const out = ['', ':', '::', ':::', '1::', '::1', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3',
    '0.0.0.0', '255.255.255.255', '256.0.0.0', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%eth0', '12345::', 'g::1', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ', '::ffff:01.2.3.4'];
  const pieces = ['0', '1', '9', '10', '99', '255', '256', '00', '0a', 'a', 'F', 'ffff', 'fffff', 'g', ':', '::', '.', '%', '1.2.3.4'];
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const n = 1 + r(12);
    for (let k = 0; k < n; k++) s += pieces[r(pieces.length)];
    out.push(s);
  }
  for (let i = 0; i < 5000; i++) {
    // valid IPv6 shapes: 8 groups, a random run compressed, sometimes an IPv4 tail
    const g = Array.from({ length: 8 }, () => (r(3) ? 0 : r(0x10000)).toString(r(2) ? 16 : 10).slice(0, 4));
    const v4 = r(4) === 0 ? `${r(256)}.${r(256)}.${r(256)}.${r(256)}` : null;
    const groups = v4 ? g.slice(0, 6) : g;
    const a = r(groups.length + 1);
    const b = a + r(groups.length - a + 1);
    let s = b > a ? `${groups.slice(0, a).join(':')}::${groups.slice(b).join(':')}` : groups.join(':');
    if (v4) s += (s.endsWith(':') ? '' : ':') + v4;
    out.push(s, s.toUpperCase());
    out.push(`${r(300)}.${r(300)}.${r(300)}.${r(300)}`);
  }
  return out;
}

test('parseIp answers as the isIPv4/isIPv6 oracle on valid and invalid text', () => {
  let valid = 0;
  for (const t of texts()) {
    const want = oracleParse(t);
    const got = parseIp(t);
    assert.equal(got?.toString('hex') ?? null, want?.toString('hex') ?? null, JSON.stringify(t));
    if (want) valid++;
  }
  assert.ok(valid > 8000, `only ${valid} valid texts`);
});

test('formatIp answers as the RFC 5952 oracle', () => {
  const r = rng(11);
  for (let i = 0; i < 20000; i++) {
    const b = Buffer.alloc(16);
    for (let k = 0; k < 8; k++) if (r(3) === 0) b.writeUInt16BE(r(4) ? r(0x10000) : 0xffff, k * 2);
    if (i % 50 === 0) b.writeUInt16BE(0xffff, 10);
    assert.equal(formatIp(b), oracleFormat6(b), b.toString('hex'));
    assert.equal(parseIp(formatIp(b))?.toString('hex'), b.toString('hex'));
  }
});
