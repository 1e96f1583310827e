/** Building and opening SK-protected messages of an IKE SA (RFC 7296 3.14). */
import { PAYLOAD, FLAG } from '../../wire/iana';
import { IkeHeader, Payload, IkeMessage, SkPayload } from './payload-types';
import { encodePayloads } from './payload-chain';
import { encodeMessage, decodeInner } from './message';
import { skBodyLength, skSeal, skOpen } from '../../crypto/sk-seal';
import { IkeSa } from '../sa/ike-sa';

export function ikeHeader(sa: IkeSa, exchange: number, messageId: number, response: boolean): IkeHeader {
  let flags = 0;
  if (sa.initiator) flags |= FLAG.INITIATOR;
  if (response) flags |= FLAG.RESPONSE;
  return {
    spiI: sa.spiI,
    spiR: sa.spiR,
    nextPayload: 0,
    majorVersion: 2,
    minorVersion: 0,
    exchange,
    flags,
    messageId,
    length: 0,
  };
}

/**
 * Zeros that stand in for an SK body while the message around it is encoded (skSeal then
 * writes the body in place, in the message): read only, shared, grown on demand, so a
 * message does not allocate a zeroed body of its own to copy.
 */
let bodyZeros = Buffer.alloc(1024);

function zeroBody(len: number): Buffer {
  if (len > bodyZeros.length) bodyZeros = Buffer.alloc(Math.max(len, 2 * bodyZeros.length));
  return bodyZeros.subarray(0, len);
}

/** Encrypt `inner` into one SK payload and return the whole message. */
export function sealMessage(sa: IkeSa, header: IkeHeader, inner: Payload[]): Buffer {
  const alg = sa.alg!;
  const { first, bytes: plain } = encodePayloads(inner);
  const bodyLen = skBodyLength(alg.suite, plain.length);
  const sk: SkPayload = { type: PAYLOAD.SK, innerFirst: first, data: zeroBody(bodyLen) };
  const msg = encodeMessage(header, [sk]);
  const k = sa.outKeys();
  skSeal(alg.suite, k.enc, k.integ, msg.subarray(0, msg.length - bodyLen), plain, msg.subarray(msg.length - bodyLen));
  plain.fill(0);
  return msg;
}

/**
 * A received protected message, opened: its inner payloads, and the plaintext they came
 * from (IV, padding and ICV removed) with the type of the first, which RFC 9242 IntAuth
 * covers. The inner payloads are views into `plain`.
 */
export interface OpenedMessage {
  inner: Payload[];
  first: number;
  plain: Buffer;
}

/** Decrypt the SK payload of a received message; throws IntegrityError / DecodeError. */
export function openMessage(sa: IkeSa, raw: Buffer, m: IkeMessage): OpenedMessage {
  const last = m.payloads[m.payloads.length - 1];
  if (!last || last.type !== PAYLOAD.SK) throw new Error('message has no SK payload');
  const sk = last as SkPayload;
  const k = sa.inKeys();
  const aad = raw.subarray(0, raw.length - sk.data.length);
  const plain = skOpen(sa.alg!.suite, k.enc, k.integ, aad, sk.data);
  try {
    return { inner: decodeInner(sk.innerFirst, plain), first: sk.innerFirst, plain };
  } catch (e) {
    plain.fill(0);
    throw e;
  }
}
