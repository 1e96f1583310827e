/**
 * Initiator: apply what a CFG_REPLY assigned when the policy has `iface IF`: the
 * address, routes to the remote traffic selectors through IF, and the DNS servers,
 * through the engine's ClientConfigSystem (src/platform/client-config.ts: `ip` and
 * resolvconf; under privilege separation the engine's proxy to the parent, which
 * checks the plan and runs the same commands as root). Everything is undone when
 * the IKE SA goes.
 */
import { isIPv6 } from 'node:net';
import type { ClientConfigPlan, ConfigReport } from '../../platform/client-config';
import { rangePrefix } from '../policy/traffic-selectors';
import { addressText } from '../../wire/endpoint';
import type { EngineContext } from '../engine-context';
import type { IkeSa } from '../sa/ike-sa';
import type { AssignedConfig } from '../sa/assigned-config';

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
  sa.appliedConfig = plan;
  try {
    report(e, sa, await e.clientConfig.apply(plan));
  } catch (err) {
    e.log.warn(`${e.spiTag(sa)}: cannot configure ${iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Undo applyClientConfig (the IKE SA is gone). */
export async function removeClientConfig(e: EngineContext, sa: IkeSa): Promise<void> {
  const plan = sa.appliedConfig;
  if (!plan) return;
  sa.appliedConfig = null;
  try {
    report(e, sa, await e.clientConfig.remove(plan));
  } catch (err) {
    e.log.warn(`${e.spiTag(sa)}: cannot undo the configuration of ${plan.iface}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
