import { PAYLOAD } from '../../../wire/iana';
import type { CertPayload, CertReqPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Certificate payload (RFC 7296 3.6): encoding(1) data. */
export const certCodec: BodyCodec<CertPayload> = {
  size: (p) => 1 + p.data.length,
  write(p, out, off) {
    out.writeUInt8(p.encoding, off);
    return off + 1 + p.data.copy(out, off + 1);
  },
  read(r, _type, critical) {
    const encoding = r.u8();
    return markCritical<CertPayload>({ type: PAYLOAD.CERT, encoding, data: r.rest() }, critical);
  },
};

/** Certificate Request payload (RFC 7296 3.7): encoding(1) certification authority. */
export const certReqCodec: BodyCodec<CertReqPayload> = {
  size: (p) => 1 + p.data.length,
  write(p, out, off) {
    out.writeUInt8(p.encoding, off);
    return off + 1 + p.data.copy(out, off + 1);
  },
  read(r, _type, critical) {
    const encoding = r.u8();
    return markCritical<CertReqPayload>({ type: PAYLOAD.CERTREQ, encoding, data: r.rest() }, critical);
  },
};
