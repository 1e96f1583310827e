import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD } from '../../../wire/iana';
import type { SkfPayload, SkPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/**
 * Encrypted and Authenticated payload (RFC 7296 3.14). The body is
 * IV | ciphertext | ICV; the generic header's Next Payload is innerFirst.
 */
export const skCodec: BodyCodec<SkPayload> = {
  size: (p) => p.data.length,
  write(p, out, off) {
    return off + p.data.copy(out, off);
  },
  read(r, _type, critical, next) {
    return markCritical<SkPayload>({ type: PAYLOAD.SK, innerFirst: next, data: r.rest() }, critical);
  },
};

/** Encrypted Fragment payload (RFC 7383 2.5): fragment number(2) total(2) sealed data. */
export const skfCodec: BodyCodec<SkfPayload> = {
  size: (p) => 4 + p.data.length,
  write(p, out, off) {
    out.writeUInt16BE(p.fragmentNumber, off);
    out.writeUInt16BE(p.totalFragments, off + 2);
    return off + 4 + p.data.copy(out, off + 4);
  },
  read(r, _type, critical, next) {
    const fragmentNumber = r.u16();
    const totalFragments = r.u16();
    if (totalFragments < 1 || fragmentNumber < 1 || fragmentNumber > totalFragments) {
      throw new DecodeError(
        `SKF payload: fragment ${fragmentNumber} of ${totalFragments} (need 1 <= number <= total)`,
        NOTIFY.INVALID_SYNTAX,
        PAYLOAD.SKF,
      );
    }
    return markCritical<SkfPayload>(
      { type: PAYLOAD.SKF, innerFirst: next, fragmentNumber, totalFragments, data: r.rest() },
      critical,
    );
  },
};
