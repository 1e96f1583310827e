import { DecodeError } from '../../../wire/decode-error';
import { NOTIFY, PAYLOAD, PROTOCOL, TRANSFORM_ATTR } from '../../../wire/iana';
import type { Attribute, Proposal, SaPayload, Transform } from '../payload-types';
import type { Reader } from '../../../wire/reader';
import { type BodyCodec, markCritical } from './body-codec';

/** Substructure "last" markers (RFC 7296 3.3.1, 3.3.2). */
const MORE_PROPOSALS = 2;
const MORE_TRANSFORMS = 3;
const AF_TV = 0x8000;

function fail(msg: string): never {
  throw new DecodeError(`SA payload: ${msg}`, NOTIFY.INVALID_SYNTAX, PAYLOAD.SA);
}

function attributesSize(t: Transform): number {
  let n = t.keyLength !== undefined ? 4 : 0;
  if (t.extraAttributes) for (const a of t.extraAttributes) n += typeof a.value === 'number' ? 4 : 4 + a.value.length;
  return n;
}

function transformSize(t: Transform): number {
  return 8 + attributesSize(t);
}

function proposalSize(p: Proposal): number {
  let n = 8 + p.spi.length;
  for (const t of p.transforms) n += transformSize(t);
  return n;
}

function writeAttribute(a: Attribute, out: Buffer, off: number): number {
  if (typeof a.value === 'number') {
    out.writeUInt16BE(AF_TV | (a.type & 0x7fff), off);
    out.writeUInt16BE(a.value, off + 2);
    return off + 4;
  }
  out.writeUInt16BE(a.type & 0x7fff, off);
  out.writeUInt16BE(a.value.length, off + 2);
  return off + 4 + a.value.copy(out, off + 4);
}

function writeTransform(t: Transform, last: boolean, out: Buffer, off: number): number {
  const len = transformSize(t);
  out[off] = last ? 0 : MORE_TRANSFORMS;
  out[off + 1] = 0;
  out.writeUInt16BE(len, off + 2);
  out.writeUInt8(t.type, off + 4);
  out[off + 5] = 0;
  out.writeUInt16BE(t.id, off + 6);
  let o = off + 8;
  if (t.keyLength !== undefined) {
    out.writeUInt16BE(AF_TV | TRANSFORM_ATTR.KEY_LENGTH, o);
    out.writeUInt16BE(t.keyLength, o + 2);
    o += 4;
  }
  if (t.extraAttributes) for (const a of t.extraAttributes) o = writeAttribute(a, out, o);
  return o;
}

function readTransform(r: Reader, pi: number, ti: number, isLast: boolean): Transform {
  const where = `proposal ${pi} transform ${ti}`;
  const last = r.u8();
  r.u8();
  const len = r.u16();
  if (last !== 0 && last !== MORE_TRANSFORMS) fail(`${where}: invalid last-substructure value ${last}`);
  if ((last === 0) !== isLast) fail(`${where}: last-substructure value ${last} disagrees with the transform count`);
  if (len < 8) fail(`${where}: length ${len} is less than 8`);
  if (len - 4 > r.remaining) fail(`${where}: length ${len} exceeds the ${r.remaining + 4} bytes left in the proposal`);
  const tr = r.sub(len - 4, `SA payload ${where}`);
  const type = tr.u8();
  tr.u8();
  const id = tr.u16();
  const t: Transform = { type, id };
  while (tr.remaining > 0) {
    const word = tr.u16();
    const atype = word & 0x7fff;
    if (word & AF_TV) {
      const value = tr.u16();
      if (atype === TRANSFORM_ATTR.KEY_LENGTH) {
        if (t.keyLength !== undefined) fail(`${where}: duplicate KEY_LENGTH attribute`);
        t.keyLength = value;
      } else {
        (t.extraAttributes ??= []).push({ type: atype, value });
      }
    } else {
      const alen = tr.u16();
      if (alen > tr.remaining) fail(`${where}: attribute ${atype} length ${alen} exceeds the ${tr.remaining} bytes left`);
      if (atype === TRANSFORM_ATTR.KEY_LENGTH) fail(`${where}: KEY_LENGTH attribute must be in TV format`);
      (t.extraAttributes ??= []).push({ type: atype, value: tr.bytes(alen) });
    }
  }
  return t;
}

