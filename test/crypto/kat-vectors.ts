/** Load a committed known-answer vector file of test/crypto/vectors (from src or from dist). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadVectors<T>(name: string): T {
  const candidates = [join(__dirname, 'vectors', name), join(__dirname, '..', '..', '..', 'test', 'crypto', 'vectors', name)];
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error(`vector file ${name} not found in ${candidates.join(' or ')}`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export const hex = (s: string | string[]): Buffer => Buffer.from(Array.isArray(s) ? s.join('') : s, 'hex');
