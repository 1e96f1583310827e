import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD, PROTOCOL } from '../../../wire/iana';
import type { DeletePayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

function fail(msg: string): never {
  throw new DecodeError(`DELETE payload: ${msg}`, NOTIFY.INVALID_SYNTAX, PAYLOAD.DELETE);
}

/** Delete payload (RFC 7296 3.11): protocol(1) spi size(1) count(2) spis. */
export const deleteCodec: BodyCodec<DeletePayload> = {
  size: (p) => 4 + p.spiSize * p.spis.length,
  write(p, out, off) {
    out.writeUInt8(p.protocol, off);
    out.writeUInt8(p.spiSize, off + 1);
    out.writeUInt16BE(p.spis.length, off + 2);
    off += 4;
    for (const spi of p.spis) {
      if (spi.length !== p.spiSize) {
        throw new RangeError(`DELETE payload: SPI of ${spi.length} bytes, spiSize is ${p.spiSize}`);
      }
      off += spi.copy(out, off);
    }
    return off;
  },
  read(r, _type, critical) {
    const protocol = r.u8();
    const spiSize = r.u8();
    const count = r.u16();
    if (protocol === PROTOCOL.IKE) {
      if (spiSize !== 0) fail(`SPI size ${spiSize} for IKE, must be 0`);
    } else if (protocol === PROTOCOL.AH || protocol === PROTOCOL.ESP) {
      if (spiSize !== 4) fail(`SPI size ${spiSize} for protocol ${protocol}, must be 4`);
    } else {
      fail(`invalid protocol ${protocol}`);
    }
    const spis: Buffer[] = [];
    if (spiSize === 0) {
      // IKE SA delete: count is 0 (RFC 7296 3.11); no SPI bytes may follow.
      if (r.remaining !== 0) fail(`${r.remaining} bytes after an IKE delete`);
    } else {
      if (r.remaining !== count * spiSize) {
        fail(`${count} SPIs of ${spiSize} bytes need ${count * spiSize} bytes, body has ${r.remaining}`);
      }
      for (let i = 0; i < count; i++) spis.push(r.bytes(spiSize));
    }
    return markCritical<DeletePayload>({ type: PAYLOAD.DELETE, protocol, spiSize, spis }, critical);
  },
};
