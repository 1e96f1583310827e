import { PAYLOAD } from '../../../wire/iana';
import type { Payload } from '../payload-types';
import { authCodec } from './auth';
import type { BodyCodec } from './body-codec';
import { certCodec, certReqCodec } from './cert';
import { cpCodec } from './cp';
import { deleteCodec } from './delete';
import { eapCodec } from './eap';
import { idCodec } from './id';
import { keCodec } from './ke';
import { nonceCodec } from './nonce';
import { notifyCodec } from './notify';
import { saCodec } from './sa';
import { skCodec, skfCodec } from './sk';
import { tsCodec } from './ts';
import { unknownCodec } from './unknown';
import { vendorCodec } from './vendor';

/** Payload type -> body codec, for every type we implement. */
const CODECS = new Map<number, BodyCodec<Payload>>([
  [PAYLOAD.SA, saCodec as BodyCodec<Payload>],
  [PAYLOAD.KE, keCodec as BodyCodec<Payload>],
  [PAYLOAD.IDi, idCodec as BodyCodec<Payload>],
  [PAYLOAD.IDr, idCodec as BodyCodec<Payload>],
  [PAYLOAD.CERT, certCodec as BodyCodec<Payload>],
  [PAYLOAD.CERTREQ, certReqCodec as BodyCodec<Payload>],
  [PAYLOAD.AUTH, authCodec as BodyCodec<Payload>],
  [PAYLOAD.NONCE, nonceCodec as BodyCodec<Payload>],
  [PAYLOAD.NOTIFY, notifyCodec as BodyCodec<Payload>],
  [PAYLOAD.DELETE, deleteCodec as BodyCodec<Payload>],
  [PAYLOAD.VENDOR, vendorCodec as BodyCodec<Payload>],
  [PAYLOAD.TSi, tsCodec as BodyCodec<Payload>],
  [PAYLOAD.TSr, tsCodec as BodyCodec<Payload>],
  [PAYLOAD.SK, skCodec as BodyCodec<Payload>],
  [PAYLOAD.SKF, skfCodec as BodyCodec<Payload>],
  [PAYLOAD.CP, cpCodec as BodyCodec<Payload>],
  [PAYLOAD.EAP, eapCodec as BodyCodec<Payload>],
]);

/** True if we implement this payload type. */
export function isKnownPayloadType(type: number): boolean {
  return CODECS.has(type);
}

/** The codec for a decoded/encodable payload (UnknownPayload -> raw). */
export function codecFor(p: Payload): BodyCodec<Payload> {
  if ('unknown' in p) return unknownCodec as BodyCodec<Payload>;
  const c = CODECS.get(p.type);
  if (!c) throw new RangeError(`no codec for payload type ${p.type}; use an UnknownPayload`);
  return c;
}

/** The codec for a received payload type (unknown types -> raw). */
export function codecForType(type: number): BodyCodec<Payload> {
  return CODECS.get(type) ?? (unknownCodec as BodyCodec<Payload>);
}
