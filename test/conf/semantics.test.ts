/** What the parser builds: defaults, numbers from iana.ts, inferences, options, radius. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/conf/load';
import { CFG_ATTR, DH, ENCR, ESN, ID, INTEG, PRF } from '../../src/wire/iana';
import { expandFlows } from '../../src/conf/flows';
import { parseByteSpec, parseTimeSpec } from '../../src/conf/units';
import { idType } from '../../src/conf/identity';
import type { IkedConfig, PolicyConf } from '../../src/conf/types';

function conf(text: string): IkedConfig {
  const r = parseConfigText(text, 't.conf', { checkPermissions: false, interfaces: () => undefined });
  assert.deepEqual(r.errors, []);
  assert.ok(r.config);
  return r.config;
}
const pol = (text: string): PolicyConf => conf(text + '\n').policies[0];

test('default proposals are iked\'s, in IANA numbers', () => {
  const p = pol('ikev2 from 10.0.0.1 to 10.0.0.2');
  assert.equal(p.ikesa.length, 2);
  assert.deepEqual(p.ikesa[0], {
    encr: [{ id: ENCR.AES_GCM_16, keyBits: 128 }, { id: ENCR.AES_GCM_16, keyBits: 256 }],
    prf: [PRF.HMAC_SHA2_256, PRF.HMAC_SHA2_384, PRF.HMAC_SHA2_512, PRF.HMAC_SHA1],
    integ: [],
    dh: [DH.CURVE25519, DH.ECP_521, DH.ECP_384, DH.ECP_256, DH.MODP_4096, DH.MODP_3072, DH.MODP_2048, DH.MODP_1536, DH.MODP_1024],
  });
  assert.deepEqual(p.ikesa[1].encr, [{ id: 12, keyBits: 256 }, { id: 12, keyBits: 192 }, { id: 12, keyBits: 128 }, { id: 3 }]);
  assert.deepEqual(p.ikesa[1].integ, [INTEG.HMAC_SHA2_256_128, INTEG.HMAC_SHA2_384_192, INTEG.HMAC_SHA2_512_256, INTEG.HMAC_SHA1_96]);
  assert.deepEqual(p.childsa, [
    { encr: [{ id: 20, keyBits: 128 }, { id: 20, keyBits: 256 }], integ: [], dh: [DH.NONE], esn: [ESN.YES, ESN.NO] },
    { encr: [{ id: 12, keyBits: 256 }, { id: 12, keyBits: 192 }, { id: 12, keyBits: 128 }], integ: [12, 13, 14, 2], dh: [0], esn: [1, 0] },
  ]);
  assert.equal(p.ikesaDefault, true);
  assert.equal(p.lifetime.seconds, 10800);
  assert.equal(p.lifetime.bytes, 4294967296);
  assert.equal(p.ikeLifetime, 86400);
  assert.deepEqual(p.auth, { method: 'signature' });
});

test('written transforms fill the missing types from the defaults', () => {
  const p = pol('ikev2 from 10.0.0.1 to 10.0.0.2 ikesa enc aes-256 group ecp256 childsa enc chacha20-poly1305 esn');
  assert.deepEqual(p.ikesa, [{ encr: [{ id: 12, keyBits: 256 }], prf: [5, 6, 7, 2], integ: [12, 13, 14, 2], dh: [19] }]);
  assert.deepEqual(p.childsa, [{ encr: [{ id: ENCR.CHACHA20_POLY1305 }], integ: [], dh: [0], esn: [1] }]);
});

test('algorithm keywords map to IANA numbers', () => {
  const p = pol('ikev2 from 10.0.0.1 to 10.0.0.2 ikesa enc aes-256-gcm-12 prf hmac-sha2-384 group brainpool256 group grp30 group curve448 childsa enc aes-192-ctr enc cast auth hmac-md5 group modp6144');
  assert.deepEqual(p.ikesa[0].encr, [{ id: ENCR.AES_GCM_12, keyBits: 256 }]);
  assert.deepEqual(p.ikesa[0].prf, [PRF.HMAC_SHA2_384]);
  assert.deepEqual(p.ikesa[0].dh, [DH.BRAINPOOL_P256, DH.BRAINPOOL_P512, DH.CURVE448]);
  assert.deepEqual(p.childsa[0].encr, [{ id: ENCR.AES_CTR, keyBits: 192 }, { id: ENCR.CAST, keyBits: 128 }]);
  assert.deepEqual(p.childsa[0].integ, [INTEG.HMAC_MD5_96]);
  assert.deepEqual(p.childsa[0].dh, [DH.MODP_6144]);
});

test('policy names, flags and evaluation order information', () => {
  const c = conf('ikev2 quick from 10.0.0.1 to 10.0.0.2\nikev2 "n" skip from 10.0.0.1 to 10.0.0.2\nuser "u" "p"\nikev2 default from any to any\n');
  assert.deepEqual(c.policies.map((p) => [p.name, p.quick, p.skip, p.isDefault, p.line]), [
    ['policy1', true, false, false, 1],
    ['n', false, true, false, 2],
    ['policy3', false, false, true, 4],
  ]);
  assert.deepEqual(c.users.map((u) => [u.name, u.password, u.line]), [['u', 'p', 3]]);
});

test('local and peer are taken from a single flow; af from them', () => {
  const p = pol('ikev2 from 10.0.0.1 to 10.0.0.0/24');
  assert.equal(p.local?.kind === 'net' && p.local.text, '10.0.0.1');
  assert.equal(p.peer?.kind === 'net' && p.peer.text, '10.0.0.0/24');
  assert.equal(p.af, 4);
  const q = pol('ikev2 active from 10.0.0.0/8 to 10.1.0.0/16 peer 2001:db8::1');
  assert.equal(q.local, undefined);
  assert.equal(q.af, 6);
  assert.deepEqual(q.peer?.kind === 'net' && [...q.peer.addr], [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);
  assert.equal(q.peer?.kind === 'net' && q.peer.prefixLen, 128);
});

test('flows stay as written; expandFlows gives iked\'s flows', () => {
  const p = pol('ikev2 proto { tcp udp } from any to dynamic peer 192.0.2.1');
  assert.deepEqual(p.flows, [{ src: { kind: 'any' }, dst: { kind: 'dynamic' } }]);
  assert.deepEqual(p.protos, [6, 17]);
  const ex = expandFlows(p);
  assert.ok(ex.ok);
  assert.deepEqual(
    ex.flows.map((f) => `${f.proto} ${f.src.text} ${f.dst.text}`),
    ['6 0.0.0.0/0 0.0.0.0', '6 ::/0 ::', '17 0.0.0.0/0 0.0.0.0', '17 ::/0 ::'],
  );
  const n = pol('ikev2 from 10.0.0.0/24 (192.168.0.0/24) port 22 to 10.1.0.0/24 port 80 peer 192.0.2.1');
  assert.equal(n.flows[0].srcPort, 22);
  assert.equal(n.flows[0].dstPort, 80);
  assert.equal(n.flows[0].srcNat?.kind === 'net' && n.flows[0].srcNat.text, '192.168.0.0/24');
});

test('identity types as get_id_type()', () => {
  assert.equal(idType('/C=DE/CN=x'), ID.DER_ASN1_DN);
  assert.equal(idType('192.0.2.1'), ID.IPV4_ADDR);
  assert.equal(idType('2001:db8::1'), ID.IPV6_ADDR);
  assert.equal(idType('a@example.com'), ID.RFC822_ADDR);
  assert.equal(idType('vpn.example.com'), ID.FQDN);
  const p = pol('ikev2 from 10.0.0.1 to 10.0.0.2 srcid a@b.c dstid "/O=x"');
  assert.deepEqual([p.srcid, p.dstid], [{ type: ID.RFC822_ADDR, text: 'a@b.c' }, { type: ID.DER_ASN1_DN, text: '/O=x' }]);
});

test('units', () => {
  assert.deepEqual(parseTimeSpec('10m'), { ok: true, value: 600 });
  assert.deepEqual(parseTimeSpec('2H'), { ok: true, value: 7200 });
  assert.deepEqual(parseTimeSpec('1d'), { ok: true, value: 86400 });
  assert.deepEqual(parseTimeSpec('5y'), { ok: false, message: 'invalid time unit' });
  assert.deepEqual(parseByteSpec('512K'), { ok: true, value: 524288 });
  assert.deepEqual(parseByteSpec('3g'), { ok: true, value: 3 * 2 ** 30 });
  assert.equal(parseByteSpec('x').ok, false);
  const p = pol('ikev2 from 10.0.0.1 to 10.0.0.2 ikelifetime 3h lifetime 15m bytes 64M');
  assert.deepEqual([p.ikeLifetime, p.lifetime], [10800, { seconds: 900, bytes: 64 * 2 ** 20 }]);
});

test('psk forms and auth methods', () => {
  assert.deepEqual(pol('ikev2 from 10.0.0.1 to 10.0.0.2 psk "abc"').auth, { method: 'psk', psk: Buffer.from('abc') });
  assert.deepEqual(pol('ikev2 from 10.0.0.1 to 10.0.0.2 psk 0x00ff10').auth, { method: 'psk', psk: Buffer.from([0, 255, 16]) });
  assert.deepEqual(pol('ikev2 from 10.0.0.1 to 10.0.0.2 ecdsa384').auth, { method: 'ecdsa384' });
  assert.deepEqual(pol('ikev2 from 10.0.0.1 to 10.0.0.2 eap "MSCHAP-V2"').auth, { method: 'eap', eap: 'mschap-v2' });
  assert.deepEqual(pol('ikev2 from 10.0.0.1 to 10.0.0.2 eap radius').auth, { method: 'eap', eap: 'radius' });
});

test('config and request options', () => {
  const p = pol('ikev2 from any to 10.9.0.0/24 local 192.0.2.1 config address 10.9.0.0/24 config name-server 2001:db8::53 request address any');
  assert.deepEqual(p.config.map((c) => [c.option, c.type, c.addr?.kind === 'net' && c.addr.text]), [
    ['address', CFG_ATTR.INTERNAL_IP4_ADDRESS, '10.9.0.0/24'],
    ['name-server', CFG_ATTR.INTERNAL_IP6_DNS, '2001:db8::53'],
  ]);
  assert.deepEqual(p.request, [{ option: 'address', type: CFG_ATTR.INTERNAL_IP4_ADDRESS, addr: { kind: 'any' } }]);
});

test('global options and their defaults', () => {
  assert.deepEqual(conf('user "a" "b"\n').options, {
    mode: 'active', decouple: false, fragmentation: false, mobike: true, enforceSingleIkeSa: false,
    stickyAddress: false, vendorId: true, certPartialChain: false, dpdCheckInterval: 60,
  });
  const o = conf('set passive\nset decouple\nset fragmentation\nset nomobike\nset enforcesingleikesa\nset stickyaddress\nset novendorid\nset cert_partial_chain\nset dpd_check_interval 10\nset ocsp "http://o/" tolerate 2m maxage 1h\nuser "a" "b"\n').options;
  assert.deepEqual(o, {
    mode: 'passive', decouple: true, fragmentation: true, mobike: false, enforceSingleIkeSa: true,
    stickyAddress: true, vendorId: false, certPartialChain: true, dpdCheckInterval: 10,
    ocsp: { url: 'http://o/', tolerate: 120, maxAge: 3600 },
  });
});

test('radius statements', () => {
  const r = conf('radius server 192.0.2.1 secret "a"\nradius accounting server 2001:db8::1 port 9999 secret "b"\nradius max-tries 4\nradius accounting max-failovers 2\nradius config inet6 name-server 311 0x1c\nradius dae listen on 127.0.0.1\nradius dae client 192.0.2.9 secret "c"\nuser "x" "y"\n').radius;
  assert.equal(r.servers[0].port, 1812);
  assert.equal(r.servers[0].secret, 'a');
  assert.equal(r.accountingServers[0].port, 9999);
  assert.equal(r.maxTries, 4);
  assert.equal(r.accountingMaxTries, 3);
  assert.equal(r.accountingMaxFailovers, 2);
  assert.deepEqual(r.config, [{ option: 'name-server', cfgType: CFG_ATTR.INTERNAL_IP6_DNS, vendor: 311, attr: 28 }]);
  assert.equal(r.daeListen[0].port, 3799);
  assert.equal(r.daeClients[0].secret, 'c');
});

test('unsupported features parse and warn once', () => {
  const r = parseConfigText('ikev2 rdomain 1 from 10.0.0.1 to 10.0.0.2 tap enc0\nikev2 rdomain 2 from 10.0.0.3 to 10.0.0.4 tap enc1\n', 't', { checkPermissions: false });
  assert.deepEqual(r.errors, []);
  assert.equal(r.warnings.filter((w) => /rdomain/.test(w.message)).length, 1);
  assert.equal(r.warnings.filter((w) => /tap/.test(w.message)).length, 1);
  assert.equal(r.config?.policies[1].rdomain, 2);
});

test('never throws on garbage', () => {
  for (const text of ['\u0000\u0001\u0002', '"', "'", '{{{{', 'ikev2 ' + 'from '.repeat(1000), '$', '\\', 'a = ', '-', 'ikev2 from 10.0.0.1/ to']) {
    const r = parseConfigText(text, 'g', { checkPermissions: false });
    assert.ok(r.errors.length > 0 || r.config, JSON.stringify(text));
  }
});
