/**
 * MOBIKE under privilege separation, the parent's side: it watches the local
 * addresses (the chrooted engine could, but cannot bind ports 500/4500), binds
 * the IKE sockets on new addresses with the kernel socket options, hands them
 * to the engine and tells it which addresses are present (engine.addresses);
 * the engine adopts the sockets, closes those of removed addresses and moves
 * its IKE SAs (src/proc/privsep/engine-addresses.ts).
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../log/logger';
import { AddressWatcher } from '../address-watcher';
import type { FrameChannel } from './frame-channel';
import { bindIkeSockets, handOver, BoundSocket, IkeSocketOptions } from './ike-sockets';
import { M, MAX_ADDRESSES, empty } from './messages';

export interface AddressRelayOptions {
  /** the engine: its node IPC channel carries the sockets, its frame channel the message */
  engine: { proc: ChildProcess; channel: FrameChannel };
  sockets: Omit<IkeSocketOptions, 'addresses' | 'warn'>;
  log: Logger;
  intervalMs?: number;
  /** the current addresses (default: every interface address) */
  list?: () => string[];
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Tell the engine about one change, with the sockets bound on the added addresses. */
export async function relayAddressChange(o: AddressRelayOptions, change: { added: string[]; removed: string[]; present: string[] }): Promise<void> {
  const { log } = o;
  log.info(`local addresses changed:${change.added.length ? ` added ${change.added.join(' ')}` : ''}${change.removed.length ? ` removed ${change.removed.join(' ')}` : ''}`);
  const bound: BoundSocket[] = [];
  for (const address of change.added) {
    try {
      bound.push(...(await bindIkeSockets({ ...o.sockets, addresses: [address], warn: (m) => log.warn(m) })));
    } catch (e) {
      log.warn(`MOBIKE: ${errText(e)}`);
    }
  }
  const present = change.present.slice(0, MAX_ADDRESSES);
  const reply = o.engine.channel.request(
    M.engineAddresses,
    { present, removed: change.removed.slice(0, MAX_ADDRESSES), sockets: bound.map((b) => ({ address: b.address, port: b.port })) },
    empty,
  );
  try {
    await handOver(o.engine.proc, bound);
  } catch (e) {
    for (const b of bound) {
      try {
        b.socket.close();
      } catch {
        // handed over and closed already
      }
    }
    log.warn(`MOBIKE: ${errText(e)}`);
  }
  try {
    await reply;
  } catch (e) {
    log.warn(`MOBIKE: engine: ${errText(e)}`);
  }
}

/** Start watching (every second by default); stop() the returned watcher on shutdown. */
export function startAddressRelay(o: AddressRelayOptions): AddressWatcher {
  const w = new AddressWatcher({
    ipv6: o.sockets.ipv6,
    intervalMs: o.intervalMs,
    list: o.list,
    onChange: (change) => relayAddressChange(o, change),
  });
  w.start();
  return w;
}
