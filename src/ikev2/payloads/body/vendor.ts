import { PAYLOAD } from '../../../wire/iana';
import type { VendorPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

/** Vendor ID payload (RFC 7296 3.12): opaque data. */
export const vendorCodec: BodyCodec<VendorPayload> = {
  size: (p) => p.data.length,
  write(p, out, off) {
    return off + p.data.copy(out, off);
  },
  read(r, _type, critical) {
    return markCritical<VendorPayload>({ type: PAYLOAD.VENDOR, data: r.rest() }, critical);
  },
};
