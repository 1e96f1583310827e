/**
 * `iked -n [-v]`: check the configuration; with -v print the users and
 * policies as iked would, then "configuration OK". Errors are
 * `FILE:LINE: message` lines.
 */
import { formatConfError } from './format-error';
import { loadConfigFile, LoadOptions } from './load';
import { printPolicy, printUser } from './printer';

export interface CheckOptions {
  macros?: Record<string, string>;
  verbose: number;
  /** For tests: skip the file permission checks (iked always checks). */
  checkPermissions?: boolean;
  interfaces?: LoadOptions['interfaces'];
}

export function checkConfig(path: string, opts: CheckOptions): { ok: boolean; lines: string[] } {
  // without -v no policy is printed: each is checked and dropped, not kept
  const r = loadConfigFile(path, {
    macros: opts.macros,
    checkPermissions: opts.checkPermissions,
    interfaces: opts.interfaces,
    keepPolicies: opts.verbose > 0,
  });
  const lines = r.warnings.map(formatConfError);
  if (!r.config) {
    lines.push(...r.errors.map(formatConfError));
    return { ok: false, lines };
  }
  if (opts.verbose > 0) {
    // iked prints each user and policy as it is loaded: in file order.
    const items = [
      ...r.config.users.map((u) => ({ seq: u.seq ?? 0, text: printUser(u) })),
      ...r.config.policies.map((p) => ({ seq: p.seq ?? 0, text: printPolicy(p) })),
    ];
    items.sort((a, b) => a.seq - b.seq);
    lines.push(...items.map((i) => i.text));
  }
  lines.push('configuration OK');
  return { ok: true, lines };
}
