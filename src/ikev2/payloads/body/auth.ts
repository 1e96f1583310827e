import { PAYLOAD } from '../../../wire/iana';
import type { AuthPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Authentication payload (RFC 7296 3.8): method(1) reserved(3) data. */
export const authCodec: BodyCodec<AuthPayload> = {
  size: (p) => 4 + p.data.length,
  write(p, out, off) {
    out.writeUInt8(p.method, off);
    out[off + 1] = 0;
    out[off + 2] = 0;
    out[off + 3] = 0;
    return off + 4 + p.data.copy(out, off + 4);
  },
  read(r, _type, critical) {
    const method = r.u8();
    r.bytes(3);
    return markCritical<AuthPayload>({ type: PAYLOAD.AUTH, method, data: r.rest() }, critical);
  },
};
