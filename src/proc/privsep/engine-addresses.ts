/**
 * MOBIKE under privilege separation, the engine's side of engine.addresses:
 * adopt the sockets the parent bound on new addresses, close those of removed
 * addresses, and move the IKE SAs (localAddressesChanged).
 */
import type { Engine } from '../../ikev2/engine';
import { localAddressesChanged } from '../../ikev2/exchange/mobike';
import type { Logger } from '../../log/logger';
import type { UdpTransport } from '../udp-transport';
import type { FrameChannel } from './frame-channel';
import type { SocketInbox } from './ike-sockets';
import { M, addressChangeCheck } from './messages';

export interface RunningEngine {
  engine: Engine;
  transport: UdpTransport;
}

export function handleAddressChanges(parent: FrameChannel, inbox: SocketInbox, running: () => RunningEngine | null, log: Logger): void {
  parent.handle(M.engineAddresses, addressChangeCheck, async (m) => {
    const sockets = await inbox.wait(m.sockets);
    const r = running();
    if (!r) {
      for (const s of sockets) s.socket.close();
      throw new Error('engine: not initialised yet');
    }
    for (const a of m.removed) r.transport.removeAddress(a);
    for (const s of sockets) if (!r.transport.adoptSocket(s)) log.debug(`MOBIKE: ${s.address}:${s.port} already bound, new socket closed`);
    const moved = await localAddressesChanged(r.engine, m.present);
    if (moved.length) log.debug(`MOBIKE: ${moved.length} IKE SA(s) moving`);
    return null;
  });
}
