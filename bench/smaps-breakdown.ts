/**
 * Where a process's resident memory is, from /proc/PID/smaps (Linux): each mapping's Rss
 * summed by kind.
 *   brk    the [heap] mapping: glibc malloc's main arena
 *   arenas glibc's other arenas (threads' malloc): an anonymous read-write mapping at a
 *          64 MB-aligned address whose reservation (itself plus the ---p rest after it)
 *          is exactly 64 MB (HEAP_MAX_SIZE on 64-bit)
 *   anon   every other anonymous mapping: V8's heap pages (256 KB chunks), code space,
 *          thread stacks, malloc's mmap'ed blocks over its threshold
 *   file   file-backed mappings (the node binary, libraries, addons) and the kernel's
 *          [vdso]/[vvar]/[stack]
 * RSS moves with V8's committed heap (anon) and with what malloc keeps (brk, arenas):
 * this tells which grew.
 */
import { readFileSync } from 'node:fs';

export interface SmapsBreakdown {
  brkKb: number;
  arenaKb: number;
  arenas: number;
  anonKb: number;
  fileKb: number;
  totalKb: number;
}

const ARENA_SIZE = 64n * 1024n * 1024n;

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
  rssKb: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+\S+\s+\S+\s+\d+\s*(.*)$/;

export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      out.push({ start: BigInt('0x' + h[1]), end: BigInt('0x' + h[2]), perms: h[3], path: h[4].trim(), rssKb: 0 });
      continue;
    }
    const last = out[out.length - 1];
    const m = /^Rss:\s+(\d+) kB/.exec(line);
    if (m && last) last.rssKb = Number(m[1]);
  }
  return out;
}

function isArena(maps: Mapping[], i: number): boolean {
  const m = maps[i];
  if (m.path !== '' || !m.perms.startsWith('rw') || m.start % ARENA_SIZE !== 0n) return false;
  const size = m.end - m.start;
  if (size === ARENA_SIZE) return true;
  const rest = maps[i + 1];
  return size < ARENA_SIZE && rest !== undefined && rest.path === '' && rest.perms.startsWith('---') && rest.start === m.end && rest.end - m.start === ARENA_SIZE;
}

export function classifySmaps(text: string): SmapsBreakdown {
  const maps = parseSmaps(text);
  const b: SmapsBreakdown = { brkKb: 0, arenaKb: 0, arenas: 0, anonKb: 0, fileKb: 0, totalKb: 0 };
  maps.forEach((m, i) => {
    b.totalKb += m.rssKb;
    if (m.path === '[heap]') b.brkKb += m.rssKb;
    else if (isArena(maps, i)) {
      b.arenaKb += m.rssKb;
      b.arenas++;
    } else if (m.path === '' || m.path.startsWith('[anon')) b.anonKb += m.rssKb;
    else b.fileKb += m.rssKb;
  });
  return b;
}

/** The breakdown of a live process, or null when it is gone or unreadable. */
export function smapsOf(pid: number): SmapsBreakdown | null {
  try {
    return classifySmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return null;
  }
}

const mb = (kb: number): string => (kb / 1024).toFixed(1);

export function smapsText(b: SmapsBreakdown): string {
  return `brk ${mb(b.brkKb)} arenas ${mb(b.arenaKb)} (${b.arenas}) anon ${mb(b.anonKb)} file ${mb(b.fileKb)} MB`;
}
