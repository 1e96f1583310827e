/** One-shot digests over a list of buffers (NAT detection, cookies, cert hashes). */
import { createHash } from 'node:crypto';

function digest(alg: string, parts: readonly Buffer[]): Buffer {
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
