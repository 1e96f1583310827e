/**
 * IKE_INTERMEDIATE (RFC 9242) carrying RFC 9370 additional key exchanges, both roles:
 * between IKE_SA_INIT and IKE_AUTH, one exchange per additional key exchange; after
 * each, the IKE SA keys are updated (RFC 9370 2.2.2); every IKE_INTERMEDIATE message
 * extends the IntAuth chain that IKE_AUTH's AUTH payloads cover (./auth-octets.ts).
 */
import { EXCHANGE, PAYLOAD, NOTIFY, DhGroup, NotifyType } from '../../wire/iana';
import type { IkeMessage, Payload, KePayload } from '../payloads/payload-types';
import { encodePayloads, GENERIC_HEADER_LEN } from '../payloads/payload-chain';
import { HEADER_LEN } from '../payloads/header';
import { find, findErrorNotify, notify } from '../payloads/payload-find';
import type { IkeSa, IntermediateState } from '../sa/ike-sa';
import { wipeIkeKeys } from '../sa/packed-views';
import type { EngineContext } from '../engine-context';
import { createKeyExchange, respondKeyExchange } from '../../crypto/key-exchange';
import { deriveRekeyedIkeSaKeys } from '../../crypto/keymat';
import { startAuth } from './ike-auth';

/** The state of an IKE SA whose proposal chose additional key exchanges (`methods` after the first). */
export function intermediateState(first: number, additional: number[]): IntermediateState {
  return { remaining: [...additional], methods: [first, ...additional], intAuthI: null, intAuthR: null, authMessageId: 1 };
}

/**
 * One IKE_INTERMEDIATE message joins the IntAuth chain (RFC 9242 3.3.2):
 * IntAuth_N = prf(SK_p, IntAuth_N-1 | IntAuth_A | IntAuth_P), where A is the IKE header and
 * the Encrypted payload header with their lengths as if IV, padding and ICV were absent
 * (also for a fragmented message), and P the inner payloads. SK_p is the sender's, of the
 * keys that protect the message.
 */
export function noteIntermediateMessage(sa: IkeSa, header: Buffer, first: number, plain: Buffer, fromInitiator: boolean): void {
  const ia = sa.intermediate;
  if (!ia || !sa.keys || !sa.alg) return;
  const a = Buffer.alloc(HEADER_LEN + GENERIC_HEADER_LEN);
  header.copy(a, 0, 0, HEADER_LEN);
  a[16] = PAYLOAD.SK;
  a.writeUInt32BE(HEADER_LEN + GENERIC_HEADER_LEN + plain.length, 24);
  a[HEADER_LEN] = first;
  a[HEADER_LEN + 1] = 0;
  a.writeUInt16BE(GENERIC_HEADER_LEN + plain.length, HEADER_LEN + 2);
  const prev = fromInitiator ? ia.intAuthI : ia.intAuthR;
  const skP = fromInitiator ? sa.keys.skPi : sa.keys.skPr;
  const next = prev ? sa.alg.prf.compute(skP, prev, a, plain) : sa.alg.prf.compute(skP, a, plain);
  if (fromInitiator) ia.intAuthI = next;
  else ia.intAuthR = next;
}

/** Our own IKE_INTERMEDIATE message (request or response) as sent, for the IntAuth chain. */
export function noteSentIntermediate(sa: IkeSa, firstPacket: Buffer, inner: Payload[]): void {
  const { first, bytes } = encodePayloads(inner);
  noteIntermediateMessage(sa, firstPacket, first, bytes, sa.initiator);
  bytes.fill(0);
}

/**
 * After an additional key exchange with shared secret SK(n): SKEYSEED(n) =
 * prf(SK_d(n-1), SK(n) | Ni | Nr) and the seven keys again from it (RFC 9370 2.2.2).
 */
function updateKeys(sa: IkeSa, secret: Buffer): void {
  const a = sa.alg!;
  const old = sa.keys!;
  sa.keys = deriveRekeyedIkeSaKeys(a.prf, old.skD, { prf: a.prf, encr: a.encr, integ: a.integ, ni: sa.ni, nr: sa.nr, spiI: sa.spiI, spiR: sa.spiR }, secret);
  secret.fill(0);
  wipeIkeKeys(old);
}

function keText(method: number): string {
  return DhGroup.name(method);
}

