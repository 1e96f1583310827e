import { PAYLOAD } from '../../../wire/iana';
import type { IdPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Identification payloads IDi/IDr (RFC 7296 3.5): id type(1) reserved(3) data. */
export const idCodec: BodyCodec<IdPayload> = {
  size: (p) => 4 + p.data.length,
  write(p, out, off) {
    out.writeUInt8(p.idType, off);
    out[off + 1] = 0;
    out[off + 2] = 0;
    out[off + 3] = 0;
    return off + 4 + p.data.copy(out, off + 4);
  },
  read(r, type, critical) {
    const idType = r.u8();
    r.bytes(3);
    const t = type === PAYLOAD.IDi ? PAYLOAD.IDi : PAYLOAD.IDr;
    return markCritical<IdPayload>({ type: t, idType, data: r.rest() }, critical);
  },
};
