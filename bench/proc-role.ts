/** A responder process's role, from its command line (iked's privsep children by entry module). */
import { readFileSync } from 'node:fs';

export function procRole(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const m = /privsep\/(\w+)-main/.exec(cmd);
    return m ? m[1] : /iked\.js/.test(cmd) ? 'parent' : /charon/.test(cmd) ? 'charon' : String(pid);
  } catch {
    return String(pid);
  }
}
