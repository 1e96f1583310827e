/** Hand-built IKE_SA_INIT requests, for floods, critical payloads and malformed input. */
import { encodeMessage } from '../../src/ikev2/payloads/message';
import { EXCHANGE, FLAG, PAYLOAD } from '../../src/wire/iana';
import type { IkeHeader, Payload, Proposal } from '../../src/ikev2/payloads/payload-types';
import { createKeyExchange } from '../../src/crypto/key-exchange';
import { randomSpi, nonce } from '../../src/crypto/random';

export interface ForgedInit {
  packet: Buffer;
  spiI: Buffer;
  ni: Buffer;
}

/** An IKE_SA_INIT request offering `proposals` with a real KE of `group`; `extra` payloads go last. */
export function forgeInit(proposals: Proposal[], group: number, extra: Payload[] = []): ForgedInit {
  const spiI = randomSpi(8);
  const ni = nonce(32);
  const kx = createKeyExchange(group);
  const payloads: Payload[] = [
    { type: PAYLOAD.SA, proposals },
    { type: PAYLOAD.KE, group, data: kx.publicKey },
    { type: PAYLOAD.NONCE, data: ni },
    ...extra,
  ];
  kx.dispose();
  const header: IkeHeader = {
    spiI,
    spiR: Buffer.alloc(8),
    nextPayload: 0,
    majorVersion: 2,
    minorVersion: 0,
    exchange: EXCHANGE.IKE_SA_INIT,
    flags: FLAG.INITIATOR,
    messageId: 0,
    length: 0,
  };
  return { packet: encodeMessage(header, payloads), spiI, ni };
}
