/**
 * Pre-shared keys: `psk "string"`, `psk 0xHEX` and `psk file "path"`, as
 * iked's keyspec/parsekey/parsekeyfile (hex digits, at most 1024 bytes; the
 * key file must not be accessible by group or others). The RFC 8784 PPK
 * (`ppk ID KEY`) takes its KEY the same way.
 */
import type { ParseContext } from './parse-context';
import { checkFileSecrecy, KEY_FORBIDDEN_MODE } from './file-secrecy';

/** IKED_PSK_SIZE and KEYSIZE_LIMIT. */
export const PSK_MAX = 1024;

/** iked's parsekey(): pairs of hex digits (a trailing odd digit is ignored). */
export function parseHexKey(hex: string): Buffer | null {
  const n = Math.floor(hex.length / 2);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const pair = hex.slice(2 * i, 2 * i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) {
      out.fill(0);
      return null;
    }
    out[i] = parseInt(pair, 16);
  }
  return out;
}

/** Which key is read, for the messages: `psk` or `ppk`. */
export type KeyKind = 'psk' | 'ppk';

export function parsePskSpec(ctx: ParseContext, kind: KeyKind = 'psk'): Buffer {
  const t = ctx.next();
  if (ctx.isKw(t, 'file')) {
    const f = ctx.expectString('key file name');
    return readKeyFile(ctx, f.text, kind);
  }
  if (t.kind !== 'string') ctx.syntaxError(t, kind === 'psk' ? 'pre-shared key' : 'post-quantum preshared key');
  if (t.text.startsWith('0x')) {
    const hex = t.text.slice(2);
    if (hex.length / 2 > PSK_MAX) ctx.fail(`${kind} too long`, t);
    const k = parseHexKey(hex);
    if (!k) ctx.fail('keys need to be specified in hex digits', t);
    return k;
  }
  const k = Buffer.from(t.text, 'utf8');
  if (k.length > PSK_MAX) {
    k.fill(0);
    ctx.fail(`${kind} too long`, t);
  }
  return k;
}

function readKeyFile(ctx: ParseContext, path: string, kind: KeyKind): Buffer {
  if (ctx.settings.checkPermissions) {
    const why = checkFileSecrecy(path, KEY_FORBIDDEN_MODE);
    if (why) ctx.fail(`${kind} file refused: ${why}`);
  }
  let text: string;
  try {
    text = ctx.settings.readFile(path);
  } catch (e) {
    ctx.fail(`open ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const size = Buffer.byteLength(text, 'utf8');
  if (size === 0) ctx.fail(`${path}: key too small`);
  if (size > PSK_MAX) ctx.fail(`${path}: key too large`);
  const k = parseHexKey(text);
  if (!k) ctx.fail('keys need to be specified in hex digits');
  return k;
}
