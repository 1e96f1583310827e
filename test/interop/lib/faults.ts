/**
 * Faults on the wire, made with nftables (and, for reordering, one tc qdisc) in a
 * host's own namespace: each host spoils the IKE datagrams IT SENDS, so a fault set
 * on both hosts of a topology covers both directions. The host kernel has no netem
 * (nor fq, prio, codel...: of the qdiscs only htb, tbf and the fifos).
 *
 * IKE datagrams are UDP to port 500 or 4500, NAT-T keepalives (one byte) excepted.
 * Each gets its send sequence number (mod SEQ_MODULUS) as its IP ID, before any fault,
 * so the receiver's capture tells datagrams that arrive after a later one (ike-order.ts).
 * nft writes `numgen inc` into a 16-bit field as the top half of a 32-bit word (always
 * 0 here), so the numbers go through a map, which has the field's type.
 *
 *   loss      `numgen random mod 100 < P drop`
 *   duplicate `numgen random mod 100 < P dup to <peer>`: a second copy reaches the peer
 *   reorder   `numgen random mod 100 < P meta priority set 1:20 dup to <sink> dup to <sink>`:
 *             an htb root qdisc sends class 1:20 at 8 kbit/s (class 1:10, the default,
 *             at 1 Gbit/s). An htb class that has been idle sends its next packet at
 *             once, so each picked datagram is preceded in 1:20 by two copies of itself
 *             addressed to a MAC nobody has (a permanent neighbour <sink>): it leaves
 *             after them, ~2 x its size / 1000 B/s later (a 300-byte message ~0.6 s), and
 *             what the host sends meanwhile overtakes it. The sink copies reach the
 *             peer's wire, where its stack drops them (not its MAC); captures leave them out.
 *
 * Counters (nft named counters in table ip fault):
 *   sent   IKE datagrams the host sent (copies made here excluded)
 *   hit    of those: dropped (loss), copied (duplicate) or held back (reorder)
 *   copies copies made here (nf_dup sends them untracked, which is how they are told apart)
 *   recv   IKE datagrams that reached the host (input hook)
 */
import { runChecked } from './run-command';

export type FaultKind = 'loss' | 'duplicate' | 'reorder';

export interface Fault {
  kind: FaultKind;
  /** Share of the IKE datagrams affected, in percent. */
  percent: number;
}

export interface FaultCounters {
  sent: number;
  hit: number;
  copies: number;
  recv: number;
}

/** Where the reorder fault's sacrificial copies go: an unused address on the link, and a MAC nobody has. */
export interface Sink {
  addr: string;
  mac: string;
}

export const SINK_MAC = '02:00:00:00:00:99';

const IKE = 'udp dport { 500, 4500 } udp length != 9';
/** IP IDs are send sequence numbers modulo this. */
export const SEQ_MODULUS = 1024;
const STAMP = `ip id set numgen inc mod ${SEQ_MODULUS} map { ${Array.from({ length: SEQ_MODULUS }, (_, i) => `${i} : ${i}`).join(', ')} }`;
/** The slow class: 8 kbit/s, no burst. */
const SLOW_RATE = '8kbit';

function action(f: Fault, peer: string, sink: string): string {
  // numgen yields 0..99: at 100 % every datagram is picked (nft refuses `< 100`)
  const pick = `${f.percent < 100 ? `numgen random mod 100 < ${f.percent} ` : ''}counter name hit`;
  switch (f.kind) {
    case 'loss':
      return `${pick} drop`;
    case 'duplicate':
      return `${pick} dup to ${peer}`;
    case 'reorder':
      return `${pick} meta priority set 1:20 dup to ${sink} dup to ${sink}`;
  }
}

/** The nftables ruleset for one host: sequence numbers and counters always, the fault when given. */
export function faultRuleset(f: Fault | null, peer: string, sink: string): string {
  return [
    'table ip fault {',
    ...['sent', 'hit', 'copies', 'recv'].map((c) => `  counter ${c} {}`),
    '  chain out {',
    '    type filter hook postrouting priority 0; policy accept;',
    // a copy made by `dup` comes through postrouting again, untracked: count it apart, leave it alone
    `    ${IKE} ct state untracked counter name copies accept`,
    `    ${IKE} ${STAMP} counter name sent${f ? ` ${action(f, peer, sink)}` : ''}`,
    '  }',
    '  chain in {',
    '    type filter hook input priority 0; policy accept;',
    `    ${IKE} counter name recv`,
    '  }',
    '}',
    '',
  ].join('\n');
}

async function inNs(ns: string, cmd: string[], input?: string): Promise<string> {
  return (await runChecked(['ip', 'netns', 'exec', ns, ...cmd], input === undefined ? {} : { input })).stdout;
}

/** Install the fault (and the counters) on the host `ns`, whose IKE goes out of `outIf` to `peer`. */
export async function applyFault(ns: string, outIf: string, peer: string, f: Fault | null, sink: Sink): Promise<void> {
  if (f && (!Number.isInteger(f.percent) || f.percent < 0 || f.percent > 100)) throw new Error(`fault percent ${f.percent}: 0..100`);
  if (f?.kind === 'reorder') {
    await inNs(ns, ['ip', 'neigh', 'replace', sink.addr, 'lladdr', sink.mac, 'dev', outIf, 'nud', 'permanent']);
    await inNs(ns, ['tc', 'qdisc', 'replace', 'dev', outIf, 'root', 'handle', '1:', 'htb', 'default', '10']);
    await inNs(ns, ['tc', 'class', 'replace', 'dev', outIf, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1gbit']);
    await inNs(ns, ['tc', 'class', 'replace', 'dev', outIf, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', SLOW_RATE, 'ceil', SLOW_RATE, 'burst', '1b', 'cburst', '1b']);
  }
  await inNs(ns, ['nft', '-f', '-'], faultRuleset(f, peer, sink.addr));
}

/** The counters of table ip fault in `ns`. */
export async function readFaultCounters(ns: string): Promise<FaultCounters> {
  const json = JSON.parse(await inNs(ns, ['nft', '-j', 'list', 'counters', 'table', 'ip', 'fault'])) as { nftables: { counter?: { name: string; packets: number } }[] };
  const c: FaultCounters = { sent: 0, hit: 0, copies: 0, recv: 0 };
  for (const e of json.nftables) {
    if (e.counter && e.counter.name in c) c[e.counter.name as keyof FaultCounters] = e.counter.packets;
  }
  return c;
}

/** The slow class (1:20, reorder only): packets it sent (held-back datagrams and their sink copies) and packets still in it. */
export async function readSlowClass(ns: string, outIf: string): Promise<{ sent: number; backlog: number }> {
  const text = await inNs(ns, ['tc', '-s', 'class', 'show', 'dev', outIf, 'classid', '1:20']);
  const sent = /Sent \d+ bytes (\d+) pkt/.exec(text);
  const backlog = /backlog \S+ (\d+)p/.exec(text);
  if (!sent || !backlog) throw new Error(`unexpected tc -s class output in ${ns}:\n${text}`);
  return { sent: Number(sent[1]), backlog: Number(backlog[1]) };
}
