import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD } from '../../../wire/iana';
import type { NotifyPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Notify payload (RFC 7296 3.10): protocol(1) spi size(1) type(2) spi data. */
export const notifyCodec: BodyCodec<NotifyPayload> = {
  size: (p) => 4 + p.spi.length + p.data.length,
  write(p, out, off) {
    out.writeUInt8(p.protocol, off);
    out.writeUInt8(p.spi.length, off + 1);
    out.writeUInt16BE(p.notifyType, off + 2);
    off += 4;
    off += p.spi.copy(out, off);
    return off + p.data.copy(out, off);
  },
  read(r, _type, critical) {
    const protocol = r.u8();
    const spiSize = r.u8();
    const notifyType = r.u16();
    if (spiSize !== 0 && spiSize !== 4 && spiSize !== 8) {
      throw new DecodeError(`NOTIFY payload: invalid SPI size ${spiSize}`, NOTIFY.INVALID_SYNTAX, PAYLOAD.NOTIFY);
    }
    const spi = r.bytes(spiSize);
    return markCritical<NotifyPayload>(
      { type: PAYLOAD.NOTIFY, protocol, spi, notifyType, data: r.rest() },
      critical,
    );
  },
};
