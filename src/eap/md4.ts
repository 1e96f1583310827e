/**
 * MD4 (RFC 1320) for MSCHAPv2's NT password hash. OpenSSL 3's default provider
 * has no MD4 and enabling the legacy provider is not an option (OpenIKED broke
 * on exactly this), so this wraps the npm package js-md4. MD4 is used only as
 * MSCHAPv2 requires it, never as a general hash.
 */

interface JsMd4 {
  arrayBuffer(message: Uint8Array): ArrayBuffer;
}

// js-md4 ships no type declarations; this is the one function used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsMd4 = require('js-md4') as JsMd4;

/** MD4 digest (16 bytes) of `data`. */
export function md4(data: Buffer): Buffer {
  return Buffer.from(jsMd4.arrayBuffer(new Uint8Array(data.buffer, data.byteOffset, data.length)));
}
