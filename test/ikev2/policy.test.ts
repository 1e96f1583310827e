/** policy.ts: run-time policies from iked.conf, and iked's evaluation order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPolicyForPeer, addressInNetwork, localIdentity, Policy } from '../../src/ikev2/policy/policy';
import { tsText } from '../../src/ikev2/policy/traffic-selectors';
import { parseIdentity } from '../../src/crypto/identity';
import { PROTOCOL, TS } from '../../src/wire/iana';
import { parsePolicies } from '../helpers/engine-pair';

function policies(text: string): Policy[] {
  return parsePolicies(text).policies;
}

function pick(ps: Policy[], remote: string, local = '192.0.2.2', id?: string): string | null {
  return findPolicyForPeer(ps, remote, local, id ? parseIdentity(id) : undefined)?.name ?? null;
}

test('last match wins', () => {
  const ps = policies(`
ikev2 "wide" passive esp from any to any peer 192.0.2.0/24 psk "x"
ikev2 "narrow" passive esp from any to any peer 192.0.2.5 psk "x"
ikev2 "wide-again" passive esp from any to any peer 192.0.2.128/25 psk "x"
`);
  assert.equal(pick(ps, '192.0.2.5'), 'narrow', 'a later match replaces an earlier one');
  assert.equal(pick(ps, '192.0.2.6'), 'wide');
  assert.equal(pick(ps, '192.0.2.200'), 'wide-again');
  assert.equal(pick(ps, '198.51.100.1'), null, 'no policy for this peer');
});

test('quick: the first quick match wins at once', () => {
  const ps = policies(`
ikev2 "wide" passive esp from any to any peer 192.0.2.0/24 psk "x"
ikev2 "fast" quick passive esp from any to any peer 192.0.2.0/25 psk "x"
ikev2 "later" passive esp from any to any peer 192.0.2.5 psk "x"
`);
  assert.equal(pick(ps, '192.0.2.5'), 'fast');
  assert.equal(pick(ps, '192.0.2.200'), 'wide', 'the quick policy does not match here');
});

test('skip: never chosen for a peer', () => {
  const ps = policies(`
ikev2 "base" passive esp from any to any peer 192.0.2.0/24 psk "x"
ikev2 "skipped" skip passive esp from any to any peer 192.0.2.5 psk "x"
`);
  assert.equal(pick(ps, '192.0.2.5'), 'base');
  const only = policies(`ikev2 "skipped" skip passive esp from any to any psk "x"\n`);
  assert.equal(pick(only, '192.0.2.5'), null);
});

test('local address, peer family and remote identity narrow the choice', () => {
  const ps = policies(`
ikev2 "any" passive esp from any to any psk "x"
ikev2 "local" passive esp from any to any local 192.0.2.2 peer 192.0.2.0/24 psk "x"
ikev2 "by-id" passive esp from any to any peer 192.0.2.0/24 dstid "peer@example.org" psk "x"
`);
  assert.equal(pick(ps, '192.0.2.7', '192.0.2.99'), 'by-id', 'before IKE_AUTH the identity is unknown: dstid is not checked');
  assert.equal(pick(ps, '192.0.2.7', '192.0.2.99', 'other@example.org'), 'any', 'local address excludes "local", dstid excludes "by-id"');
  assert.equal(pick(ps, '192.0.2.7', '192.0.2.2', 'other@example.org'), 'local', 'dstid mismatch skips "by-id"');
  assert.equal(pick(ps, '192.0.2.7', '192.0.2.2', 'peer@example.org'), 'by-id');
  assert.equal(pick(ps, '2001:db8::1', '2001:db8::2'), 'any', 'IPv6 peer only matches the policy without addresses');
});

test('addressInNetwork', () => {
  const n = { family: 4 as const, addr: Buffer.from([10, 1, 0, 0]), prefixLen: 16 };
  assert.equal(addressInNetwork('10.1.255.255', n), true);
  assert.equal(addressInNetwork('10.2.0.0', n), false);
  assert.equal(addressInNetwork('::ffff:10.1.0.1', n), false, 'another family');
  assert.equal(addressInNetwork('not an address', n), false);
  assert.equal(addressInNetwork('10.9.9.9', null), true, 'no restriction');
});

test('buildPolicy: selectors from flows, protocol and ports, AH, identities, mode', () => {
  const [p, q, r] = policies(`
ikev2 "d" active ah proto tcp from 10.0.0.0/8 port 80 to 10.9.0.0/16 local 192.0.2.2 peer 192.0.2.1 srcid "me@example.org" dstid "peer@example.org" psk "x"
ikev2 "e" passive esp inet6 from 2001:db8:1::/48 to 2001:db8:2::/48 peer 2001:db8::1 psk "x"
ikev2 "f" passive esp from any to any psk "x"
`);
  assert.equal(p.active, true);
  assert.equal(p.saProtocol, PROTOCOL.AH);
  assert.deepEqual(p.localTs.map(tsText), ['10.0.0.0/8[6/80]']);
  assert.deepEqual(p.remoteTs.map(tsText), ['10.9.0.0/16[6]']);
  assert.equal(p.peer!.prefixLen, 32);
  assert.deepEqual(p.localId, parseIdentity('me@example.org'));
  assert.deepEqual(p.remoteId, parseIdentity('peer@example.org'));
  assert.deepEqual(localIdentity(p, '192.0.2.2'), parseIdentity('me@example.org'));
  assert.ok(p.ikeProposals.length > 0, 'default IKE proposals');

  assert.equal(q.active, false);
  assert.equal(q.saProtocol, PROTOCOL.ESP);
  assert.deepEqual(q.localTs.map(tsText), ['2001:db8:1::/48']);
  assert.deepEqual(q.remoteTs.map(tsText), ['2001:db8:2::/48']);
  assert.ok(q.localTs.every((t) => t.tsType === TS.IPV6_ADDR_RANGE));
  assert.equal(q.localId, null);
  assert.deepEqual(localIdentity(q, '2001:db8::2'), parseIdentity('2001:db8::2'), 'our address when no srcid');

  assert.equal(r.peer, null);
  assert.deepEqual(r.localTs.map(tsText), ['0.0.0.0/0']);
});
