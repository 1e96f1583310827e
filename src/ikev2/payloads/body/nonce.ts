import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD } from '../../../wire/iana';
import type { NoncePayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** RFC 7296 3.9: nonces are 16..256 bytes. */
export const NONCE_MIN = 16;
export const NONCE_MAX = 256;

/** Nonce payload (RFC 7296 3.9): data only. */
export const nonceCodec: BodyCodec<NoncePayload> = {
  size: (p) => p.data.length,
  write(p, out, off) {
    return off + p.data.copy(out, off);
  },
  read(r, _type, critical) {
    const data = r.rest();
    if (data.length < NONCE_MIN || data.length > NONCE_MAX) {
      throw new DecodeError(
        `NONCE payload: nonce of ${data.length} bytes, must be ${NONCE_MIN}..${NONCE_MAX}`,
        NOTIFY.INVALID_SYNTAX,
        PAYLOAD.NONCE,
      );
    }
    return markCritical<NoncePayload>({ type: PAYLOAD.NONCE, data }, critical);
  },
};
