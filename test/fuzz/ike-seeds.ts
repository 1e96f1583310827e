/** Seed IKE messages and inner payload chains built from the codec fixtures. */
import { EXCHANGE, FLAG, PAYLOAD } from '../../src/wire/iana';
import { encodeMessage } from '../../src/ikev2/payloads/message';
import { encodePayloads } from '../../src/ikev2/payloads/payload-chain';
import type { Payload } from '../../src/ikev2/payloads/payload-types';
import { SA_INIT_HEX, header, hex, samplePayloads } from '../ikev2/codec-fixtures';

/** Every sample payload except SK/SKF, which must come last in a chain. */
export function plainSamples(): Payload[] {
  return Object.values(samplePayloads()).filter((p) => p.type !== PAYLOAD.SK && p.type !== PAYLOAD.SKF);
}

/** Whole messages: the hand-made IKE_SA_INIT, one message per payload sample, all of them, SK and SKF. */
export function ikeMessageSeeds(): Buffer[] {
  const s = samplePayloads();
  const out = [hex(SA_INIT_HEX)];
  for (const p of Object.values(s)) out.push(encodeMessage(header(EXCHANGE.IKE_AUTH, FLAG.INITIATOR, 1), [p]));
  out.push(encodeMessage(header(EXCHANGE.IKE_AUTH, FLAG.RESPONSE, 1), plainSamples()));
  out.push(encodeMessage(header(EXCHANGE.IKE_AUTH, FLAG.INITIATOR, 1), [s.notify, s.sk]));
  out.push(encodeMessage(header(EXCHANGE.IKE_AUTH, FLAG.INITIATOR, 1), [s.skf]));
  return out;
}

/** Inner chains (first type + bytes) as found in SK payloads. */
export function innerChainSeeds(): Array<{ first: number; bytes: Buffer }> {
  const s = samplePayloads();
  const chains: Payload[][] = [
    [s.idi, s.cert, s.certreq, s.auth, s.sa, s.tsi, s.tsr],
    [s.idr, s.auth, s.cp, s.saEsp, s.tsi, s.tsr, s.notify],
    [s.eap],
    [s.deleteIke],
    [s.deleteEsp, s.notifySpi, s.vendor, s.unknown],
    [s.sa, s.nonce, s.ke, s.tsi, s.tsr],
    [],
  ];
  return chains.map((c) => encodePayloads(c));
}
