/**
 * Unit tests (no root) for the interop harness parsers: swanctl --list-sas --raw
 * output captured from real charon<->charon runs (test/interop/fixtures),
 * compareSa / compareSwanPair, strongSwan<->IANA names, tcpdump line classes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseListSas, parseViciRaw, SwanSa } from './lib/swanctl-parse';
import { compareSa, compareSwanPair, OurSa, splitHostPort } from './lib/compare-sa';
import { isKnownIanaName, swanToIana } from './lib/swan-names';
import { classify } from './lib/sniff';

function fixture(name: string): string {
  // works from test/interop (tsx) and from dist/test/interop (compiled; fixtures are not copied)
  for (const dir of [join(__dirname, 'fixtures'), join(__dirname, '..', '..', '..', 'test', 'interop', 'fixtures')]) {
    if (existsSync(join(dir, name))) return readFileSync(join(dir, name), 'utf8');
  }
  throw new Error(`fixture ${name} not found near ${__dirname}`);
}

test('parses a real initiator list-sas dump (AES-GCM, ECP_256)', () => {
  const sas = parseListSas(fixture('list-sas-gcm-initiator.txt'));
  assert.equal(sas.length, 1);
  const sa = sas[0];
  assert.equal(sa.name, 't');
  assert.equal(sa.state, 'ESTABLISHED');
  assert.equal(sa.version, 2);
  assert.equal(sa.spiI, '586408d90789923b');
  assert.match(sa.spiR, /^[0-9a-f]{16}$/);
  assert.equal(sa.localHost, '192.0.2.1');
  assert.equal(sa.localPort, 4500);
  assert.equal(sa.remoteHost, '192.0.2.2');
  assert.equal(sa.remotePort, 4500);
  assert.equal(sa.localId, 'a.test');
  assert.equal(sa.remoteId, 'b.test');
  assert.equal(sa.initiator, true);
  assert.equal(sa.encr, 'AES_GCM_16');
  assert.equal(sa.encrKeySize, 128);
  assert.equal(sa.integ, undefined);
  assert.equal(sa.prf, 'PRF_HMAC_SHA2_256');
  assert.equal(sa.dh, 'ECP_256');
  assert.equal(sa.natLocal, undefined);
  assert.equal(sa.natRemote, true);
  assert.equal(sa.children.length, 1);
  const c = sa.children[0];
  assert.equal(c.name, 'net');
  assert.equal(c.uniqueId, 1);
  assert.equal(c.state, 'INSTALLED');
  assert.equal(c.mode, 'TUNNEL');
  assert.equal(c.protocol, 'ESP');
  assert.equal(c.encap, true);
  assert.match(c.spiIn, /^[0-9a-f]{8}$/);
  assert.match(c.spiOut, /^[0-9a-f]{8}$/);
  assert.equal(c.encr, 'AES_GCM_16');
  assert.equal(c.encrKeySize, 128);
  assert.deepEqual(c.localTs, ['10.1.0.0/24']);
  assert.deepEqual(c.remoteTs, ['10.2.0.0/24']);
  assert.equal(c.bytesIn, 252);
  assert.equal(c.packetsOut, 3);
});

test('initiator and responder dumps of one SA mirror each other', () => {
  const [i] = parseListSas(fixture('list-sas-gcm-initiator.txt'));
  const [r] = parseListSas(fixture('list-sas-gcm-responder.txt'));
  assert.equal(r.initiator, false);
  assert.deepEqual(compareSwanPair(i, r), []);
  assert.equal(i.children[0].spiIn, r.children[0].spiOut);
  // and a mismatch is reported
  const bad: SwanSa = { ...r, children: [{ ...r.children[0], localTs: ['10.9.0.0/24'] }] };
  assert.ok(compareSwanPair(i, bad).some((m) => m.includes('10.9.0.0/24')));
});

test('parses CBC + integrity + MODP and ChaCha20/Curve25519 dumps', () => {
  const [cbc] = parseListSas(fixture('list-sas-cbc-modp-initiator.txt'));
  assert.equal(cbc.encr, 'AES_CBC');
  assert.equal(cbc.encrKeySize, 256);
  assert.equal(cbc.integ, 'HMAC_SHA2_384_192');
  assert.equal(cbc.prf, 'PRF_HMAC_SHA2_384');
  assert.equal(cbc.dh, 'MODP_2048');
  assert.equal(cbc.children[0].integ, 'HMAC_SHA2_256_128');
  assert.equal(cbc.children[0].encrKeySize, 256);
  const [cc] = parseListSas(fixture('list-sas-chacha-x25519-initiator.txt'));
  assert.equal(cc.encr, 'CHACHA20_POLY1305');
  assert.equal(cc.encrKeySize, undefined);
  assert.equal(cc.prf, 'PRF_HMAC_SHA2_512');
  assert.equal(cc.dh, 'CURVE_25519');
  assert.equal(cc.children[0].encr, 'CHACHA20_POLY1305');
});

test('an unquoted DN identity with spaces and "=" stays one value', () => {
  const [sa] = parseListSas(fixture('list-sas-dn-id-initiator.txt'));
  assert.equal(sa.localId, 'C=ZZ, O=t x, CN=a.test');
  assert.equal(sa.localHost, '192.0.2.1');
  assert.equal(sa.remoteHost, '192.0.2.2');
  assert.equal(sa.remoteId, 'b.test');
});

test('NAT dumps: initiator sees nat-local, responder sees the public address', () => {
  const [i] = parseListSas(fixture('list-sas-nat-initiator.txt'));
  const [r] = parseListSas(fixture('list-sas-nat-responder.txt'));
  assert.equal(i.natLocal, true);
  assert.equal(i.localHost, '172.16.0.2');
  assert.equal(r.natLocal, undefined);
  assert.equal(r.remoteHost, '192.0.2.1');
  assert.deepEqual(compareSwanPair(i, r, 'x-behind-nat'), []);
  assert.ok(compareSwanPair(i, r, 'none').some((m) => m.includes('172.16.0.2')));
});

test('generic vici raw parsing: lists, nested sections, empty replies, malformed input', () => {
  const msgs = parseViciRaw('list-sas reply {}\nsome log line\nx {a=1 l=[p q] s {b=two words c=3} d=}\n');
  assert.equal(msgs.length, 2);
  assert.deepEqual(msgs[0], { name: 'list-sas reply', body: {} });
  assert.deepEqual(msgs[1].body, { a: '1', l: ['p', 'q'], s: { b: 'two words', c: '3' }, d: '' });
  assert.throws(() => parseViciRaw('x {a=1 s {b=2}'), /missing '}'|unterminated/);
  assert.deepEqual(parseListSas('list-sas reply {}\n'), []);
});

function oursFrom(theirs: SwanSa): OurSa {
  // what our daemon should report when it is the peer of `theirs`
  return {
    name: 'peer',
    state: 'ESTABLISHED',
    ikeSpiI: theirs.spiI,
    ikeSpiR: theirs.spiR,
    local: `${theirs.remoteHost}:${theirs.remotePort}`,
    remote: `${theirs.localHost}:${theirs.localPort}`,
    localId: theirs.remoteId,
    remoteId: theirs.localId,
    initiator: !theirs.initiator,
    encr: 'AES_GCM_16',
    encrKeyBits: 128,
    integ: null,
    prf: 'HMAC_SHA2_256',
    dh: 'ECP_256',
    natLocal: false,
    natRemote: true,
    children: theirs.children.map((c) => ({
      spiIn: c.spiOut,
      spiOut: c.spiIn,
      protocol: 'ESP',
      mode: 'tunnel',
      encr: 'AES_GCM_16',
      encrKeyBits: 128,
      integ: null,
      dh: null,
      tsLocal: c.remoteTs,
      tsRemote: c.localTs,
      encap: true,
    })),
  };
}

test('compareSa: our JSON view vs charon agrees, and each kind of mismatch is reported', () => {
  const [r] = parseListSas(fixture('list-sas-gcm-responder.txt'));
  const ours = oursFrom(r);
  assert.deepEqual(compareSa(ours, r, { initiator: 'ours' }), []);
  const m = (o: Partial<OurSa>) => compareSa({ ...ours, ...o }, r);
  assert.ok(m({ ikeSpiI: '0000000000000001' }).some((x) => x.startsWith('IKE SPIi')));
  assert.ok(m({ prf: 'HMAC_SHA2_384' }).some((x) => x.startsWith('IKE prf')));
  assert.ok(m({ dh: 'CURVE25519' }).some((x) => x.startsWith('IKE dh')));
  assert.ok(m({ integ: 'HMAC_SHA2_256_128' }).some((x) => x.startsWith('IKE integ')));
  assert.ok(m({ encrKeyBits: 256 }).some((x) => x.startsWith('IKE encr key bits')));
  assert.ok(m({ local: '192.0.2.9:4500' }).some((x) => x.includes('our local vs their remote address')));
  assert.ok(m({ remote: '192.0.2.2:500' }).some((x) => x.includes('our remote vs their local port')));
  assert.ok(m({ localId: 'x.test' }).some((x) => x.includes('localId')));
  assert.ok(m({ initiator: false }).some((x) => x.includes('both ends claim initiator')));
  assert.ok(m({ children: [] }).some((x) => x.startsWith('CHILD_SA count')));
  const c0 = ours.children[0];
  assert.ok(m({ children: [{ ...c0, spiIn: '01020304' }] }).some((x) => x.includes('no CHILD_SA with spiOut=01020304')));
  assert.ok(m({ children: [{ ...c0, spiOut: '01020304' }] }).some((x) => x.includes('spiOut (= their spiIn)')));
  assert.ok(m({ children: [{ ...c0, encap: false }] }).some((x) => x.includes('encap')));
  assert.ok(m({ children: [{ ...c0, mode: 'transport' }] }).some((x) => x.includes('mode')));
  assert.ok(m({ children: [{ ...c0, tsLocal: ['10.2.0.0/16'] }] }).some((x) => x.includes('tsLocal')));
  assert.ok(compareSa(ours, r, { initiator: 'theirs' }).some((x) => x.includes('initiator flag')));
});

test('compareSa behind NAT checks the NAT flags, not our private address', () => {
  const [resp] = parseListSas(fixture('list-sas-nat-responder.txt'));
  const ours = { ...oursFrom(resp), local: '172.16.0.2:4500', natLocal: true };
  assert.deepEqual(compareSa(ours, resp, { nat: 'ours-behind-nat' }), []);
  assert.ok(compareSa(ours, resp).some((x) => x.includes('our local vs their remote address')));
  assert.ok(compareSa({ ...ours, natLocal: false }, resp, { nat: 'ours-behind-nat' }).some((x) => x.includes('natLocal')));
});

test('strongSwan algorithm names map to the IANA names of src/wire/iana.ts', () => {
  const cases: [Parameters<typeof swanToIana>[0], string, string][] = [
    ['encr', 'AES_GCM_16', 'AES_GCM_16'],
    ['encr', 'AES_CBC', 'AES_CBC'],
    ['encr', 'CHACHA20_POLY1305', 'CHACHA20_POLY1305'],
    ['integ', 'HMAC_SHA2_256_128', 'HMAC_SHA2_256_128'],
    ['prf', 'PRF_HMAC_SHA2_256', 'HMAC_SHA2_256'],
    ['prf', 'PRF_AES128_XCBC', 'AES128_XCBC'],
    ['dh', 'ECP_256', 'ECP_256'],
    ['dh', 'CURVE_25519', 'CURVE25519'],
    ['dh', 'MODP_2048', 'MODP_2048'],
    ['dh', 'ECP_256_BP', 'BRAINPOOL_P256'],
  ];
  for (const [kind, swan, iana] of cases) {
    assert.equal(swanToIana(kind, swan), iana);
    assert.ok(isKnownIanaName(kind, iana), `${iana} must exist in iana.ts ${kind}`);
  }
  assert.ok(!isKnownIanaName('dh', 'CURVE_25519'));
});

test('splitHostPort handles IPv4, bracketed IPv6 and bare addresses', () => {
  assert.deepEqual(splitHostPort('192.0.2.1:4500'), { host: '192.0.2.1', port: 4500 });
  assert.deepEqual(splitHostPort('[2001:db8::1]:500'), { host: '2001:db8::1', port: 500 });
  assert.deepEqual(splitHostPort('2001:db8::1'), { host: '2001:db8::1' });
});

test('tcpdump lines are classified (ESP-in-UDP, IKE on 500/4500, cleartext ICMP)', () => {
  const c = classify([
    '12:00:00.000000 IP 192.0.2.1.500 > 192.0.2.2.500: isakmp: parent_sa ikev2_init[I]',
    '12:00:00.000000 IP 192.0.2.1.4500 > 192.0.2.2.4500: NONESP-encap: isakmp: child_sa  ikev2_auth[I]',
    '12:00:00.000000 IP 192.0.2.1.4500 > 192.0.2.2.4500: UDP-encap: ESP(spi=0x5fd9039a,seq=0x1), length 120',
    '12:00:00.000000 IP 192.0.2.1 > 192.0.2.2: ESP(spi=0x5fd9039a,seq=0x2), length 120',
    '12:00:00.000000 IP 10.1.0.1 > 10.2.0.1: ICMP echo request, id 1, seq 1, length 64',
    '12:00:00.000000 IP 192.0.2.1.4500 > 192.0.2.2.4500: isakmp-nat-keep-alive',
    '12:00:00.000000 ARP, Request who-has 192.0.2.2 tell 192.0.2.1, length 28',
  ]);
  assert.deepEqual(
    { ike500: c.ike500, ikeNatT: c.ikeNatT, espInUdp: c.espInUdp, esp: c.esp, icmp: c.icmp, keepalive: c.keepalive, other: c.other },
    { ike500: 1, ikeNatT: 1, espInUdp: 1, esp: 1, icmp: 1, keepalive: 1, other: 1 },
  );
});
