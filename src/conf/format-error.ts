/** One configuration error or warning as a line: `FILE:LINE: message`, or `FILE: message` about the whole file (line 0). */
import type { ConfError } from './types';

export function formatConfError(e: ConfError): string {
  return e.line > 0 ? `${e.file}:${e.line}: ${e.message}` : `${e.file}: ${e.message}`;
}
