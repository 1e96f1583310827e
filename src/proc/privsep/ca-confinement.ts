/**
 * Where and as whom the ca process runs (decided by the parent, as root).
 *
 * As OpenBSD iked's ca: chrooted to the iked directory (/etc/iked) as the unprivileged
 * user, which reads the public parts there (ca/, certs/, crls/, ocsp/, pubkeys/) at
 * every load, i.e. at start, at reload and at `ikectl reset ca`. The private key
 * (private/local.key, mode 0600 root) is read by the parent and handed over at each
 * load (privateKeyForCa). The drop is setgroups/setgid/setuid, which glibc applies to
 * every thread of the process: capabilities are per thread on Linux, so dropping them
 * while staying root would leave node's worker threads privileged.
 *
 * If the unprivileged user cannot read those public parts (a 0700 directory, 0600
 * certificates), the ca stays as it was, root and unconfined, with a warning saying
 * what to change. Without an iked directory there is nothing to read: the ca is
 * confined to the empty chroot directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPrivateKey } from '../../crypto/keystore';

/** Read by the ca inside its chroot; private/ is not (the parent hands the key over). */
export const CA_PUBLIC_DIRS = ['ca', 'certs', 'crls', 'ocsp', 'pubkeys', 'pubkeys/ipv4', 'pubkeys/ipv6', 'pubkeys/fqdn', 'pubkeys/ufqdn'];

export interface CaConfinement {
  /** chroot here; the ca's directory is then "/" (or nothing, in the empty directory) */
  root: string;
  uid: number;
  gid: number;
}

const R = 4;
const X = 1;

/** Does uid/gid (no supplementary groups: the drop sets only gid) have `want` on this file? */
function allowed(st: fs.Stats, uid: number, gid: number, want: number): boolean {
  const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
  return ((st.mode >> shift) & want) === want;
}

/** The first path under `dir` the ca would need and uid/gid could not read, or null. */
export function unreadableFor(dir: string, uid: number, gid: number): string | null {
  if (!allowed(fs.statSync(dir), uid, gid, X)) return dir;
  for (const sub of CA_PUBLIC_DIRS) {
    const d = path.join(dir, sub);
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch {
      continue; // absent: nothing to read
    }
    if (!st.isDirectory()) continue;
    if (!allowed(st, uid, gid, R | X)) return d;
    for (const name of fs.readdirSync(d)) {
      const f = path.join(d, name);
      const fst = fs.statSync(f, { throwIfNoEntry: false });
      if (fst?.isFile() && !allowed(fst, uid, gid, R)) return f;
    }
  }
  return null;
}

/** The ca's confinement for iked directory `dir`, or why it stays root. */
export function caConfinement(dir: string, emptyDir: string, uid: number, gid: number): { confine: CaConfinement } | { unconfined: string } {
  if (!fs.existsSync(dir)) return { confine: { root: emptyDir, uid, gid } };
  const bad = unreadableFor(dir, uid, gid);
  if (bad) {
    return {
      unconfined: `ca: runs as root, not chrooted: ${bad} is not readable by uid ${uid} (make the public parts of ${dir} readable, e.g. chmod 755 on directories and 644 on certificates, to chroot the ca there as uid ${uid})`,
    };
  }
  return { confine: { root: dir, uid, gid } };
}

/**
 * The private key for a confined ca: read here with keystore's checks (a regular file,
 * mode 0600), sent as PKCS#8 DER; null when there is none. The caller zeroes it once sent.
 */
export function privateKeyForCa(dir: string): Buffer | null {
  const file = path.join(dir, 'private', 'local.key');
  if (!fs.existsSync(file)) return null;
  return loadPrivateKey(file).export({ type: 'pkcs8', format: 'der' });
}
