/**
 * Views over a settled IKE SA's one allocation (src/ikev2/sa/sa-settle.ts): the keys and
 * selector addresses of an established SA are read through getters that return a
 * view of the packed bytes, instead of each keeping a Buffer object of its own
 * (~100 bytes each, a dozen per SA). Reads are rare once the SA is up (a message
 * on it, a rekey), and a view costs no copy.
 */
import type { IkeSaKeys } from '../../crypto/keymat';
import type { ChildKeysDir } from './child-sa';
import type { TrafficSelector } from '../payloads/payload-types';
import { EMPTY } from '../../wire/empty-bytes';


/** SK_d, SK_ai/ar, SK_ei/er back to back at `at`; SK_pi/SK_pr are gone. */
export class PackedIkeKeys implements IkeSaKeys {
  constructor(
    private readonly blob: Buffer,
    private readonly at: number,
    private readonly d: number,
    private readonly a: number,
    private readonly e: number,
  ) {}
  get skD(): Buffer {
    return this.blob.subarray(this.at, this.at + this.d);
  }
  get skAi(): Buffer {
    const o = this.at + this.d;
    return this.blob.subarray(o, o + this.a);
  }
  get skAr(): Buffer {
    const o = this.at + this.d + this.a;
    return this.blob.subarray(o, o + this.a);
  }
  get skEi(): Buffer {
    const o = this.at + this.d + 2 * this.a;
    return this.blob.subarray(o, o + this.e);
  }
  get skEr(): Buffer {
    const o = this.at + this.d + 2 * this.a + this.e;
    return this.blob.subarray(o, o + this.e);
  }
  get skPi(): Buffer {
    return EMPTY;
  }
  get skPr(): Buffer {
    return EMPTY;
  }
  /** Zero every key byte. */
  wipe(): void {
    this.blob.fill(0, this.at, this.at + this.d + 2 * this.a + 2 * this.e);
  }
}

/** encIn, integIn, encOut, integOut back to back at `at`. */
export class PackedChildKeys implements ChildKeysDir {
  constructor(
    private readonly blob: Buffer,
    private readonly at: number,
    private readonly e: number,
    private readonly i: number,
  ) {}
  get encIn(): Buffer {
    return this.blob.subarray(this.at, this.at + this.e);
  }
  get integIn(): Buffer {
    const o = this.at + this.e;
    return this.blob.subarray(o, o + this.i);
  }
  get encOut(): Buffer {
    const o = this.at + this.e + this.i;
    return this.blob.subarray(o, o + this.e);
  }
  get integOut(): Buffer {
    const o = this.at + 2 * this.e + this.i;
    return this.blob.subarray(o, o + this.i);
  }
}

/** A traffic selector whose start and end addresses (same length) are back to back at `at`. */
export class PackedSelector implements TrafficSelector {
  constructor(
    readonly tsType: number,
    readonly ipProtocol: number,
    readonly startPort: number,
    readonly endPort: number,
    private readonly blob: Buffer,
    private readonly at: number,
    private readonly len: number,
  ) {}
  get startAddr(): Buffer {
    return this.blob.subarray(this.at, this.at + this.len);
  }
  get endAddr(): Buffer {
    return this.blob.subarray(this.at + this.len, this.at + 2 * this.len);
  }
}

/** An identity whose data is a view of the packed bytes (the peer's: ours is shared, sa-settle.ts). */
export class PackedIdentity {
  constructor(
    readonly type: number,
    private readonly blob: Buffer,
    private readonly at: number,
    private readonly len: number,
  ) {}
  get data(): Buffer {
    return this.blob.subarray(this.at, this.at + this.len);
  }
}

/**
 * The last response of a settled SA when it is one packet (no fragments): kept to answer
 * a retransmitted request, read only then; the array and Buffer are made on that read.
 */
export class PackedResponse {
  constructor(
    readonly id: number,
    private readonly blob: Buffer,
    private readonly at: number,
    private readonly len: number,
  ) {}
  get packets(): Buffer[] {
    return [this.blob.subarray(this.at, this.at + this.len)];
  }
}

/** Zero IKE SA keys, packed or not. */
export function wipeIkeKeys(k: IkeSaKeys): void {
  if (k instanceof PackedIkeKeys) return k.wipe();
  for (const b of [k.skD, k.skAi, k.skAr, k.skEi, k.skEr, k.skPi, k.skPr]) b.fill(0);
}
