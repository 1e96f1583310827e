/** One-shot digests over a list of buffers (NAT detection, cookies, cert hashes). */
import { createHash, hash } from 'node:crypto';

function digest(alg: string, parts: readonly Buffer[]): Buffer {
  // one buffer: the one-shot digest (no Hash object for the GC to finalize)
  if (parts.length === 1) return hash(alg, parts[0], 'buffer');
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA-1 of the concatenation of parts (e.g. SPIi | SPIr | IP | Port for NAT_DETECTION_*). */
export function sha1(...parts: Buffer[]): Buffer {
  return digest('sha1', parts);
}

/** SHA-256 of the concatenation of parts. */
export function sha256(...parts: Buffer[]): Buffer {
  return digest('sha256', parts);
}
