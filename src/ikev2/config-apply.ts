/**
 * Initiator: apply what a CFG_REPLY assigned when the policy has `iface IF`
 * (Linux): the address (`ip addr add A/32 dev IF`), routes to the remote
 * traffic selectors through IF with the address as source
 * (`ip route replace NET dev IF src A`), and DNS servers: `resolvconf -a IF`
 * when resolvconf is installed, else the hook script named by the
 * environment variable IKED_DNS_HOOK, run as `HOOK add IF DNS...` and
 * `HOOK del IF`. Everything is undone when the IKE SA goes.
 * Needs CAP_NET_ADMIN: without privilege separation (IKED_NO_PRIVSEP=1) or
 * as root; the chrooted privsep engine cannot run these commands (logged).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { rangePrefix } from './traffic-selectors';
import { addressText } from './endpoint';
import type { Engine } from './engine';
import type { IkeSa } from './ike-sa';
import type { AssignedConfig } from './config-payload';

export interface AppliedConfig {
  iface: string;
  addresses: string[]; // "A/len"
  routes: string[]; // "NET/len"
  dns: boolean;
}

const applied = new WeakMap<IkeSa, AppliedConfig>();

function run(cmd: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (input === undefined) {
      execFile(cmd, args, { timeout: 10_000 }, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve()));
      return;
    }
    const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || `exit ${code}`}`))));
    p.stdin.end(input);
  });
}

function findInPath(cmd: string): string | null {
  for (const d of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const f = `${d}/${cmd}`;
    if (d && existsSync(f)) return f;
  }
  return null;
}

/** The commands that apply `c` on `iface` (exported for tests). */
export function applyPlan(iface: string, c: AssignedConfig, remoteTs: { start: Buffer; end: Buffer }[]): AppliedConfig {
  const addresses = c.addresses.map((a) => `${a.addr}/${isIPv6(a.addr) ? 128 : 32}`);
  const routes: string[] = [];
  for (const t of remoteTs) {
    const p = rangePrefix(t.start, t.end);
    if (p <= 0) continue; // not a CIDR block, or the default route: not taken over
    const net = `${addressText(t.start)}/${p}`;
    if (!routes.includes(net)) routes.push(net);
  }
  return { iface, addresses, routes, dns: c.dns.length > 0 };
}

/** Apply the assigned configuration of `sa` on the policy's iface (if any). Errors are logged. */
export async function applyClientConfig(e: Engine, sa: IkeSa): Promise<void> {
  const iface = sa.policy.conf.iface;
  const c = sa.assignedConfig;
  if (!iface || !c) return;
  const remote = sa.children.flatMap((ch) => ch.tsRemote.map((t) => ({ start: t.startAddr, end: t.endAddr })));
  const plan = applyPlan(iface, c, remote);
  applied.set(sa, plan);
  const tag = e.spiTag(sa);
  try {
    for (const a of plan.addresses) await run('ip', ['addr', 'replace', a, 'dev', iface]);
    const src = c.addresses[0]?.addr;
    for (const r of plan.routes) {
      if (!src || isIPv6(src) !== r.includes(':')) continue;
      await run('ip', ['route', 'replace', r, 'dev', iface, 'src', src]);
    }
    e.log.info(`${tag}: ${iface}: address ${plan.addresses.join(' ') || 'none'}, routes ${plan.routes.join(' ') || 'none'}`);
  } catch (err) {
    e.log.warn(`${tag}: cannot configure ${iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (plan.dns) await setDns(e, sa, iface, c.dns, true);
}

async function setDns(e: Engine, sa: IkeSa, iface: string, dns: string[], add: boolean): Promise<void> {
  const tag = e.spiTag(sa);
  try {
    const resolvconf = findInPath('resolvconf');
    const hook = process.env.IKED_DNS_HOOK;
    if (resolvconf) {
      if (add) await run(resolvconf, ['-a', iface], dns.map((d) => `nameserver ${d}\n`).join(''));
      else await run(resolvconf, ['-d', iface]);
    } else if (hook) {
      await run(hook, add ? ['add', iface, ...dns] : ['del', iface]);
    } else {
      if (add) e.log.info(`${tag}: name servers ${dns.join(' ')} not installed: no resolvconf and no IKED_DNS_HOOK`);
      return;
    }
    e.log.info(`${tag}: ${add ? 'installed' : 'removed'} name servers ${add ? dns.join(' ') + ' ' : ''}for ${iface}`);
  } catch (err) {
    e.log.warn(`${tag}: name servers for ${iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Undo applyClientConfig (the IKE SA is gone). */
export async function removeClientConfig(e: Engine, sa: IkeSa): Promise<void> {
  const plan = applied.get(sa);
  if (!plan) return;
  applied.delete(sa);
  for (const r of plan.routes) await run('ip', ['route', 'del', r, 'dev', plan.iface]).catch(() => undefined);
  for (const a of plan.addresses) await run('ip', ['addr', 'del', a, 'dev', plan.iface]).catch(() => undefined);
  if (plan.dns) await setDns(e, sa, plan.iface, [], false);
}
