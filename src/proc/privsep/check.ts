/**
 * Validators for privsep IPC messages: every field is checked for type and size
 * before use. A failed check throws IpcCheckError; the receiving process treats
 * it as fatal (iked's "fatal imsg error").
 */

export class IpcCheckError extends Error {}

/**
 * `where` names the value relative to its container (a field name, '' for an array
 * element, the message type at the top). Paths are joined only when a check fails,
 * as the failure travels up through obj/arr (see within): checking a valid message
 * builds no strings.
 */
export type Check<T> = (v: unknown, where: string) => T;

function fail(where: string, what: string): never {
  throw new IpcCheckError(`${where}: ${what}`);
}

/** Re-throw a nested check's failure with this level's name in front of its path. */
export function within(where: string, e: unknown): never {
  if (e instanceof IpcCheckError && where !== '') {
    const m = e.message;
    e.message = m.startsWith('[') || m.startsWith(':') ? where + m : `${where}.${m}`;
  }
  throw e;
}

export const str =
  (max: number): Check<string> =>
  (v, w) => {
    if (typeof v !== 'string') fail(w, `expected a string, got ${typeof v}`);
    if (v.length > max) fail(w, `string of ${v.length} characters exceeds ${max}`);
    return v;
  };

export const int =
  (min: number, max: number): Check<number> =>
  (v, w) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(w, `expected an integer, got ${typeof v === 'number' ? v : typeof v}`);
    if (v < min || v > max) fail(w, `${v} is outside ${min}..${max}`);
    return v;
  };

export const uint32 = int(0, 0xffffffff);
export const port = int(0, 65535);

export const bool: Check<boolean> = (v, w) => {
  if (typeof v !== 'boolean') fail(w, `expected a boolean, got ${typeof v}`);
  return v;
};

export const buf =
  (max: number): Check<Buffer> =>
  (v, w) => {
    if (!Buffer.isBuffer(v)) fail(w, 'expected bytes');
    if (v.length > max) fail(w, `${v.length} bytes exceed ${max}`);
    return v;
  };

export const oneOf =
  <T extends string>(...values: T[]): Check<T> =>
  (v, w) => {
    if (typeof v !== 'string' || !(values as string[]).includes(v)) fail(w, `expected one of ${values.join('|')}`);
    return v as T;
  };

export const arr =
  <T>(item: Check<T>, max: number): Check<T[]> =>
  (v, w) => {
    if (!Array.isArray(v)) fail(w, 'expected an array');
    if (v.length > max) fail(w, `array of ${v.length} elements exceeds ${max}`);
    // the array itself when every element checks as itself (no copy of a valid message)
    let out: T[] | null = null;
    let i = 0;
    try {
      for (; i < v.length; i++) {
        const x = item(v[i], '');
        if (out) out.push(x);
        else if (x !== v[i]) (out = v.slice(0, i) as T[]).push(x);
      }
    } catch (e) {
      within(`${w}[${i}]`, e);
    }
    return out ?? (v as T[]);
  };

export const opt =
  <T>(c: Check<T>): Check<T | undefined> =>
  (v, w) =>
    v === undefined ? undefined : c(v, w);

export const nullable =
  <T>(c: Check<T>): Check<T | null> =>
  (v, w) =>
    v === null ? null : c(v, w);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export const record: Check<Record<string, unknown>> = (v, w) => {
  if (!isRecord(v)) fail(w, 'expected an object');
  return v;
};

type Shape<T> = { [K in keyof T]-?: Check<T[K]> };

/**
 * An object with exactly these fields (unknown fields are rejected). A valid object
 * whose fields all check as themselves is returned as it is; otherwise a copy with
 * the checked values.
 */
export function obj<T extends object>(shape: Shape<T>): Check<T> {
  const keys = Object.keys(shape) as Array<keyof T & string>;
  return (v, w) => {
    const o = record(v, w);
    for (const k in o) if (!Object.hasOwn(shape, k)) fail(w, `unexpected field '${k}'`);
    let out: T | null = null;
    let k: keyof T & string = keys[0];
    try {
      for (let i = 0; i < keys.length; i++) {
        k = keys[i];
        const val = shape[k](o[k], k);
        if (out) {
          if (val !== undefined) out[k] = val;
        } else if (val !== o[k]) {
          // the first field that checked as something else: copy the ones before it
          out = {} as T;
          for (let j = 0; j < i; j++) if (o[keys[j]] !== undefined) out[keys[j]] = o[keys[j]] as T[keyof T & string];
          if (val !== undefined) out[k] = val;
        }
      }
    } catch (e) {
      within(w, e);
    }
    return out ?? (o as T);
  };
}

export const nothing: Check<null> = (v, w) => {
  if (v !== null && v !== undefined) fail(w, 'expected no payload');
  return null;
};

/** A JSON-like value (no functions, bounded depth); for view snapshots. */
export const plain =
  (maxDepth = 16): Check<unknown> =>
  (v, w) => {
    const walk = (x: unknown, d: number): void => {
      if (d > maxDepth) fail(w, `nesting deeper than ${maxDepth}`);
      if (x === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof x)) return;
      if (Buffer.isBuffer(x)) return;
      if (Array.isArray(x)) return x.forEach((y) => walk(y, d + 1));
      if (isRecord(x)) return Object.values(x).forEach((y) => walk(y, d + 1));
      fail(w, `unexpected ${typeof x} value`);
    };
    walk(v, 0);
    return v;
  };
