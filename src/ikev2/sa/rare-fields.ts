/**
 * Fields of an object that are null nearly all of its life (an IKE SA's handshake state,
 * EAP, PPK, rekey leftovers...) kept in one side object made on the first non-null
 * write, through accessors on the class's prototype: an established SA with none of
 * them set pays one slot instead of one per field. Reads and writes look like fields.
 * Boolean fields likewise share the bits of one small integer (defineFlagFields).
 */

/** The holder of the side object (null while every rare field is null). */
export interface RareHolder {
  rare: Record<string, unknown> | null;
}

/** Define `names` on `proto` as accessors over `this.rare[name]` (null when absent). */
export function defineRareFields(proto: object, names: readonly string[]): void {
  for (const name of names) {
    Object.defineProperty(proto, name, {
      configurable: false,
      enumerable: true,
      get(this: RareHolder): unknown {
        const r = this.rare;
        return r === null ? null : r[name] ?? null;
      },
      set(this: RareHolder, v: unknown): void {
        if (this.rare === null) {
          if (v === null || v === undefined) return;
          this.rare = Object.create(null) as Record<string, unknown>;
        }
        this.rare![name] = v;
      },
    });
  }
}

/** Drop the side object once every rare field in it is null again (e.g. once the SA is established). */
export function dropRareIfEmpty(h: RareHolder): void {
  const r = h.rare;
  if (r === null) return;
  for (const k in r) if (r[k] !== null && r[k] !== undefined) return;
  h.rare = null;
}

/** The holder of boolean fields packed as bits. */
export interface FlagHolder {
  flags: number;
}

/** Define `names` (at most 30) on `proto` as boolean accessors over the bits of `this.flags`. */
export function defineFlagFields(proto: object, names: readonly string[]): void {
  if (names.length > 30) throw new Error('too many flag fields');
  names.forEach((name, i) => {
    const bit = 1 << i;
    Object.defineProperty(proto, name, {
      configurable: false,
      enumerable: true,
      get(this: FlagHolder): boolean {
        return (this.flags & bit) !== 0;
      },
      set(this: FlagHolder, v: boolean): void {
        this.flags = v ? this.flags | bit : this.flags & ~bit;
      },
    });
  });
}
