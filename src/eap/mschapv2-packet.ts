/**
 * The MSCHAPv2 packets inside EAP type 26 (draft-kamath-pppext-eap-mschapv2,
 * RFC 2759 section 4): OpCode, MS-CHAPv2-ID, MS-Length, then per OpCode data.
 * A peer's Success/Failure acknowledgement is the OpCode alone.
 */
import { Reader } from '../wire/reader';

export const MSCHAP_OP = { CHALLENGE: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4, CHANGE_PASSWORD: 7 } as const;

export type MschapPacket =
  | { op: 'challenge'; id: number; challenge: Buffer; name: string }
  | { op: 'response'; id: number; peerChallenge: Buffer; ntResponse: Buffer; flags: number; name: string }
  /** Authenticator's success/failure request: message text ("S=... M=..." / "E=691 R=0 C=... V=3 M=..."). */
  | { op: 'success' | 'failure'; id: number; message: string }
  /** Peer's acknowledgement (OpCode only). */
  | { op: 'success-ack' | 'failure-ack' };

export function encodeMschap(p: MschapPacket): Buffer {
  if (p.op === 'success-ack') return Buffer.from([MSCHAP_OP.SUCCESS]);
  if (p.op === 'failure-ack') return Buffer.from([MSCHAP_OP.FAILURE]);
  let op: number;
  let body: Buffer;
  switch (p.op) {
    case 'challenge':
      if (p.challenge.length !== 16) throw new Error('MSCHAPv2 challenge must be 16 bytes');
      op = MSCHAP_OP.CHALLENGE;
      body = Buffer.concat([Buffer.from([16]), p.challenge, Buffer.from(p.name, 'utf8')]);
      break;
    case 'response': {
      if (p.peerChallenge.length !== 16 || p.ntResponse.length !== 24) throw new Error('MSCHAPv2 response: peer challenge 16 and NT response 24 bytes');
      op = MSCHAP_OP.RESPONSE;
      const v = Buffer.alloc(49);
      p.peerChallenge.copy(v, 0);
      p.ntResponse.copy(v, 24);
      v[48] = p.flags;
      body = Buffer.concat([Buffer.from([49]), v, Buffer.from(p.name, 'utf8')]);
      break;
    }
    case 'success':
    case 'failure':
      op = p.op === 'success' ? MSCHAP_OP.SUCCESS : MSCHAP_OP.FAILURE;
      body = Buffer.from(p.message, 'utf8');
      break;
  }
  const h = Buffer.alloc(4);
  h[0] = op;
  h[1] = p.id & 0xff;
  h.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([h, body]);
}

/** Decode EAP type data of type 26; `fromPeer` tells acknowledgements from requests. */
export function decodeMschap(data: Buffer, fromPeer: boolean): MschapPacket {
  const r = new Reader(data, 0, data.length, 'EAP-MSCHAPv2 packet');
  const op = r.u8();
  if (fromPeer && data.length === 1) {
    if (op === MSCHAP_OP.SUCCESS) return { op: 'success-ack' };
    if (op === MSCHAP_OP.FAILURE) return { op: 'failure-ack' };
  }
  const id = r.u8();
  const msLength = r.u16();
  if (msLength !== data.length) throw new Error(`EAP-MSCHAPv2: MS-Length ${msLength} does not match ${data.length} bytes`);
  switch (op) {
    case MSCHAP_OP.CHALLENGE: {
      if (fromPeer) break;
      const size = r.u8();
      if (size !== 16) throw new Error(`EAP-MSCHAPv2 challenge: value size ${size}, expected 16`);
      return { op: 'challenge', id, challenge: Buffer.from(r.bytes(16)), name: r.rest().toString('utf8') };
    }
    case MSCHAP_OP.RESPONSE: {
      if (!fromPeer) break;
      const size = r.u8();
      if (size !== 49) throw new Error(`EAP-MSCHAPv2 response: value size ${size}, expected 49`);
      const v = r.bytes(49);
      return { op: 'response', id, peerChallenge: Buffer.from(v.subarray(0, 16)), ntResponse: Buffer.from(v.subarray(24, 48)), flags: v[48], name: r.rest().toString('utf8') };
    }
    case MSCHAP_OP.SUCCESS:
    case MSCHAP_OP.FAILURE:
      if (fromPeer) break;
      return { op: op === MSCHAP_OP.SUCCESS ? 'success' : 'failure', id, message: r.rest().toString('utf8') };
  }
  throw new Error(`EAP-MSCHAPv2: unexpected OpCode ${op} from the ${fromPeer ? 'peer' : 'authenticator'}`);
}

/** The user name as MSCHAPv2 hashes it: without a "DOMAIN\" prefix (RFC 2759 section 4). */
export function mschapUserName(name: string): string {
  const i = name.lastIndexOf('\\');
  return i >= 0 ? name.slice(i + 1) : name;
}
