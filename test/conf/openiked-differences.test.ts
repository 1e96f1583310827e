/**
 * iked.conf as the current OpenIKED accepts and prints it, where we differed:
 * an empty configuration is reported without a line number, a `default` policy
 * may be active without local/peer, `group sntrup761x25519` is a group name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/conf/load';
import { formatConfError } from '../../src/conf/format-error';
import { printPolicy } from '../../src/conf/printer';
import { DH } from '../../src/wire/iana';

const parse = (text: string) => parseConfigText(text, 'x.conf', { checkPermissions: false, interfaces: () => undefined });

test('an empty configuration: "FILE: no valid configuration rules found", no line number, not an error', () => {
  const r = parse('# only a comment\n\n');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map(formatConfError), ['x.conf: no valid configuration rules found']);
  assert.equal(formatConfError({ file: 'x.conf', line: 3, message: 'm' }), 'x.conf:3: m', 'other messages keep their line');
});

test('a default policy may be active without local and peer; a named one may not', () => {
  const r = parse('ikev2 "d" default active esp from any to any\n');
  assert.deepEqual(r.errors, []);
  const printed = printPolicy(r.config!.policies[0]);
  assert.match(printed, /^ikev2 "d" default active /);
  const again = parse(printed + '\n');
  assert.deepEqual(again.errors, [], 'the printed policy parses back');
  assert.equal(printPolicy(again.config!.policies[0]), printed);
  const named = parse('ikev2 "e" active esp from any to any\n');
  assert.deepEqual(named.errors.map((e) => e.message), ['active mode requires local/peer address', 'create_ike failed']);
});

test('group sntrup761x25519 (OpenIKED, 1035) is accepted, printed and parses back', () => {
  const r = parse('ikev2 "s" active esp from 10.0.0.0/24 to 10.1.0.0/24 peer 192.0.2.1 ikesa enc aes-256 auth hmac-sha2-256 group sntrup761x25519 psk "x"\n');
  assert.deepEqual(r.errors, []);
  const p = r.config!.policies[0];
  assert.deepEqual(p.ikesa[0].dh, [DH.SNTRUP761X25519]);
  const printed = printPolicy(p);
  assert.match(printed, / group sntrup761x25519 /);
  assert.deepEqual(parse(printed + '\n').errors, []);
});
