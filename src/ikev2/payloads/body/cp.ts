import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD } from '../../../wire/iana';
import type { CfgAttribute, CpPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Configuration payload (RFC 7296 3.15): cfg type(1) reserved(3) attributes. */
export const cpCodec: BodyCodec<CpPayload> = {
  size(p) {
    let n = 4;
    for (const a of p.attributes) n += 4 + a.value.length;
    return n;
  },
  write(p, out, off) {
    out.writeUInt8(p.cfgType, off);
    out[off + 1] = 0;
    out[off + 2] = 0;
    out[off + 3] = 0;
    off += 4;
    for (const a of p.attributes) {
      out.writeUInt16BE(a.type & 0x7fff, off);
      out.writeUInt16BE(a.value.length, off + 2);
      off += 4;
      off += a.value.copy(out, off);
    }
    return off;
  },
  read(r, _type, critical) {
    const cfgType = r.u8();
    r.bytes(3);
    const attributes: CfgAttribute[] = [];
    while (r.remaining > 0) {
      const type = r.u16() & 0x7fff; // top bit reserved
      const len = r.u16();
      if (len > r.remaining) {
        throw new DecodeError(
          `CP payload: attribute ${type} length ${len} exceeds the ${r.remaining} bytes left`,
          NOTIFY.INVALID_SYNTAX,
          PAYLOAD.CP,
        );
      }
      attributes.push({ type, value: r.bytes(len) });
    }
    return markCritical<CpPayload>({ type: PAYLOAD.CP, cfgType, attributes }, critical);
  },
};
