import type { UnknownPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** A payload type we do not implement, kept raw for round trips and logs. */
export const unknownCodec: BodyCodec<UnknownPayload> = {
  size: (p) => p.body.length,
  write(p, out, off) {
    return off + p.body.copy(out, off);
  },
  read(r, type, critical) {
    return markCritical<UnknownPayload>({ type, unknown: true, body: r.rest() }, critical);
  },
};
