/**
 * iked.conf numbers with units: time_spec (seconds, or N followed by a unit)
 * and byte_spec (bytes, or N followed by K, M or G), as in iked's parse.y.
 * iked knows the time units m and h; s and d are accepted here as well.
 */

export type UnitResult = { ok: true; value: number } | { ok: false; message: string };

const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const BYTE_UNITS: Record<string, number> = { k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };

/** Digits then one unit character (what /^(\d+)(.)$/s matches), or null. */
function splitUnit(text: string): [string, string] | null {
  const n = text.length - 1;
  if (n < 1) return null;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return [text.slice(0, n), text[n]];
}

function withUnit(text: string, units: Record<string, number>, what: string): UnitResult {
  const m = splitUnit(text);
  if (!m) return { ok: false, message: `invalid ${what} specification: ${text}` };
  const mult = units[m[1].toLowerCase()];
  if (mult === undefined) return { ok: false, message: `invalid ${what} unit` };
  const value = Number(m[0]) * mult;
  if (!Number.isSafeInteger(value)) return { ok: false, message: `${what} out of range: ${text}` };
  return { ok: true, value };
}

/** A time as written after `lifetime`, `ikelifetime`, `tolerate`...: "3600", "10m", "1h", "1d". */
export function parseTimeSpec(text: string): UnitResult {
  return withUnit(text, TIME_UNITS, 'time');
}

/** A byte count as written after `bytes`: "1000", "512K", "1M", "4G". */
export function parseByteSpec(text: string): UnitResult {
  return withUnit(text, BYTE_UNITS, 'byte');
}
