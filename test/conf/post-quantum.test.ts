/**
 * The post-quantum options of iked.conf: ML-KEM group names, RFC 9370
 * additional key exchanges (`ke1` .. `ke7`) in ikesa/childsa proposals, and
 * the RFC 8784 PPK (`ppk ID KEY [required]`): what the parser builds, in
 * iana.ts numbers, and how the printer shows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/conf/load';
import { printPolicy } from '../../src/conf/printer';
import { ppkIdText } from '../../src/conf/ppk';
import { ParseContext } from '../../src/conf/parse-context';
import { buildPolicy, RawPolicy } from '../../src/conf/policy-build';
import { DH } from '../../src/wire/iana';
import type { PolicyConf } from '../../src/conf/types';

const BASE = 'ikev2 "q" passive from 10.0.0.1 to 10.0.0.2';

function parse(text: string, files: Record<string, string> = {}) {
  return parseConfigText(text + '\n', 't.conf', {
    checkPermissions: false,
    interfaces: () => undefined,
    readFile: (p) => {
      if (!(p in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return files[p];
    },
  });
}

function pol(text: string, files?: Record<string, string>): PolicyConf {
  const r = parse(text, files);
  assert.deepEqual(r.errors, []);
  assert.ok(r.config);
  return r.config.policies[0];
}

test('mlkem512/768/1024 are the IANA key exchange methods 35, 36, 37', () => {
  assert.deepEqual([DH.ML_KEM_512, DH.ML_KEM_768, DH.ML_KEM_1024], [35, 36, 37]);
  const p = pol(`${BASE} ikesa enc aes-256-gcm group mlkem512 group mlkem768 group mlkem1024 childsa enc aes-256-gcm group mlkem768`);
  assert.deepEqual(p.ikesa[0].dh, [35, 36, 37]);
  assert.deepEqual(p.childsa[0].dh, [36]);
  assert.equal(p.ikesa[0].addke, undefined);
});

test('ke1..ke7: addke[n-1] lists the values of ken in order, none is 0, skipped ones are []', () => {
  const p = pol(`${BASE} ikesa enc aes-256-gcm group curve25519 ke3 mlkem1024 ke1 mlkem768 ke1 none ke3 mlkem512`);
  assert.deepEqual(p.ikesa, [
    { encr: [{ id: 20, keyBits: 256 }], prf: p.ikesa[0].prf, integ: [], dh: [DH.CURVE25519], addke: [[36, 0], [], [37, 35]] },
  ]);
  const all = pol(`${BASE} ikesa enc aes-128-gcm group ecp256 ke7 none ke1 mlkem768`).ikesa[0].addke;
  assert.deepEqual(all, [[36], [], [], [], [], [], [0]]);
});

test('a proposal split by iked (no enc written: AEAD and non-AEAD) carries the additional key exchanges in both', () => {
  const p = pol(`${BASE} ikesa group curve25519 ke1 mlkem768 childsa group ecp384 ke2 mlkem1024`);
  assert.equal(p.ikesa.length, 2);
  for (const s of p.ikesa) assert.deepEqual(s.addke, [[36]]);
  assert.equal(p.childsa.length, 2);
  for (const s of p.childsa) assert.deepEqual([s.dh, s.addke], [[DH.ECP_384], [[], [37]]]);
});

test('without ken there is no addke property (the default proposals are unchanged)', () => {
  const p = pol(`${BASE} ikesa enc aes-256 group ecp256`);
  assert.equal('addke' in p.ikesa[0], false);
  assert.equal(pol(BASE).ikesa.some((s) => 'addke' in s), false);
});

test('ken errors name the line and what is wrong', () => {
  const cases: [string, string][] = [
    ['ikesa enc aes-256 group ecp256 ke8 mlkem768', 'unknown transform ke8: additional key exchanges are ke1 to ke7'],
    ['ikesa enc aes-256 group ecp256 ke0 mlkem768', 'unknown transform ke0: additional key exchanges are ke1 to ke7'],
    ['ikesa enc aes-256 group ecp256 ke1', 'ke1 needs a key exchange method: a group name or none'],
    ['ikesa group ecp256 ke4 kyber', 'kyber not a valid key exchange method for ke4'],
    ['ikesa enc aes-256 ke1 mlkem768', 'ke1 without a group in this ikesa proposal: additional key exchanges (RFC 9370) follow the main key exchange'],
    ['childsa enc aes-256-gcm group none ke1 mlkem768', 'ke1 with only group none in this childsa proposal: additional key exchanges (RFC 9370) need a PFS group'],
  ];
  for (const [tail, message] of cases) {
    const r = parse(`# line 1\n${BASE} ${tail}`);
    assert.deepEqual(r.errors, [{ file: 't.conf', line: 2, message }], tail);
  }
  // The group may come after the ken, and group none next to a real group is fine in a childsa.
  pol(`${BASE} ikesa ke1 mlkem768 enc aes-256 group ecp256 childsa ke1 mlkem768 group none group ecp256`);
});

test('ppk: ID from a string, a bare word, a number or 0x hex; key as psk; required', () => {
  const key = Buffer.alloc(32, 0xa5);
  const hexKey = `0x${key.toString('hex')}`;
  const a = pol(`${BASE} psk "s" ppk "ppk-2026" ${hexKey} required`);
  assert.deepEqual(a.ppk, { id: Buffer.from('ppk-2026'), key, required: true });
  assert.deepEqual(a.auth, { method: 'psk', psk: Buffer.from('s') });
  const b = pol(`${BASE} ppk 0x00ff10 "0123456789abcdef0123456789abcdef" rsa`);
  assert.deepEqual(b.ppk, { id: Buffer.from([0, 255, 16]), key: Buffer.from('0123456789abcdef0123456789abcdef'), required: false });
  assert.deepEqual(b.auth, { method: 'rsa' });
  const c = pol(`${BASE} ppk 2026 file "/k"`, { '/k': key.toString('hex') });
  assert.deepEqual(c.ppk, { id: Buffer.from('2026'), key, required: false });
  assert.equal(pol(`${BASE} ppk bare ${hexKey}`).ppk?.id.toString(), 'bare');
  assert.equal(pol(BASE).ppk, undefined);
});

test('ppk: a short key warns (RFC 8784: 256 bits), errors are specific', () => {
  const r = parse(`${BASE} ppk "i" "short"`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map((w) => w.message), ['ppk is only 5 bytes: RFC 8784 asks for at least 256 bits of entropy (32 random bytes)']);
  const k = `0x${'11'.repeat(32)}`;
  const cases: [string, string][] = [
    ['ppk', 'syntax error, unexpected end of line, expecting PPK identity'],
    ['ppk "i"', 'syntax error, unexpected end of line, expecting post-quantum preshared key'],
    [`ppk 0x1 ${k}`, 'ppk identity: 0x needs pairs of hex digits'],
    [`ppk 0xzz ${k}`, 'ppk identity: 0x needs pairs of hex digits'],
    [`ppk "" ${k}`, 'ppk identity is empty'],
    [`ppk "${'x'.repeat(1024)}" ${k}`, 'ppk identity too long (at most 1023 bytes)'],
    ['ppk "i" ""', 'ppk is empty'],
    ['ppk "i" 0x1z', 'keys need to be specified in hex digits'],
    [`ppk "i" 0x${'00'.repeat(1025)}`, 'ppk too long'],
    [`ppk "i" ${k} psk "x" ppk "j" ${k}`, 'ppk given twice'],
    [`ppk "i" file "/missing"`, 'open /missing: ENOENT'],
  ];
  for (const [tail, message] of cases) {
    assert.deepEqual(parse(`${BASE} ${tail}`).errors.map((e) => e.message), [message], tail);
  }
});

test('the printer: ke after group, ppk after the authentication, ID quoted only when it reads back', () => {
  const k = `0x${'ab'.repeat(32)}`;
  const p = pol(`${BASE} ikesa enc aes-256-gcm group curve25519 ke1 mlkem768 ke1 none childsa enc aes-256-gcm group ecp256 ke2 mlkem512 esn eap "mschap-v2" ppk "id" ${k} required`);
  const s = printPolicy(p);
  assert.match(s, / ikesa enc aes-256-gcm prf hmac-sha2-256 prf hmac-sha2-384 prf hmac-sha2-512 prf hmac-sha1 group curve25519 ke1 mlkem768 ke1 none /);
  assert.match(s, / childsa enc aes-256-gcm group ecp256 ke2 mlkem512 esn /);
  assert.ok(s.endsWith(` eap "MSCHAP_V2" ppk "id" ${k} required`), s);
  assert.equal(ppkIdText(Buffer.from('ppk-2026')), '"ppk-2026"');
  assert.equal(ppkIdText(Buffer.from('0x12')), '0x30783132', 'a string starting with 0x would read back as hex');
  assert.equal(ppkIdText(Buffer.from('a"b')), '0x612262');
  assert.equal(ppkIdText(Buffer.from([0, 1, 0xff])), '0x0001ff');
  assert.equal(ppkIdText(Buffer.from('é')), '0xc3a9');
  const again = pol(s);
  assert.deepEqual([again.ikesa, again.childsa, again.ppk, again.auth], [p.ikesa, p.childsa, p.ppk, p.auth]);
});

test('a rule that fails after its keys were read zeroes them', () => {
  const ctx = new ParseContext({ checkPermissions: false, readFile: () => '', interfaces: () => undefined });
  const psk = Buffer.from('psk secret');
  const ppk = Buffer.alloc(32, 0x5a);
  const raw: RawPolicy = {
    file: 't.conf', line: 1, quick: false, skip: false, isDefault: false, mode: 'passive', ipcomp: false,
    encap: 'tunnel', natt: false, saProto: 'esp', protos: [], src: [], dst: [], ikesa: [], childsa: [], cfg: [],
    auth: { method: 'psk', psk }, ppk: { id: Buffer.from('i'), key: ppk, required: false },
  };
  const at = { kind: 'newline' as const, text: '\n', num: 0, quoted: false, file: 't.conf', line: 1 };
  buildPolicy(ctx, raw, at); // no local/peer and no flow: refused
  assert.deepEqual(ctx.errors.map((e) => e.message), ['could not get local/peer specification', 'create_ike failed']);
  assert.deepEqual([psk.every((b) => b === 0), ppk.every((b) => b === 0)], [true, true]);
  assert.equal(ctx.config.policies.length, 0);
});