// ------------------------------------------------------------------ initiator

/** After IKE_SA_INIT: the next IKE_INTERMEDIATE, or IKE_AUTH once none is left. */
export function continueToAuth(e: EngineContext, sa: IkeSa): void {
  const ia = sa.intermediate;
  if (ia && ia.remaining.length) {
    sendIntermediate(e, sa, ia);
    return;
  }
  if (ia) ia.authMessageId = sa.nextRequestId;
  void startAuth(e, sa).catch((err) => {
    e.deleteIkeSa(sa, `IKE_AUTH could not start: ${err instanceof Error ? err.message : String(err)}`, false);
  });
}

function sendIntermediate(e: EngineContext, sa: IkeSa, ia: IntermediateState): void {
  const method = ia.remaining[0];
  const kx = createKeyExchange(method);
  sa.ke?.dispose();
  sa.ke = kx;
  const n = ia.methods.length - ia.remaining.length;
  e.log.debug(`${e.spiTag(sa)}: IKE_INTERMEDIATE: additional key exchange ${n} (${keText(method)})`);
  e.request(sa, {
    exchange: EXCHANGE.IKE_INTERMEDIATE,
    build: () => [{ type: PAYLOAD.KE, group: method, data: kx.publicKey } as KePayload],
    onResponse: (_m, inner) => {
      const err = findErrorNotify(inner);
      const ke = find<KePayload>(inner, PAYLOAD.KE);
      if (err || !ke || ke.group !== method) {
        e.deleteIkeSa(sa, `IKE_INTERMEDIATE ${n} refused: ${err ? NotifyType.name(err.notifyType) : ke ? `KE for ${keText(ke.group)}, not ${keText(method)}` : 'no KE payload'}`, false);
        return;
      }
      let secret: Buffer;
      try {
        secret = kx.computeSecret(ke.data);
      } catch (x) {
        e.deleteIkeSa(sa, `IKE_INTERMEDIATE ${n}: bad ${keText(method)} value from peer: ${x instanceof Error ? x.message : String(x)}`, false);
        return;
      } finally {
        kx.dispose();
        if (sa.ke === kx) sa.ke = null;
      }
      updateKeys(sa, secret);
      ia.remaining.shift();
      continueToAuth(e, sa);
    },
  });
}

// ------------------------------------------------------------------ responder

/** The peer's IKE_INTERMEDIATE request: our half of the next additional key exchange. */
export function handleIntermediateRequest(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[]): void {
  const ia = sa.intermediate;
  const ke = find<KePayload>(inner, PAYLOAD.KE);
  if (sa.initiator || sa.state !== 'INIT_DONE' || !ia || !ia.remaining.length) {
    if (!ke && !sa.initiator && sa.state === 'INIT_DONE') {
      e.respond(sa, m.header, []); // RFC 9242: an IKE_INTERMEDIATE without work gets an empty answer
      return;
    }
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    e.deleteIkeSa(sa, 'unexpected IKE_INTERMEDIATE key exchange', false);
    return;
  }
  const method = ia.remaining[0];
  const n = ia.methods.length - ia.remaining.length;
  if (!ke || ke.group !== method) {
    // RFC 9370 2.2.2: the method was agreed in IKE_SA_INIT; anything else is a syntax error
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    e.deleteIkeSa(sa, `IKE_INTERMEDIATE ${n}: ${ke ? `KE for ${keText(ke.group)}, agreed ${keText(method)}` : 'no KE payload'}`, false);
    return;
  }
  let kx: { publicKey: Buffer; secret: Buffer };
  try {
    kx = respondKeyExchange(method, ke.data);
  } catch (x) {
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    e.deleteIkeSa(sa, `IKE_INTERMEDIATE ${n}: bad ${keText(method)} value from peer: ${x instanceof Error ? x.message : String(x)}`, false);
    return;
  }
  // the answer goes out under the keys of this exchange; the update follows it
  e.respond(sa, m.header, [{ type: PAYLOAD.KE, group: method, data: kx.publicKey } as KePayload]);
  updateKeys(sa, kx.secret);
  ia.remaining.shift();
  if (!ia.remaining.length) ia.authMessageId = m.header.messageId + 1;
  e.log.debug(`${e.spiTag(sa)}: IKE_INTERMEDIATE: additional key exchange ${n} (${keText(method)}) done`);
}
