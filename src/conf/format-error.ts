/** One configuration error or warning as a line: `FILE:LINE: message`. */
import type { ConfError } from './types';

export function formatConfError(e: ConfError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}
