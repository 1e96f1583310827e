import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD, TS } from '../../../wire/iana';
import type { TrafficSelector, TsPayload } from '../payload-types';
import { type BodyCodec, markCritical } from './body-codec';

function selectorLength(tsType: number): number {
  if (tsType === TS.IPV4_ADDR_RANGE) return 16;
  if (tsType === TS.IPV6_ADDR_RANGE) return 40;
  return -1;
}

/** Traffic Selector payloads TSi/TSr (RFC 7296 3.13): count(1) reserved(3) selectors. */
export const tsCodec: BodyCodec<TsPayload> = {
  size(p) {
    let n = 4;
    for (const s of p.selectors) n += 8 + s.startAddr.length + s.endAddr.length;
    return n;
  },
  write(p, out, off) {
    out.writeUInt8(p.selectors.length, off);
    out[off + 1] = 0;
    out[off + 2] = 0;
    out[off + 3] = 0;
    off += 4;
    for (const s of p.selectors) {
      const len = 8 + s.startAddr.length + s.endAddr.length;
      if (selectorLength(s.tsType) !== len) {
        throw new RangeError(`traffic selector type ${s.tsType} with ${s.startAddr.length}/${s.endAddr.length}-byte addresses`);
      }
      out.writeUInt8(s.tsType, off);
      out.writeUInt8(s.ipProtocol, off + 1);
      out.writeUInt16BE(len, off + 2);
      out.writeUInt16BE(s.startPort, off + 4);
      out.writeUInt16BE(s.endPort, off + 6);
      off += 8;
      off += s.startAddr.copy(out, off);
      off += s.endAddr.copy(out, off);
    }
    return off;
  },
  read(r, type, critical) {
    const name = type === PAYLOAD.TSi ? 'TSi' : 'TSr';
    const fail = (msg: string): never => {
      throw new DecodeError(`${name} payload: ${msg}`, NOTIFY.INVALID_SYNTAX, type);
    };
    const count = r.u8();
    r.bytes(3);
    const selectors: TrafficSelector[] = [];
    for (let i = 1; i <= count; i++) {
      if (r.remaining === 0) fail(`announces ${count} selectors, has ${i - 1}`);
      const tsType = r.u8();
      const ipProtocol = r.u8();
      const len = r.u16();
      const want = selectorLength(tsType);
      if (want < 0) fail(`selector ${i}: unsupported TS type ${tsType}`);
      if (len !== want) fail(`selector ${i}: length ${len}, must be ${want} for TS type ${tsType}`);
      const startPort = r.u16();
      const endPort = r.u16();
      // start > end is only allowed for OPAQUE (65535..0), RFC 7296 3.13.1.
      if (startPort > endPort && !(startPort === 0xffff && endPort === 0)) {
        fail(`selector ${i}: start port ${startPort} > end port ${endPort}`);
      }
      const alen = (want - 8) / 2;
      const startAddr = r.bytes(alen);
      const endAddr = r.bytes(alen);
      selectors.push({ tsType, ipProtocol, startPort, endPort, startAddr, endAddr });
    }
    r.expectEnd(`${name} payload (after ${count} selectors)`);
    const t = type === PAYLOAD.TSi ? PAYLOAD.TSi : PAYLOAD.TSr;
    return markCritical<TsPayload>({ type: t, selectors }, critical);
  },
};
