/**
 * The IKE_AUTH flood's attacker: our Engine as a client (LoadClient), which does
 * a proper IKE_SA_INIT (real KE, real keys, cookies answered), then either
 *   garbage:   its IKE_AUTH request leaves with the SK payload's contents (IV,
 *              ciphertext, ICV) replaced by random bytes, and the attacker forgets
 *              the SA at once (no retransmission, no wait), or
 *   wrong-psk: a normal IKE_AUTH with a PSK the responder does not have (the
 *              responder answers AUTHENTICATION_FAILED).
 * Handshakes run `window` at a time over the clients until the deadline.
 */
import { randomFillSync } from 'node:crypto';
import type { Transport } from '../src/ikev2/engine';
import { EXCHANGE, FLAG } from '../src/wire/iana';
import type { LoadClient } from './load-initiator';

export type AuthFloodKind = 'garbage' | 'wrong-psk';
export const AUTH_FLOOD_KINDS: AuthFloodKind[] = ['garbage', 'wrong-psk'];

/** IKE header (28) + the SK payload's generic header (4). */
const SK_BODY = 32;

export function isAuthRequest(packet: Buffer): boolean {
  return packet.length > SK_BODY && packet[18] === EXCHANGE.IKE_AUTH && (packet[19] & FLAG.RESPONSE) === 0;
}

/** A copy of an encrypted request with everything after the SK payload header random. */
export function garble(packet: Buffer): Buffer {
  const out = Buffer.from(packet);
  randomFillSync(out, SK_BODY);
  return out;
}

export interface AuthFloodCounts {
  /** IKE_AUTH requests sent (first transmissions; garbage ones included). */
  authSent: number;
  /** Handshakes started, and how they ended. */
  started: number;
  outcomes: Record<string, number>;
}

/**
 * Wraps a client's transport: counts IKE_AUTH requests and, for `garbage`,
 * garbles them and has the client drop the SA.
 */
export function attackTransport(kind: AuthFloodKind, inner: Transport, client: () => LoadClient | null, counts: AuthFloodCounts): Transport {
  return {
    send(packet, local, remote) {
      if (!isAuthRequest(packet)) return inner.send(packet, local, remote);
      const c = client();
      const sa = c?.engine.sas.get(packet.subarray(0, 8));
      // a retransmission of the same request is not a new bad AUTH
      if (sa && sa.pending && sa.pending.tries <= 1) counts.authSent++;
      if (kind === 'wrong-psk') return inner.send(packet, local, remote);
      inner.send(garble(packet), local, remote);
      if (c && sa) setImmediate(() => c.engine.deleteIkeSa(sa, 'garbage IKE_AUTH sent', false));
    },
    sourceFor: (remote) => inner.sourceFor(remote),
    sendKeepalive: inner.sendKeepalive?.bind(inner),
  };
}

/** Handshake after handshake, `window` at a time over the clients, until `untilMs` (Date.now()). */
export async function attackUntil(clients: LoadClient[], window: number, untilMs: number, counts: AuthFloodCounts, firstIndex = 0): Promise<void> {
  let next = 0;
  const deadline = new Promise<{ reason: string }>((r) => setTimeout(() => r({ reason: 'still running at the end' }), Math.max(0, untilMs - Date.now())));
  const worker = async (): Promise<void> => {
    while (Date.now() < untilMs) {
      const i = next++;
      counts.started++;
      const o = await Promise.race([clients[i % clients.length].connect(firstIndex + i), deadline]);
      counts.outcomes[o.reason] = (counts.outcomes[o.reason] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, window) }, worker));
}
