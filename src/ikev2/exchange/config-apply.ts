/**
 * Initiator: apply what a CFG_REPLY assigned when the policy has `iface IF`
 * (Linux): the address (`ip addr add A/32 dev IF`), routes to the remote
 * traffic selectors through IF with the address as source
 * (`ip route replace NET dev IF src A`), and DNS servers: `resolvconf -a IF`
 * when resolvconf is installed, else the hook script named by the
 * environment variable IKED_DNS_HOOK, run as `HOOK add IF DNS...` and
 * `HOOK del IF`. Everything is undone when the IKE SA goes.
 * Needs CAP_NET_ADMIN: the single-process daemon runs the commands itself;
 * under privilege separation the engine sends the plan to the parent
 * (useConfigSystem), which checks it and runs the same commands as root.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { rangePrefix } from '../policy/traffic-selectors';
import { addressText } from '../../wire/endpoint';
import type { EngineContext } from '../engine-context';
import type { IkeSa } from '../sa/ike-sa';
import type { AssignedConfig } from '../sa/assigned-config';

/** What is applied on `iface` (or removed again): built from a CFG_REPLY, checked again by the privsep parent. */
export interface ClientConfigPlan {
  iface: string;
  addresses: string[]; // "A/len"
  routes: string[]; // "NET/len"
  /** source address of the routes (the first assigned address) */
  src?: string;
  dns: string[];
}
/** @deprecated the old name of ClientConfigPlan */
export type AppliedConfig = ClientConfigPlan;

/** Lines to log (the caller prefixes the IKE SA's tag). */
export interface ConfigReport {
  info: string[];
  warnings: string[];
}

/**
 * Who runs the commands: this process (single-process daemon, or the privsep
 * parent), or under privsep the engine's proxy to the parent.
 */
export interface ClientConfigSystem {
  apply(plan: ClientConfigPlan): Promise<ConfigReport>;
  remove(plan: ClientConfigPlan): Promise<ConfigReport>;
}

const applied = new WeakMap<IkeSa, ClientConfigPlan>();
const systems = new WeakMap<EngineContext, ClientConfigSystem>();

/** Privilege separation: the engine hands the commands to the parent. */
export function useConfigSystem(e: EngineContext, s: ClientConfigSystem): void {
  systems.set(e, s);
}

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

/** The plan that applies `c` on `iface` (exported for tests). */
export function applyPlan(iface: string, c: AssignedConfig, remoteTs: { start: Buffer; end: Buffer }[]): ClientConfigPlan {
  const addresses = c.addresses.map((a) => `${a.addr}/${isIPv6(a.addr) ? 128 : 32}`);
  const routes: string[] = [];
  for (const t of remoteTs) {
    const p = rangePrefix(t.start, t.end);
    if (p <= 0) continue; // not a CIDR block, or the default route: not taken over
    const net = `${addressText(t.start)}/${p}`;
    if (!routes.includes(net)) routes.push(net);
  }
  const src = c.addresses[0]?.addr;
  return src === undefined ? { iface, addresses, routes, dns: [...c.dns] } : { iface, addresses, routes, src, dns: [...c.dns] };
}

/** The `ip` argument lists that apply a plan (no shell: each list goes to execFile as is). */
export function ipApplyCommands(plan: ClientConfigPlan): string[][] {
  const out = plan.addresses.map((a) => ['addr', 'replace', a, 'dev', plan.iface]);
  for (const r of plan.routes) {
    if (!plan.src || isIPv6(plan.src) !== r.includes(':')) continue;
    out.push(['route', 'replace', r, 'dev', plan.iface, 'src', plan.src]);
  }
  return out;
}

/** The `ip` argument lists that undo a plan. */
export function ipRemoveCommands(plan: ClientConfigPlan): string[][] {
  return [...plan.routes.map((r) => ['route', 'del', r, 'dev', plan.iface]), ...plan.addresses.map((a) => ['addr', 'del', a, 'dev', plan.iface])];
}

/** Run the commands of a plan in this process (needs CAP_NET_ADMIN). */
export async function runApply(plan: ClientConfigPlan): Promise<ConfigReport> {
  const r: ConfigReport = { info: [], warnings: [] };
  try {
    for (const args of ipApplyCommands(plan)) await run('ip', args);
    r.info.push(`${plan.iface}: address ${plan.addresses.join(' ') || 'none'}, routes ${plan.routes.join(' ') || 'none'}`);
  } catch (err) {
    r.warnings.push(`cannot configure ${plan.iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (plan.dns.length) await setDns(r, plan.iface, plan.dns, true);
  return r;
}

/** Undo a plan in this process; failures of single commands are ignored (already gone). */
export async function runRemove(plan: ClientConfigPlan): Promise<ConfigReport> {
  const r: ConfigReport = { info: [], warnings: [] };
  for (const args of ipRemoveCommands(plan)) await run('ip', args).catch(() => undefined);
  if (plan.dns.length) await setDns(r, plan.iface, [], false);
  return r;
}

export const LOCAL_CONFIG_SYSTEM: ClientConfigSystem = { apply: runApply, remove: runRemove };

function report(e: EngineContext, sa: IkeSa, r: ConfigReport): void {
  const tag = e.spiTag(sa);
  for (const l of r.info) e.log.info(`${tag}: ${l}`);
  for (const l of r.warnings) e.log.warn(`${tag}: ${l}`);
}

/** Apply the assigned configuration of `sa` on the policy's iface (if any). Errors are logged. */
export async function applyClientConfig(e: EngineContext, sa: IkeSa): Promise<void> {
  const iface = sa.policy.conf.iface;
  const c = sa.assignedConfig;
  if (!iface || !c) return;
  const remote = sa.children.flatMap((ch) => ch.tsRemote.map((t) => ({ start: t.startAddr, end: t.endAddr })));
  const plan = applyPlan(iface, c, remote);
  applied.set(sa, plan);
  try {
    report(e, sa, await (systems.get(e) ?? LOCAL_CONFIG_SYSTEM).apply(plan));
  } catch (err) {
    e.log.warn(`${e.spiTag(sa)}: cannot configure ${iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function setDns(r: ConfigReport, iface: string, dns: string[], add: boolean): Promise<void> {
  try {
    const resolvconf = findInPath('resolvconf');
    const hook = process.env.IKED_DNS_HOOK;
    if (resolvconf) {
      if (add) await run(resolvconf, ['-a', iface], dns.map((d) => `nameserver ${d}\n`).join(''));
      else await run(resolvconf, ['-d', iface]);
    } else if (hook) {
      await run(hook, add ? ['add', iface, ...dns] : ['del', iface]);
    } else {
      if (add) r.info.push(`name servers ${dns.join(' ')} not installed: no resolvconf and no IKED_DNS_HOOK`);
      return;
    }
    r.info.push(`${add ? 'installed' : 'removed'} name servers ${add ? dns.join(' ') + ' ' : ''}for ${iface}`);
  } catch (err) {
    r.warnings.push(`name servers for ${iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Undo applyClientConfig (the IKE SA is gone). */
export async function removeClientConfig(e: EngineContext, sa: IkeSa): Promise<void> {
  const plan = applied.get(sa);
  if (!plan) return;
  applied.delete(sa);
  try {
    report(e, sa, await (systems.get(e) ?? LOCAL_CONFIG_SYSTEM).remove(plan));
  } catch (err) {
    e.log.warn(`${e.spiTag(sa)}: cannot undo the configuration of ${plan.iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
