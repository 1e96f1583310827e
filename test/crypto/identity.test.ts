import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Identity,
  bytesToIpv6,
  formatIdentity,
  identityEquals,
  identityFromPayloadBody,
  identityMatches,
  idPayloadBody,
  ipv6ToBytes,
  parseIdentity,
} from '../../src/crypto/identity';
import { decodeDn, encodeDn, formatDn, parseDnText } from '../../src/crypto/x509-dn';
import { ID } from '../../src/wire/iana';

const hex = (b: Buffer): string => b.toString('hex');

describe('parseIdentity type inference', () => {
  it('IPv4 and IPv6 literals', () => {
    assert.deepEqual(parseIdentity('192.0.2.7'), { type: ID.IPV4_ADDR, data: Buffer.from([192, 0, 2, 7]) });
    const v6 = parseIdentity('2001:db8::7');
    assert.equal(v6.type, ID.IPV6_ADDR);
    assert.equal(hex(v6.data), '20010db8000000000000000000000007');
  });

  it('FQDN, UFQDN, strongSwan @ forms and iked prefixes', () => {
    assert.deepEqual(parseIdentity('gw.rig.test'), { type: ID.FQDN, data: Buffer.from('gw.rig.test') });
    assert.deepEqual(parseIdentity('alice@rig.test'), { type: ID.RFC822_ADDR, data: Buffer.from('alice@rig.test') });
    assert.deepEqual(parseIdentity('@gw.rig.test'), { type: ID.FQDN, data: Buffer.from('gw.rig.test') });
    assert.deepEqual(parseIdentity('@#0a0b0c'), { type: ID.KEY_ID, data: Buffer.from([10, 11, 12]) });
    assert.deepEqual(parseIdentity('fqdn/10.0.0.1'), { type: ID.FQDN, data: Buffer.from('10.0.0.1') });
    assert.deepEqual(parseIdentity('ufqdn/bob@x'), { type: ID.RFC822_ADDR, data: Buffer.from('bob@x') });
    assert.deepEqual(parseIdentity('keyid/0xdeadbeef'), { type: ID.KEY_ID, data: Buffer.from('deadbeef', 'hex') });
    assert.equal(parseIdentity('asn1dn/CN=x').type, ID.DER_ASN1_DN);
    assert.deepEqual(parseIdentity('%null'), { type: ID.NULL, data: Buffer.alloc(0) });
  });

  it('forced types', () => {
    assert.deepEqual(parseIdentity('1.2.3.4', ID.FQDN), { type: ID.FQDN, data: Buffer.from('1.2.3.4') });
    assert.throws(() => parseIdentity('gw.rig.test', ID.IPV4_ADDR), /not an IPv4 address/);
    assert.throws(() => parseIdentity('x', ID.DER_ASN1_GN), /cannot parse an identity of type DER_ASN1_GN/);
  });

  it('DNs in both text forms give the same DER', () => {
    const a = parseIdentity('C=DE, O=x, CN=y');
    const b = parseIdentity('/C=DE/O=x/CN=y');
    assert.equal(a.type, ID.DER_ASN1_DN);
    assert.ok(a.data.equals(b.data));
    // Hand-assembled DER: SEQUENCE { SET { SEQ { 2.5.4.6, PrintableString "DE" } },
    //   SET { SEQ { 2.5.4.10, UTF8String "x" } }, SET { SEQ { 2.5.4.3, UTF8String "y" } } }
    assert.equal(
      hex(a.data),
      '3025' + '310b300906035504061302' + '4445' + '310a3008060355040a0c0178' + '310a300806035504030c0179',
    );
  });

  it('a string with "=" but no known attribute is not a DN', () => {
    assert.equal(parseIdentity('a=b@rig.test').type, ID.RFC822_ADDR);
    assert.equal(parseIdentity('x=y').type, ID.FQDN);
    assert.throws(() => parseIdentity('/C=DE/XYZ=1'), /unknown DN attribute "XYZ"/);
    assert.throws(() => parseIdentity('asn1dn/C=DE, CN='), /empty value for CN/);
  });
});

describe('DN encoding and printing', () => {
  it('encodes emailAddress as IA5String, C as PrintableString, others as UTF8String', () => {
    const dn = parseDnText('C=ZZ, O=sw-rig, CN=Jürgen, E=j@rig.test');
    assert.deepEqual(
      dn.map((r) => r[0].tag),
      [0x13, 0x0c, 0x0c, 0x16],
    );
    const back = decodeDn(encodeDn(dn));
    assert.deepEqual(back, dn);
    assert.equal(formatDn(back), 'C=ZZ, O=sw-rig, CN=Jürgen, E=j@rig.test');
  });

  it('prints strongSwan attribute names and round-trips escapes', () => {
    const id = parseIdentity('/C=ZZ/ST=Bern/L=Köniz/OU=a+b/serialNumber=42/SN=Doe/DC=rig/UID=u1/emailAddress=a@b/CN=x\\, y');
    const text = formatIdentity(id);
    assert.equal(text, 'C=ZZ, ST=Bern, L=Köniz, OU=a+b, serialNumber=42, SN=Doe, DC=rig, UID=u1, E=a@b, CN=x\\, y');
    assert.ok(parseIdentity(text).data.equals(id.data));
    assert.ok(parseIdentity('C=ZZ, CN="x, y"').data.equals(parseIdentity('C=ZZ, CN=x\\2c y').data));
  });

  it('prints unknown attribute OIDs dotted and non-string values as hex', () => {
    // SEQUENCE { SET { SEQ { 1.2.3.4, INTEGER 5 } } }
    const der = Buffer.from('300c310a300806032a0304020105', 'hex');
    assert.equal(formatIdentity({ type: ID.DER_ASN1_DN, data: der }), '1.2.3.4=#020105');
    assert.ok(encodeDn(decodeDn(der)).equals(der));
  });

  it('a malformed DN prints as hex instead of throwing', () => {
    assert.equal(formatIdentity({ type: ID.DER_ASN1_DN, data: Buffer.from('3005310330', 'hex') }), '#3005310330');
  });
});

