import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DerReader,
  TAG,
  decodeBitStringFlags,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
} from '../../src/crypto/asn1-reader';
import { derLength, derOid, derSmallInteger, derTlv } from '../../src/crypto/x509-der-encode';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('DerReader', () => {
  it('reads nested elements and never past a length', () => {
    // SEQUENCE { INTEGER 5, SEQUENCE { NULL } } followed by a trailing byte
    const buf = h('3007 020105 30020500 ff');
    const r = new DerReader(buf, 'test');
    const seq = r.sequence('outer');
    assert.equal(decodeSmallInteger(seq.expect(TAG.INTEGER, 'n').value), 5);
    const inner = seq.sequence('inner');
    assert.equal(inner.read('null').tag, TAG.NULL);
    assert.ok(inner.done && seq.done);
    assert.throws(() => r.finish('test'), /1 unexpected trailing bytes/);
  });

  it('names what was read when a length runs past its parent', () => {
    // The SEQUENCE claims 5 content bytes but its INTEGER claims 9.
    const r = new DerReader(h('3005 0209 0102 03'), 'cert');
    const seq = r.sequence('tbs');
    assert.throws(() => seq.read('serialNumber'), /cert: tbs: serialNumber \(INTEGER\): length 9 runs past end \(3 left\)/);
    assert.throws(() => new DerReader(h('3081'), 'x').read('y'), /truncated length field/);
    assert.throws(() => new DerReader(h('30'), 'x').read('y'), /truncated/);
    assert.throws(() => new DerReader(h('3080 0000'), 'x').read('y'), /indefinite length/);
    assert.throws(() => new DerReader(h('3085 0000000001 00'), 'x').read('y'), /too large/);
    assert.throws(() => new DerReader(h('1f01 00'), 'x').read('y'), /high-tag-number/);
    assert.throws(() => new DerReader(h('0500'), 'x').expect(TAG.SEQUENCE, 'name'), /expected SEQUENCE, found NULL/);
  });

  it('reads long-form lengths', () => {
    const body = Buffer.alloc(300, 7);
    const enc = derTlv(TAG.OCTET_STRING, body);
    assert.equal(enc.subarray(0, 4).toString('hex'), '0482012c');
    const el = new DerReader(enc, 'x').read('os');
    assert.ok(el.value.equals(body));
    assert.ok(el.raw.equals(enc));
    assert.equal(derLength(0x7f).toString('hex'), '7f');
    assert.equal(derLength(0x80).toString('hex'), '8180');
  });

  it('OIDs encode and decode', () => {
    for (const oid of ['1.2.840.113549.1.1.11', '2.5.4.3', '0.9.2342.19200300.100.1.25', '2.999.1', '1.3.101.112']) {
      const enc = derOid(oid);
      assert.equal(decodeOid(enc.subarray(2)), oid);
    }
    assert.equal(derOid('1.2.840.113549.1.1.11').toString('hex'), '06092a864886f70d01010b');
    assert.throws(() => decodeOid(h('2a86')), /ends inside an arc/);
  });

  it('times, bit strings, integers', () => {
    assert.equal(decodeTime({ tag: TAG.UTC_TIME, raw: Buffer.alloc(0), value: Buffer.from('491231235959Z') }).toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(decodeTime({ tag: TAG.UTC_TIME, raw: Buffer.alloc(0), value: Buffer.from('500101000000Z') }).toISOString(), '1950-01-01T00:00:00.000Z');
    assert.equal(decodeTime({ tag: TAG.GENERALIZED_TIME, raw: Buffer.alloc(0), value: Buffer.from('20510101000000Z') }).getUTCFullYear(), 2051);
    assert.throws(() => decodeTime({ tag: TAG.UTC_TIME, raw: Buffer.alloc(0), value: Buffer.from('4912312359') }), /malformed UTCTime/);
    // keyUsage digitalSignature + keyCertSign: 03 02 02 84 -> bits 0 and 5
    assert.deepEqual([...decodeBitStringFlags(h('0284'))].sort(), [0, 5]);
    assert.equal(derSmallInteger(128).toString('hex'), '02020080');
    assert.throws(() => decodeSmallInteger(h('ff')), /negative/);
  });
});
