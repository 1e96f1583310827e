import { PAYLOAD } from '../../../wire/iana';
import type { KePayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Key Exchange payload (RFC 7296 3.4): group(2) reserved(2) data. */
export const keCodec: BodyCodec<KePayload> = {
  size: (p) => 4 + p.data.length,
  write(p, out, off) {
    out.writeUInt16BE(p.group, off);
    out.writeUInt16BE(0, off + 2);
    return off + 4 + p.data.copy(out, off + 4);
  },
  read(r, _type, critical) {
    const group = r.u16();
    r.u16();
    return markCritical<KePayload>({ type: PAYLOAD.KE, group, data: r.rest() }, critical);
  },
};
