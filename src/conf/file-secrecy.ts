/**
 * iked's check_file_secrecy(): configuration, included and key files must be
 * owned by root or the current user and not writable (or readable, where it
 * matters) by others.
 */
import { statSync } from 'node:fs';

/** Mode bits iked refuses on configuration and included files: g+w, g+x, o+rwx. */
export const CONF_FORBIDDEN_MODE = 0o037;
/** Mode bits refused on PSK files: any group or other access. */
export const KEY_FORBIDDEN_MODE = 0o077;

/** null when acceptable, otherwise the reason. */
export function checkFileSecrecy(path: string, forbidden: number): string | null {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return `cannot stat ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  if (st.uid !== 0 && st.uid !== uid) return `${path}: owner not root or current user`;
  if (st.mode & forbidden) {
    return forbidden === KEY_FORBIDDEN_MODE
      ? `${path}: group or world readable/writable`
      : `${path}: group writable or world read/writable`;
  }
  return null;
}
