/**
 * Our responder Engine and load-client Engines in one process, joined by an
 * in-memory transport (each datagram delivered on a later macrotask, like a
 * socket). No namespaces, no root: for profiling (`node --cpu-prof`) and for the
 * held-SA memory / SPI lookup measurement.
 */
import { Engine, Transport } from '../src/ikev2/engine';
import { buildPolicy } from '../src/ikev2/policy/policy';
import { parseConfigText } from '../src/conf/load';
import { DecoupledAdapter } from '../src/platform/decoupled';
import { noCertificates, AuthProvider } from '../src/ikev2/policy/auth-provider';
import type { Endpoint } from '../src/wire/endpoint';
import type { Logger } from '../src/log/logger';
import { BenchCase, ikedClientConf, ikedResponderConf } from './bench-configs';
import { LoadClient } from './load-initiator';
import { silentLogger } from './silent-logger';

export const SERVER_ADDR = '192.0.2.2';
export function clientAddr(k: number): string {
  return `192.0.2.${10 + k}`;
}

/** Delivers datagrams between engines registered by address:port. */
export class LoopNetwork {
  private readonly nodes = new Map<string, Engine>();
  delivered = 0;
  /** An engine listens on the IKE port and the NAT-T port (with MOBIKE it moves there for IKE_AUTH). */
  register(address: string, port: number, e: Engine): void {
    this.nodes.set(`${address}:${port}`, e);
    this.nodes.set(`${address}:4500`, e);
  }
  transportFor(): Transport {
    return {
      send: (packet: Buffer, local: Endpoint, remote: Endpoint) => {
        const dst = this.nodes.get(`${remote.address}:${remote.port}`);
        if (!dst) return;
        const from = { address: local.address, port: local.port };
        const to = { address: remote.address, port: remote.port };
        setImmediate(() => {
          this.delivered++;
          dst.handleDatagram(packet, to, from);
        });
      },
      sourceFor: async () => SERVER_ADDR,
    };
  }
}

export interface Pair {
  responder: Engine;
  clients: LoadClient[];
  net: LoopNetwork;
}

export function responderEngine(c: BenchCase, transport: Transport, auth: AuthProvider, log: Logger): Engine {
  const r = parseConfigText(ikedResponderConf(c, SERVER_ADDR), 'bench-responder.conf', { checkPermissions: false, interfaces: () => undefined });
  if (!r.config) throw new Error(`responder config: ${r.errors.map((e) => e.message).join('; ')}`);
  const e = new Engine({
    log,
    kernel: new DecoupledAdapter({ log: () => undefined, logging: () => false }),
    auth,
    transport,
    policies: r.config.policies.map(buildPolicy),
    options: r.config.options,
    timing: { cookieThreshold: 1e9, halfOpenLimit: 1e9 },
  });
  e.passive = true;
  return e;
}

export function makePair(c: BenchCase, nClients: number, auths?: { responder: AuthProvider; client: AuthProvider }): Pair {
  const net = new LoopNetwork();
  const responder = responderEngine(c, net.transportFor(), auths?.responder ?? noCertificates, silentLogger());
  net.register(SERVER_ADDR, 500, responder);
  const clients: LoadClient[] = [];
  for (let k = 0; k < nClients; k++) {
    const lc = new LoadClient({
      confText: ikedClientConf(c, clientAddr(k), SERVER_ADDR),
      transport: net.transportFor(),
      auth: auths?.client ?? noCertificates,
      log: silentLogger(),
      perSaIdentity: c.auth === 'psk',
      initialContact: c.auth === 'psk',
      sameSelectors: c.sameSelectors,
    });
    net.register(clientAddr(k), 500, lc.engine);
    clients.push(lc);
  }
  return { responder, clients, net };
}
