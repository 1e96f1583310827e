/**
 * The daemon's side of MOBIKE (RFC 4555): when local addresses appear or vanish,
 * the IKE sockets follow (bound on new addresses, closed on gone ones) and the
 * engine moves the IKE SAs it initiated to the address the routing table now picks.
 */
import type { Engine } from '../ikev2/engine';
import { localAddressesChanged } from '../ikev2/exchange/mobike';
import type { Logger } from '../log/logger';
import { AddressWatcher } from './address-watcher';
import type { UdpTransport } from './udp-transport';

export function startMobikeWatcher(engine: Engine, transport: UdpTransport, ipv6: boolean, log: Logger, intervalMs = 1000): AddressWatcher {
  const w = new AddressWatcher({
    ipv6,
    intervalMs,
    onChange: async ({ added, removed, present }) => {
      log.info(`local addresses changed:${added.length ? ` added ${added.join(' ')}` : ''}${removed.length ? ` removed ${removed.join(' ')}` : ''}`);
      for (const a of removed) transport.removeAddress(a);
      for (const a of added) {
        try {
          await transport.addAddress(a);
        } catch (e) {
          log.warn(`MOBIKE: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const moved = await localAddressesChanged(engine, present);
      if (moved.length) log.debug(`MOBIKE: ${moved.length} IKE SA(s) moving`);
    },
  });
  w.start();
  return w;
}
