/**
 * RFC 8784 post-quantum preshared keys, a policy option: `ppk ID KEY [required]`.
 * ID is bytes: the UTF-8 of a string, or hex digits after `0x` (as for a psk);
 * KEY is read like a psk value (string, 0xHEX or `file "path"`, src/conf/psk.ts).
 * Without `required` the PPK is optional: the peer may fall back to no PPK.
 */
import type { ParseContext } from './parse-context';
import { quoteString } from './conf-quote';
import { ID_MAX } from './identity';
import { parseHexKey, parsePskSpec } from './psk';
import type { PpkConf } from './types';

/** A PPK_ID is at most as long as an identity (IKED_ID_SIZE). */
export const PPK_ID_MAX = ID_MAX;
/** RFC 8784 section 3: a PPK should carry at least 256 bits of entropy. */
export const PPK_MIN_BYTES = 32;

function parsePpkId(ctx: ParseContext): Buffer {
  const t = ctx.next();
  // A bare number (`ppk 2026 ...`) is its digits.
  if (t.kind !== 'string' && t.kind !== 'number') ctx.syntaxError(t, 'PPK identity');
  let id: Buffer;
  if (t.text.startsWith('0x')) {
    const hex = parseHexKey(t.text.slice(2));
    if (!hex || t.text.length % 2) ctx.fail('ppk identity: 0x needs pairs of hex digits', t);
    id = hex;
  } else {
    id = Buffer.from(t.text, 'utf8');
  }
  if (id.length === 0) ctx.fail('ppk identity is empty', t);
  if (id.length > PPK_ID_MAX) ctx.fail(`ppk identity too long (at most ${PPK_ID_MAX} bytes)`, t);
  return id;
}

export function parsePpk(ctx: ParseContext): PpkConf {
  const id = parsePpkId(ctx);
  const key = parsePskSpec(ctx, 'ppk');
  if (key.length === 0) ctx.fail('ppk is empty');
  if (key.length < PPK_MIN_BYTES) {
    const n = `${key.length} byte${key.length === 1 ? '' : 's'}`;
    ctx.warn(`ppk is only ${n}: RFC 8784 asks for at least 256 bits of entropy (${PPK_MIN_BYTES} random bytes)`);
  }
  let required = false;
  if (ctx.isKw(ctx.peek(), 'required')) {
    ctx.next();
    required = true;
  }
  return { id, key, required };
}

/** How `iked -n -v` shows an ID: quoted when printable ASCII that reads back as itself, else 0x hex. */
export function ppkIdText(id: Buffer): string {
  const s = id.toString('latin1');
  if (/^[\x20-\x7e]+$/.test(s) && !/["\\]/.test(s) && !s.startsWith('0x')) return quoteString(s);
  return `0x${id.toString('hex')}`;
}

/** The option as printed after the authentication (the key in hex, like psk). */
export function ppkText(p: PpkConf): string {
  return ` ppk ${ppkIdText(p.id)} 0x${p.key.toString('hex')}${p.required ? ' required' : ''}`;
}