function checkSpiSize(pi: number, protocol: number, spiSize: number): void {
  let ok: boolean;
  if (protocol === PROTOCOL.IKE) ok = spiSize === 0 || spiSize === 8;
  else if (protocol === PROTOCOL.AH || protocol === PROTOCOL.ESP) ok = spiSize === 4;
  else ok = spiSize === 0 || spiSize === 4 || spiSize === 8;
  if (!ok) fail(`proposal ${pi}: SPI size ${spiSize} invalid for protocol ${protocol}`);
}

/** Security Association payload (RFC 7296 3.3). */
export const saCodec: BodyCodec<SaPayload> = {
  size(p) {
    let n = 0;
    for (const pr of p.proposals) n += proposalSize(pr);
    return n;
  },
  write(p, out, off) {
    const np = p.proposals.length;
    for (let i = 0; i < np; i++) {
      const pr = p.proposals[i];
      const start = off;
      out[off] = i === np - 1 ? 0 : MORE_PROPOSALS;
      out[off + 1] = 0;
      // length patched below
      out.writeUInt8(pr.num, off + 4);
      out.writeUInt8(pr.protocol, off + 5);
      out.writeUInt8(pr.spi.length, off + 6);
      out.writeUInt8(pr.transforms.length, off + 7);
      off += 8;
      off += pr.spi.copy(out, off);
      const nt = pr.transforms.length;
      for (let j = 0; j < nt; j++) off = writeTransform(pr.transforms[j], j === nt - 1, out, off);
      out.writeUInt16BE(off - start, start + 2);
    }
    return off;
  },
  read(r, _type, critical) {
    const proposals: Proposal[] = [];
    let prevNum = 0;
    while (r.remaining > 0) {
      const pi = proposals.length + 1;
      const last = r.u8();
      r.u8();
      const len = r.u16();
      if (last !== 0 && last !== MORE_PROPOSALS) fail(`proposal ${pi}: invalid last-substructure value ${last}`);
      if (len < 8) fail(`proposal ${pi}: length ${len} is less than 8`);
      if (len - 4 > r.remaining) fail(`proposal ${pi}: length ${len} exceeds the ${r.remaining + 4} bytes left`);
      const pr = r.sub(len - 4, `SA payload proposal ${pi}`);
      if (last === 0 && r.remaining !== 0) fail(`proposal ${pi} is marked last but ${r.remaining} bytes follow`);
      if (last === MORE_PROPOSALS && r.remaining === 0) fail(`proposal ${pi} announces more proposals but none follow`);
      const num = pr.u8();
      const protocol = pr.u8();
      const spiSize = pr.u8();
      const count = pr.u8();
      // an accepted proposal comes back alone with the number it had in the offer (RFC 7296 3.3.1)
      const alone = prevNum === 0 && last === 0;
      if (alone ? num === 0 : prevNum === 0 ? num !== 1 : num !== prevNum && num !== prevNum + 1) {
        fail(`proposal number ${num} follows ${prevNum} (must start at 1 and increase by 0 or 1; a lone accepted proposal keeps its number)`);
      }
      prevNum = num;
      checkSpiSize(pi, protocol, spiSize);
      const spi = pr.bytes(spiSize);
      const transforms: Transform[] = [];
      for (let j = 1; j <= count; j++) {
        if (pr.remaining === 0) fail(`proposal ${pi}: announces ${count} transforms, has ${j - 1}`);
        transforms.push(readTransform(pr, pi, j, j === count));
      }
      pr.expectEnd(`SA payload proposal ${pi} (after ${count} transforms)`);
      proposals.push({ num, protocol, spi, transforms });
    }
    if (proposals.length === 0) fail('no proposals');
    return markCritical<SaPayload>({ type: PAYLOAD.SA, proposals }, critical);
  },
};
