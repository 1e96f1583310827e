/**
 * Client configuration on this host (Linux): apply what a CFG_REPLY assigned on an
 * interface with `ip` (the address, `ip addr replace A/32 dev IF`; routes to the
 * remote traffic selectors, `ip route replace NET dev IF src A`) and the DNS
 * servers with `resolvconf -a IF` when resolvconf is installed, else the hook
 * script named by the environment variable IKED_DNS_HOOK (`HOOK add IF DNS...`,
 * `HOOK del IF`). Needs CAP_NET_ADMIN: the single-process daemon runs this itself,
 * under privilege separation the parent does (src/proc/privsep/client-config-service.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';

/** What is applied on `iface` (or removed again): built from a CFG_REPLY, checked again by the privsep parent. */
export interface ClientConfigPlan {
  iface: string;
  addresses: string[]; // "A/len"
  routes: string[]; // "NET/len"
  /** source address of the routes (the first assigned address) */
  src?: string;
  dns: string[];
}
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
