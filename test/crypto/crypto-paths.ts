/** Run a test once per crypto path: node:crypto, and the iked_crypto addon (skipped when it is not built). */
import { test } from 'node:test';
import { cryptoPath, loadCryptoAddon, selectCryptoPath } from '../../src/crypto/native-crypto';
import type { CryptoPath } from '../../src/crypto/native-crypto';

export const CRYPTO_PATHS: readonly CryptoPath[] = ['node', 'native'];

/** Why the native path cannot run here, false when it can. */
export function nativeSkip(): string | false {
  return loadCryptoAddon() ? false : 'build/Release/iked_crypto.node is not built (npx node-gyp rebuild)';
}

/** Run fn with one path selected, then restore the path in use before. */
export async function onPath<T>(p: CryptoPath, fn: () => T | Promise<T>): Promise<T> {
  const before = cryptoPath();
  selectCryptoPath(p);
  try {
    return await fn();
  } finally {
    selectCryptoPath(before);
  }
}

/** test(`${name} [node]`) and test(`${name} [native]`). */
export function testBothPaths(name: string, fn: () => void | Promise<void>): void {
  for (const p of CRYPTO_PATHS) {
    test(`${name} [${p}]`, { skip: p === 'native' ? nativeSkip() : false }, () => onPath(p, fn));
  }
}
