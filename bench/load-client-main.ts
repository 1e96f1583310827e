/**
 * The load-client process: `node dist/bench/load-client-main.js CASE SERVER ADDR[,ADDR...] [CLIENT_IKED_DIR]`,
 * run inside the initiator namespace (pinned with taskset by the orchestrator).
 * One Engine with UDP 500/4500 per source address; commands on stdin, events on stdout
 * (see client-protocol.ts).
 */
import { createInterface } from 'node:readline';
import { UdpTransport } from '../src/proc/udp-transport';
import { CaService } from '../src/proc/ca-service';
import { noCertificates, AuthProvider } from '../src/ikev2/policy/auth-provider';
import { ALL_CASES, benchCase, CaseName, ikedClientConf } from './bench-configs';
import { HeldSas, LoadClient, runLoad } from './load-initiator';
import { silentLogger, warnLogger } from './silent-logger';
import { ClientCommand, ClientEvent, encodeLine } from './client-protocol';

function emit(e: ClientEvent): void {
  process.stdout.write(encodeLine(e));
}

async function main(): Promise<void> {
  const [caseName, server, addrList, ikedDir] = process.argv.slice(2);
  if (!ALL_CASES.includes(caseName as CaseName) || !server || !addrList) {
    throw new Error('usage: load-client-main.js CASE SERVER ADDR[,ADDR...] [CLIENT_IKED_DIR]');
  }
  const c = benchCase(caseName as CaseName);
  let auth: AuthProvider = noCertificates;
  if (c.auth === 'rsa') {
    if (!ikedDir) throw new Error('the rsa case needs the client IKED_DIR (certificate and key)');
    const ca = new CaService(ikedDir, silentLogger());
    ca.load([]);
    auth = ca;
  }
  const clients: LoadClient[] = [];
  for (const addr of addrList.split(',')) {
    let client: LoadClient | null = null;
    const transport = await UdpTransport.open({
      ikePort: 500,
      nattPort: 4500,
      ipv6: false,
      addresses: [addr],
      log: warnLogger(`load-client ${addr}`),
      onPacket: (buf, local, remote) => client?.engine.handleDatagram(buf, local, remote),
    });
    client = new LoadClient({
      confText: ikedClientConf(c, addr, server),
      transport,
      auth,
      log: warnLogger(`load-client ${addr}`),
      perSaIdentity: c.auth === 'psk',
      initialContact: c.auth === 'psk',
      sameSelectors: c.sameSelectors,
      timing: { retransmitMs: 1000, retransmitTries: 4 },
    });
    clients.push(client);
  }
  // every SA this process holds, oldest first: a run with `keep` retires the oldest past it
  const held = new HeldSas();
  emit({ type: 'ready' });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const cmd = JSON.parse(line) as ClientCommand;
    if (cmd.cmd === 'quit') break;
    for (const c of clients) c.release = cmd.release === true;
    const r = await runLoad(clients, cmd.count, cmd.window, cmd.first, (done, ms) => emit({ type: 'progress', done, ms }), cmd.progressEvery, held, cmd.keep ?? Infinity);
    emit({ type: 'done', ...r });
  }
  process.exit(0);
}

main().catch((e) => {
  emit({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
