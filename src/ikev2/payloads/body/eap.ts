import { DecodeError } from '../../../wire/decode-error';
import { EAP_CODE, NOTIFY, PAYLOAD } from '../../../wire/iana';
import type { EapPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** EAP payload (RFC 7296 3.16): the whole EAP message (RFC 3748 4). */
export const eapCodec: BodyCodec<EapPayload> = {
  size: (p) => p.message.length,
  write(p, out, off) {
    return off + p.message.copy(out, off);
  },
  read(r, _type, critical) {
    const message = r.rest();
    const fail = (msg: string): never => {
      throw new DecodeError(`EAP payload: ${msg}`, NOTIFY.INVALID_SYNTAX, PAYLOAD.EAP);
    };
    if (message.length < 4) fail(`message of ${message.length} bytes, need at least 4`);
    const code = message[0];
    if (code < EAP_CODE.REQUEST || code > EAP_CODE.FAILURE) fail(`invalid EAP code ${code}`);
    const len = message.readUInt16BE(2);
    if (len !== message.length) fail(`EAP length field ${len} differs from payload body length ${message.length}`);
    if ((code === EAP_CODE.REQUEST || code === EAP_CODE.RESPONSE) && len < 5) fail('request/response without a type');
    return markCritical<EapPayload>({ type: PAYLOAD.EAP, message }, critical);
  },
};
