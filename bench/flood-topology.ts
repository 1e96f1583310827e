/**
 * The robustness benches' network: one responder namespace with a bridge, and on
 * it an attacker namespace and one namespace per legitimate strongSwan initiator
 * (each charon needs its own UDP 500/4500).
 *
 *   [fld-a]  out 192.0.2.1 (+ 192.0.2.20.. for our engine's clients) --+
 *   [fld-l1] out 192.0.2.11 -------------------------------------------+-- br0 192.0.2.2 [fld-r]
 *   [fld-lN] out 192.0.2.1N -------------------------------------------+
 *   (each fld-lK has 10.127.250.K on lo, fld-r 10.2.0.1: the Child SAs' inner addresses)
 *
 * Spoofed sources (SPOOF_NET, RFC 2544's benchmarking block) are routed from the
 * responder back to the attacker namespace, which does not forward: the answers
 * to them (COOKIE, IKE_SA_INIT responses) go nowhere, as they would on the Internet.
 */
import { cleanupPrefix } from '../test/interop/lib/netns';
import { runChecked } from '../test/interop/lib/run-command';

export const SPOOF_NET = '198.18.0.0/15';
export const SERVER_ADDR = '192.0.2.2';

export interface Peer {
  ns: string;
  addr: string;
  /** A legitimate peer's protected address (its Child SA's local selector, on its lo). */
  inner?: string;
}

/** The responder's protected LAN address (on its lo: charon's routes need a local source in 10.2.0.0/24). */
export const SERVER_INNER = '10.2.0.1';

export interface FloodTopology {
  prefix: string;
  responderNs: string;
  serverAddr: string;
  /** The attacker (raw-socket flood, our engine's auth-flood and load clients). */
  attacker: Peer;
  /** Source addresses in the attacker namespace for our engine's clients (UDP 500/4500 each). */
  clientAddrs: string[];
  legit: Peer[];
  cleanup(): Promise<void>;
}

async function ip(args: string[]): Promise<void> {
  await runChecked(['ip', ...args]);
}

async function addNs(ns: string, forwarding: boolean): Promise<void> {
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await runChecked(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.ip_forward=${forwarding ? 1 : 0}`, 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
}

/** A namespace joined to the responder's bridge with `addr`/24 on its interface "out". */
async function attach(responderNs: string, p: Peer, port: string): Promise<void> {
  await addNs(p.ns, false);
  await ip(['-n', p.ns, 'link', 'add', 'out', 'type', 'veth', 'peer', 'name', port, 'netns', responderNs]);
  await ip(['-n', responderNs, 'link', 'set', port, 'master', 'br0', 'up']);
  await ip(['-n', p.ns, 'link', 'set', 'out', 'up']);
  await ip(['-n', p.ns, 'addr', 'add', `${p.addr}/24`, 'dev', 'out']);
}

export async function makeFloodTopology(prefix: string, legitPeers: number, clientAddrs: number): Promise<FloodTopology> {
  await cleanupPrefix(prefix);
  const responderNs = `${prefix}-r`;
  const attacker: Peer = { ns: `${prefix}-a`, addr: '192.0.2.1' };
  const legit: Peer[] = Array.from({ length: legitPeers }, (_, i) => ({ ns: `${prefix}-l${i + 1}`, addr: `192.0.2.${11 + i}`, inner: `10.127.250.${i + 1}` }));
  const clients = Array.from({ length: clientAddrs }, (_, k) => `192.0.2.${100 + k}`);
  const cleanup = (): Promise<void> => cleanupPrefix(prefix);
  try {
    await addNs(responderNs, false);
    await ip(['-n', responderNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', responderNs, 'link', 'set', 'br0', 'up']);
    await ip(['-n', responderNs, 'addr', 'add', `${SERVER_ADDR}/24`, 'dev', 'br0']);
    await ip(['-n', responderNs, 'addr', 'add', `${SERVER_INNER}/24`, 'dev', 'lo']);
    await attach(responderNs, attacker, 'pa');
    for (const a of clients) await ip(['-n', attacker.ns, 'addr', 'add', `${a}/24`, 'dev', 'out']);
    for (const [i, p] of legit.entries()) {
      await attach(responderNs, p, `pl${i + 1}`);
      await ip(['-n', p.ns, 'addr', 'add', `${p.inner}/32`, 'dev', 'lo']);
    }
    await ip(['-n', responderNs, 'route', 'add', SPOOF_NET, 'via', attacker.addr]);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { prefix, responderNs, serverAddr: SERVER_ADDR, attacker, clientAddrs: clients, legit, cleanup };
}
