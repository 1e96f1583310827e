/**
 * The IKE_AUTH flood's attacker process:
 *   node dist/bench/auth-flood-client-main.js garbage|wrong-psk SERVER ADDR[,ADDR...] SECONDS WINDOW
 * run in the attacker namespace (pinned by the orchestrator). One Engine with
 * UDP 500/4500 per source address. Prints {"type":"ready"}, waits for a line
 * "go" on stdin, attacks for SECONDS, prints {"type":"done", ...counts} and exits.
 */
import { createInterface } from 'node:readline';
import { UdpTransport } from '../src/proc/udp-transport';
import { noCertificates } from '../src/ikev2/policy/auth-provider';
import { BENCH_PSK, ikedClientConf } from './bench-configs';
import { LoadClient } from './load-initiator';
import { warnLogger } from './silent-logger';
import { AUTH_FLOOD_KINDS, AuthFloodCounts, AuthFloodKind, attackTransport, attackUntil } from './auth-flood-attacker';
import { CASE } from './robustness-rig';

/** Not the responder's PSK. */
const WRONG_PSK = 'not-the-bench-psk-7c41e0';

function emit(v: object): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}

async function main(): Promise<void> {
  const [kind, server, addrList, secondsText, windowText] = process.argv.slice(2);
  const seconds = Number(secondsText);
  const window = Number(windowText);
  if (!AUTH_FLOOD_KINDS.includes(kind as AuthFloodKind) || !server || !addrList || !(seconds > 0) || !(window > 0)) {
    throw new Error('usage: auth-flood-client-main.js garbage|wrong-psk SERVER ADDR[,ADDR...] SECONDS WINDOW');
  }
  const counts: AuthFloodCounts = { authSent: 0, started: 0, outcomes: {} };
  const clients: LoadClient[] = [];
  for (const addr of addrList.split(',')) {
    let client: LoadClient | null = null;
    const udp = await UdpTransport.open({
      ikePort: 500,
      nattPort: 4500,
      ipv6: false,
      addresses: [addr],
      log: warnLogger(`auth-flood ${addr}`),
      onPacket: (buf, local, remote) => client?.engine.handleDatagram(buf, local, remote),
    });
    const conf = ikedClientConf(CASE, addr, server);
    client = new LoadClient({
      confText: kind === 'wrong-psk' ? conf.replace(BENCH_PSK, WRONG_PSK) : conf,
      transport: attackTransport(kind as AuthFloodKind, udp, () => client, counts),
      auth: noCertificates,
      log: warnLogger(`auth-flood ${addr}`),
      perSaIdentity: true,
      initialContact: false,
      timing: { retransmitMs: 1000, retransmitTries: 4 },
    });
    clients.push(client);
  }
  emit({ type: 'ready' });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) if (line.trim() === 'go') break;
  const t0 = Date.now();
  await attackUntil(clients, window, t0 + seconds * 1000, counts);
  const retransmits = clients.reduce((s, c) => s + c.engine.stats.txRetransmits, 0);
  emit({ type: 'done', ms: Date.now() - t0, retransmits, ...counts });
  process.exit(0);
}

main().catch((e) => {
  emit({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
