/**
 * Network-namespace topologies for interop tests. Everything is created under
 * a caller-chosen prefix, so test files can run in parallel, and every
 * namespace (plus any process left in it by a crashed earlier run with the
 * same prefix) is removed by cleanup().
 *
 * Two hosts:
 *   [prefix-a] lan0 10.1.0.1/24   out 192.0.2.1/24 <==veth==> out 192.0.2.2/24   [prefix-b] lan0 10.2.0.1/24
 *   (lan0 is a veth whose peer dangles, or with lanHosts leads to prefix-ha 10.1.0.10 / prefix-hb 10.2.0.10)
 *
 * NAT (initiator a behind masquerade in prefix-nat):
 *   [prefix-a] out 172.16.0.2/24 (default via .1) <=> in 172.16.0.1 [prefix-nat] out 192.0.2.1 <=> out 192.0.2.2 [prefix-b]
 */
import { existsSync } from 'node:fs';
import { missingPlugins } from './swan-plugins';
import { CommandResult, RunOptions, runChecked, runCommand } from './run-command';

export { CommandResult } from './run-command';

export interface Topology {
  name: string;
  /** Every namespace of this topology. */
  namespaces: string[];
  cleanup(): Promise<void>;
}

export interface HostEnd {
  ns: string;
  /** Interface carrying IKE/ESP (always "out"). */
  outIf: string;
  /** IPv4 address on outIf (no prefix length). */
  addr: string;
  addr6?: string;
  /** Protected inner LAN, e.g. 10.1.0.0/24, and this host's address in it (10.1.0.1). */
  lan: string;
  lanAddr: string;
  /** With lanHosts: the namespace of a host behind this gateway (prefix-ha / prefix-hb) and its address (x.x.x.10). */
  lanHost?: { ns: string; addr: string };
}

export interface TwoHosts extends Topology {
  a: HostEnd;
  b: HostEnd;
}

export interface NatTopology extends Topology {
  /** Initiator, behind the NAT (private 172.16.0.0/24). */
  a: HostEnd;
  /** Responder, on the public side. */
  b: HostEnd;
  /** The NAT box and its public address (what b sees as a's address). */
  nat: { ns: string; insideAddr: string; publicAddr: string };
}