describe('formatIdentity', () => {
  it('prints addresses, names and key ids', () => {
    assert.equal(formatIdentity(parseIdentity('10.1.2.3')), '10.1.2.3');
    assert.equal(formatIdentity(parseIdentity('2001:DB8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
    assert.equal(formatIdentity(parseIdentity('gw.rig.test')), 'gw.rig.test');
    assert.equal(formatIdentity(parseIdentity('a@b')), 'a@b');
    assert.equal(formatIdentity(parseIdentity('@#00ff')), '@#00ff');
    assert.equal(formatIdentity({ type: ID.FQDN, data: Buffer.from('a\nb') }), 'a?b');
    assert.equal(formatIdentity({ type: 200, data: Buffer.from([1]) }), 'ID_200:#01');
  });

  it('IPv6 text <-> bytes per RFC 5952', () => {
    const cases: Array<[string, string]> = [
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ];
    for (const [input, out] of cases) assert.equal(bytesToIpv6(ipv6ToBytes(input)), out, input);
    assert.equal(hex(ipv6ToBytes('::ffff:192.0.2.1')), '00000000000000000000ffffc0000201');
    assert.throws(() => ipv6ToBytes('1::2::3'), /not an IPv6 address/);
  });
});

describe('identityEquals / identityMatches', () => {
  it('DNs compare by RDNs, ignoring case and string type', () => {
    const a = parseIdentity('C=ZZ, O=sw-rig, CN=a.rig.test');
    const b = parseIdentity('/c=zz/o=SW-RIG/cn=A.Rig.Test');
    assert.ok(identityEquals(a, b));
    // Same names as PrintableString (as strongSwan encodes) are equal too.
    const printable: Identity = {
      type: ID.DER_ASN1_DN,
      data: Buffer.from(a.data.toString('latin1').replace(/\x0c/g, '\x13'), 'latin1'),
    };
    assert.ok(!printable.data.equals(a.data));
    assert.ok(identityEquals(a, printable));
    assert.ok(!identityEquals(a, parseIdentity('O=sw-rig, C=ZZ, CN=a.rig.test')));
    assert.ok(!identityEquals(a, parseIdentity('C=ZZ, O=sw-rig, CN=b.rig.test')));
    assert.ok(!identityEquals(a, parseIdentity('C=ZZ, O=sw-rig')));
  });

  it('FQDN and RFC822 compare case-insensitively, addresses bytewise, types must agree', () => {
    assert.ok(identityEquals(parseIdentity('GW.rig.test'), parseIdentity('gw.RIG.test')));
    assert.ok(identityEquals(parseIdentity('A@b.c'), parseIdentity('a@B.c')));
    assert.ok(!identityEquals(parseIdentity('gw.rig.test'), parseIdentity('gw2.rig.test')));
    assert.ok(identityEquals(parseIdentity('::1'), parseIdentity('0:0::1')));
    assert.ok(!identityEquals(parseIdentity('10.0.0.1'), parseIdentity('fqdn/10.0.0.1')));
  });

  it('wildcards in the configured identity', () => {
    const recv = parseIdentity('C=ZZ, O=sw-rig, CN=a.rig.test');
    assert.ok(identityMatches(parseIdentity('C=ZZ, O=sw-rig, CN=*'), recv));
    assert.ok(identityMatches(parseIdentity('C=ZZ, O=*, CN=*'), recv));
    assert.ok(!identityMatches(parseIdentity('C=ZZ, O=other, CN=*'), recv));
    assert.ok(!identityMatches(parseIdentity('C=ZZ, CN=*'), recv));
    assert.ok(!identityMatches(recv, parseIdentity('C=ZZ, O=sw-rig, CN=*')), 'wildcards only on the configured side');
    assert.ok(identityMatches(parseIdentity('*.rig.test'), parseIdentity('a.rig.test')));
    assert.ok(identityMatches(parseIdentity('*.rig.test'), parseIdentity('x.a.RIG.test')));
    assert.ok(!identityMatches(parseIdentity('*.rig.test'), parseIdentity('rig.test')));
    assert.ok(!identityMatches(parseIdentity('*.rig.test'), parseIdentity('a.rig.test.evil')));
    assert.ok(identityMatches(parseIdentity('*@rig.test'), parseIdentity('bob@rig.test')));
    assert.ok(identityMatches(parseIdentity('gw.rig.test'), parseIdentity('GW.rig.test')));
    assert.ok(!identityMatches(parseIdentity('*.rig.test'), parseIdentity('fqdn/*.rig.test', ID.RFC822_ADDR)));
  });
});

describe('ID payload body', () => {
  it('is type | 3 zero bytes | data, and parses back', () => {
    const id = parseIdentity('10.0.0.1');
    assert.equal(hex(idPayloadBody(id)), '010000000a000001');
    assert.deepEqual(identityFromPayloadBody(Buffer.from('02ffffff6777', 'hex')), { type: ID.FQDN, data: Buffer.from('gw') });
    assert.throws(() => identityFromPayloadBody(Buffer.from([1, 0])), /at least 4/);
  });
});
