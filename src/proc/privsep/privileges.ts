/**
 * Privileges: the root check, the unprivileged user (_iked, or $IKED_USER),
 * the empty chroot directory (/var/empty, or $IKED_CHROOT) and the drop itself
 * through the native addon's chrootAndDrop (chroot + chdir + setgroups + setgid + setuid).
 */
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadKernelAddon } from '../../platform/native-binding';

export const IKED_USER = '_iked';
export const IKED_CHROOT = '/var/empty';

export interface UserIds {
  name: string;
  uid: number;
  gid: number;
}

export function privsepUser(): string {
  return process.env.IKED_USER || IKED_USER;
}

export function privsepChroot(): string {
  return process.env.IKED_CHROOT || IKED_CHROOT;
}

export function requireRoot(): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error('privilege separation needs root: run iked as root (IKED_NO_PRIVSEP=1 runs a single unprivileged process)');
  }
}

/** A passwd line for `name`, from /etc/passwd or NSS (getent). */
function passwdLine(name: string): string | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) if (line.split(':')[0] === name) return line;
  } catch {
    // no /etc/passwd: try NSS
  }
  try {
    return execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

export function lookupUser(name: string): UserIds {
  const line = passwdLine(name);
  const f = line?.split(':');
  if (!f || f.length < 4 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) {
    throw new Error(`user ${name} not found: create it with useradd -r -s /usr/sbin/nologin ${name}`);
  }
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (uid === 0) throw new Error(`user ${name} has uid 0: the unprivileged user must not be root`);
  return { name, uid, gid };
}

/** Create the chroot directory if needed (root-owned, 0755); refuse one others can write. */
export function ensureChrootDir(dir: string): void {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new Error(`chroot ${dir} is not a directory`);
  if (st.uid !== 0) throw new Error(`chroot ${dir} must be owned by root (it is owned by uid ${st.uid})`);
  if (st.mode & 0o022) throw new Error(`chroot ${dir} must not be writable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
}

/** chroot(dir) and become uid/gid for good; one clear error line if it cannot. */
export function chrootAndDrop(dir: string, uid: number, gid: number): void {
  let drop: (dir: string, uid: number, gid: number) => void;
  try {
    const addon = loadKernelAddon();
    if (typeof addon.chrootAndDrop !== 'function') throw new Error('the native addon has no chrootAndDrop export');
    drop = addon.chrootAndDrop.bind(addon);
  } catch (e) {
    throw new Error(`cannot drop privileges: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    drop(dir, uid, gid);
  } catch (e) {
    throw new Error(`cannot chroot to ${dir} as uid ${uid} gid ${gid}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