export interface TwoHostsOptions {
  addrA?: string;
  addrB?: string;
  /** Prefix length of the outside link (default 24). */
  plen?: number;
  lanA?: string;
  lanB?: string;
  lanAddrA?: string;
  lanAddrB?: string;
  /** Also put IPv6 addresses on the outside link (default 2001:db8::1 / ::2 when true). */
  ipv6?: boolean | { a: string; b: string };
  /** Also create LAN host namespaces prefix-ha / prefix-hb behind the gateways (default false). */
  lanHosts?: boolean;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin'])) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

export const CHARON_BIN = '/usr/lib/ipsec/charon';

/** null when interop tests can run here, else the reason to skip. */
export function interopAvailable(): string | null {
  if (process.env.IKED_SKIP_INTEGRATION) return 'IKED_SKIP_INTEGRATION is set';
  if (!isRoot()) return 'needs root (network namespaces)';
  // in CI a missing package must fail the tests (Charon.start names the package to install), not skip them
  if (process.env.CI) return null;
  for (const tool of ['ip', 'unshare', 'swanctl']) {
    if (!findExecutable(tool)) return `needs ${tool} (run ci/deps.sh)`;
  }
  if (!existsSync(CHARON_BIN)) return `needs strongSwan's charon at ${CHARON_BIN} (apt-get install strongswan-charon; see ci/deps.sh)`;
  if (missingPlugins(['kernel-libipsec']).length) return 'needs the kernel-libipsec plugin (libcharon-extra-plugins)';
  return null;
}

export interface NsExecOptions extends RunOptions {}

/** Run a command inside a network namespace. */
export function nsExec(ns: string, cmd: string[], opts?: NsExecOptions): Promise<CommandResult> {
  return runCommand(['ip', 'netns', 'exec', ns, ...cmd], opts);
}

async function ip(args: string[]): Promise<void> {
  await runChecked(['ip', ...args]);
}

export async function listNamespaces(): Promise<string[]> {
  const r = await runCommand(['ip', '-o', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n);
}

/** PIDs of all processes in a namespace. */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await runCommand(['ip', 'netns', 'pids', ns]);
  return r.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** SIGKILL everything in the namespace, then delete it. Missing namespaces are fine. */
export async function deleteNamespace(ns: string): Promise<void> {
  if (!(await listNamespaces()).includes(ns)) return;
  for (let round = 0; round < 20; round++) {
    const pids = await namespacePids(ns);
    if (pids.length === 0) break;
    for (const p of pids) {
      try {
        process.kill(p, round === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, round === 0 ? 300 : 100));
  }
  await runCommand(['ip', 'netns', 'del', ns]);
}

/** Remove every namespace named exactly prefix or prefix-*, killing their processes. */
export async function cleanupPrefix(prefix: string): Promise<void> {
  for (const ns of await listNamespaces()) {
    if (ns === prefix || ns.startsWith(prefix + '-')) await deleteNamespace(ns);
  }
}

function checkPrefix(prefix: string): void {
  // netns names become files in /run/netns; interface names are per-namespace so they don't clash.
  if (!/^[a-z0-9][a-z0-9-]{0,20}$/.test(prefix)) throw new Error(`bad topology prefix '${prefix}': use [a-z0-9-], at most 21 characters`);
}

async function addNamespace(ns: string): Promise<void> {
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  // forwarding for gateways; no reverse-path filter (TUN devices, NAT)
  await runChecked(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
}

async function addVeth(nsA: string, ifA: string, nsB: string, ifB: string): Promise<void> {
  await ip(['-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
  await ip(['-n', nsA, 'link', 'set', ifA, 'up']);
  await ip(['-n', nsB, 'link', 'set', ifB, 'up']);
}

/**
 * The inner LAN: interface lan0 with lanAddr. The host kernel may lack the dummy
 * driver, so lan0 is one end of a veth pair: its peer is either left dangling in
 * the same namespace (lan0p) or, with hostNs, placed in a separate "LAN host"
 * namespace as eth0 with address lanHostAddr and a default route via lanAddr.
 */
async function addLan(ns: string, lanAddr: string, lan: string, host?: { ns: string; addr: string }): Promise<void> {
  const plen = lan.split('/')[1] ?? '24';
  if (host) {
    await addVeth(ns, 'lan0', host.ns, 'eth0');
    await ip(['-n', host.ns, 'addr', 'add', `${host.addr}/${plen}`, 'dev', 'eth0']);
    await ip(['-n', host.ns, 'route', 'add', 'default', 'via', lanAddr]);
  } else {
    await ip(['-n', ns, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0p']);
    await ip(['-n', ns, 'link', 'set', 'lan0p', 'up']);
    await ip(['-n', ns, 'link', 'set', 'lan0', 'up']);
  }
  await ip(['-n', ns, 'addr', 'add', `${lanAddr}/${plen}`, 'dev', 'lan0']);
}

/** Fourth octet replaced: 10.1.0.1 -> 10.1.0.10. */
function lanHostAddr(lanAddr: string): string {
  return lanAddr.replace(/\.\d+$/, '.10');
}

function makeCleanup(prefix: string, namespaces: string[]): () => Promise<void> {
  return async () => {
    for (const ns of namespaces) await deleteNamespace(ns);
    await cleanupPrefix(prefix);
  };
}

/** Two hosts joined by a veth, each with a protected inner LAN on a dummy interface. */
export async function makeTwoHosts(prefix: string, o: TwoHostsOptions = {}): Promise<TwoHosts> {
  checkPrefix(prefix);
  await cleanupPrefix(prefix);
  const nsA = `${prefix}-a`;
  const nsB = `${prefix}-b`;
  const cleanup = makeCleanup(prefix, [nsA, nsB, `${prefix}-ha`, `${prefix}-hb`]);
  const plen = o.plen ?? 24;
  const a: HostEnd = { ns: nsA, outIf: 'out', addr: o.addrA ?? '192.0.2.1', lan: o.lanA ?? '10.1.0.0/24', lanAddr: o.lanAddrA ?? '10.1.0.1' };
  const b: HostEnd = { ns: nsB, outIf: 'out', addr: o.addrB ?? '192.0.2.2', lan: o.lanB ?? '10.2.0.0/24', lanAddr: o.lanAddrB ?? '10.2.0.1' };
  if (o.ipv6) {
    const v6 = o.ipv6 === true ? { a: '2001:db8::1', b: '2001:db8::2' } : o.ipv6;
    a.addr6 = v6.a;
    b.addr6 = v6.b;
  }
  const namespaces = [nsA, nsB];
  if (o.lanHosts) {
    a.lanHost = { ns: `${prefix}-ha`, addr: lanHostAddr(a.lanAddr) };
    b.lanHost = { ns: `${prefix}-hb`, addr: lanHostAddr(b.lanAddr) };
    namespaces.push(a.lanHost.ns, b.lanHost.ns);
  }
  try {
    for (const ns of namespaces) await addNamespace(ns);
    await addVeth(nsA, 'out', nsB, 'out');
    for (const h of [a, b]) {
      await ip(['-n', h.ns, 'addr', 'add', `${h.addr}/${plen}`, 'dev', 'out']);
      if (h.addr6) await ip(['-n', h.ns, '-6', 'addr', 'add', `${h.addr6}/64`, 'dev', 'out', 'nodad']);
      await addLan(h.ns, h.lanAddr, h.lan, h.lanHost);
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { name: prefix, namespaces, a, b, cleanup };
}

/**
 * Initiator a behind a masquerading NAT box: a (172.16.0.2) -> nat (172.16.0.1 | 192.0.2.1) -> b (192.0.2.2).
 * nftables masquerades everything leaving nat's "out" interface, so b sees a as 192.0.2.1
 * with a translated source port.
 */
export async function makeNatTopology(prefix: string): Promise<NatTopology> {
  checkPrefix(prefix);
  await cleanupPrefix(prefix);
  const nsA = `${prefix}-a`;
  const nsB = `${prefix}-b`;
  const nsN = `${prefix}-nat`;
  const cleanup = makeCleanup(prefix, [nsA, nsB, nsN]);
  const a: HostEnd = { ns: nsA, outIf: 'out', addr: '172.16.0.2', lan: '10.1.0.0/24', lanAddr: '10.1.0.1' };
  const b: HostEnd = { ns: nsB, outIf: 'out', addr: '192.0.2.2', lan: '10.2.0.0/24', lanAddr: '10.2.0.1' };
  const nat = { ns: nsN, insideAddr: '172.16.0.1', publicAddr: '192.0.2.1' };
  try {
    for (const ns of [nsA, nsB, nsN]) await addNamespace(ns);
    await addVeth(nsA, 'out', nsN, 'in');
    await addVeth(nsN, 'out', nsB, 'out');
    await ip(['-n', nsA, 'addr', 'add', `${a.addr}/24`, 'dev', 'out']);
    await ip(['-n', nsA, 'route', 'add', 'default', 'via', nat.insideAddr]);
    await ip(['-n', nsN, 'addr', 'add', `${nat.insideAddr}/24`, 'dev', 'in']);
    await ip(['-n', nsN, 'addr', 'add', `${nat.publicAddr}/24`, 'dev', 'out']);
    await ip(['-n', nsB, 'addr', 'add', `${b.addr}/24`, 'dev', 'out']);
    // b has no route to 172.16.0.0/24: without the NAT nothing would come back.
    await addLan(nsA, a.lanAddr, a.lan);
    await addLan(nsB, b.lanAddr, b.lan);
    const rules = ['table ip nat {', '  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;', '    oifname "out" masquerade', '  }', '}', ''].join('\n');
    await runChecked(['ip', 'netns', 'exec', nsN, 'nft', '-f', '-'], { input: rules });
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { name: prefix, namespaces: [nsA, nsB, nsN], a, b, nat, cleanup };
}

/** Ping from a namespace; true when at least `minReplies` replies came back. */
export async function ping(ns: string, dst: string, o: { count?: number; src?: string; minReplies?: number; timeoutS?: number } = {}): Promise<{ ok: boolean; received: number; out: string }> {
  const count = o.count ?? 3;
  const args = ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', String(o.timeoutS ?? 2)];
  if (o.src) args.push('-I', o.src);
  args.push(dst);
  const r = await nsExec(ns, args, { timeoutMs: (count * 0.2 + (o.timeoutS ?? 2) + 5) * 1000 });
  const m = /(\d+) (?:packets )?received/.exec(r.stdout);
  const received = m ? Number(m[1]) : 0;
  return { ok: received >= (o.minReplies ?? count), received, out: r.stdout + r.stderr };
}
