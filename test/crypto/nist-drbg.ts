/**
 * The AES-256 CTR_DRBG of NIST's PQC known-answer tests (rng.c of the NIST KAT
 * generator: no derivation function, no reseeding), for reproducing KAT files:
 * seeded with the 48-byte "seed" of a KAT entry, each randombytes(n) call emits
 * AES-256-ECB(Key, ++V) blocks and then updates (Key, V).
 */
import { createCipheriv } from 'node:crypto';

export class NistDrbg {
  private key = Buffer.alloc(32);
  private v = Buffer.alloc(16);

  constructor(seed: Buffer) {
    if (seed.length !== 48) throw new RangeError('NIST DRBG seed must be 48 bytes');
    this.update(seed);
  }

  private incrementV(): void {
    for (let j = 15; j >= 0; j--) {
      if (this.v[j] === 0xff) {
        this.v[j] = 0;
      } else {
        this.v[j]++;
        break;
      }
    }
  }

  private block(): Buffer {
    this.incrementV();
    const c = createCipheriv('aes-256-ecb', this.key, null);
    c.setAutoPadding(false);
    return c.update(this.v);
  }

  private update(provided: Buffer | null): void {
    const temp = Buffer.concat([this.block(), this.block(), this.block()]);
    if (provided) for (let i = 0; i < 48; i++) temp[i] ^= provided[i];
    this.key = temp.subarray(0, 32);
    this.v = Buffer.from(temp.subarray(32, 48));
  }

  randomBytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let at = 0; at < n; at += 16) this.block().copy(out, at, 0, Math.min(16, n - at));
    this.update(null);
    return out;
  }
}
