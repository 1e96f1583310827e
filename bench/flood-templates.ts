/**
 * The spoofed flood's IKE_SA_INIT requests: made by our own engine as a client of
 * the bench case (the proposals, a valid KE for its group, a nonce, NAT detection),
 * captured from a transport that sends nothing. Each template has its own KE and
 * nonce; the flood sender (flood-sender.py) gives every copy a fresh SPI.
 */
import type { Transport } from '../src/ikev2/engine';
import { noCertificates } from '../src/ikev2/policy/auth-provider';
import { EXCHANGE, FLAG } from '../src/wire/iana';
import { BenchCase, ikedClientConf } from './bench-configs';
import { LoadClient } from './load-initiator';
import { silentLogger } from './silent-logger';

/** `count` IKE_SA_INIT requests from `clientAddr` to `serverAddr` (UDP payloads, no non-ESP marker). */
export async function initTemplates(c: BenchCase, clientAddr: string, serverAddr: string, count: number): Promise<Buffer[]> {
  if (c.auth !== 'psk') throw new Error('the flood templates are made for a PSK case');
  const out: Buffer[] = [];
  const transport: Transport = {
    send: (packet) => {
      if (packet.length >= 28 && packet[18] === EXCHANGE.IKE_SA_INIT && (packet[19] & FLAG.INITIATOR) !== 0) out.push(Buffer.from(packet));
    },
    sourceFor: async () => clientAddr,
  };
  const client = new LoadClient({
    confText: ikedClientConf(c, clientAddr, serverAddr),
    transport,
    auth: noCertificates,
    log: silentLogger(),
    perSaIdentity: true,
    initialContact: true,
  });
  for (let n = 0; n < count; n++) void client.connect(n);
  // initiate() resolves after the request went to the transport
  for (let i = 0; i < 100 && out.length < count; i++) await new Promise((r) => setImmediate(r));
  await client.engine.shutdown(false);
  if (out.length < count) throw new Error(`flood templates: the engine sent ${out.length} of ${count} IKE_SA_INIT requests`);
  return out;
}
