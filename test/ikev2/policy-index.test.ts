/**
 * The indexed policy lookup against iked's rule tried policy by policy (the oracle:
 * in order, the last match wins, a quick match at once, skip never): the same choice
 * on random configurations (quick, skip, peer any / host / network, local, IPv4 and
 * IPv6, dstid with and without wildcards) and random peers; and an array changed in
 * place is seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/conf/load';
import { addressInNetwork, buildPolicy, findPolicyForPeer, Policy } from '../../src/ikev2/policy/policy';
import { Identity, identityMatches, parseIdentity } from '../../src/crypto/identity';

function oracle(policies: Policy[], remote: string, local: string, id?: Identity | null): Policy | null {
  let found: Policy | null = null;
  for (const p of policies) {
    if (p.conf.skip) continue;
    if (!addressInNetwork(remote, p.peer)) continue;
    if (!addressInNetwork(local, p.local)) continue;
    if (id && p.remoteId && !identityMatches(p.remoteId, id)) continue;
    found = p;
    if (p.conf.quick) break;
  }
  return found;
}

function rng(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

const PEERS = ['any', '192.0.2.1', '192.0.2.2', '192.0.2.0/24', '192.0.0.0/16', '2001:db8::1', '2001:db8::/64', '198.51.100.7'];
const LOCALS = ['', 'local 10.0.0.1', 'local 10.0.0.0/8', 'local 2001:db8:ffff::1', 'local any'];
const IDS = ['', 'dstid a.example', 'dstid "*.example"', 'dstid "u@example.com"', 'dstid "*@example.com"', 'dstid 192.0.2.1', 'dstid "*"'];
const REMOTES = ['192.0.2.1', '192.0.2.2', '192.0.2.99', '192.0.9.9', '2001:db8::1', '2001:db8::5', '198.51.100.7', '203.0.113.1', 'fe80::1%eth0', 'nonsense'];
const LOCAL_ADDRS = ['10.0.0.1', '10.9.9.9', '2001:db8:ffff::1', '172.16.0.1'];
const RECEIVED = [null, 'a.example', 'b.example', 'A.EXAMPLE', 'u@example.com', 'v@example.com', '192.0.2.1'];

function randomConfig(r: (n: number) => number, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const peer = PEERS[r(PEERS.length)];
    const v6 = peer.includes(':');
    const local = LOCALS[r(LOCALS.length)];
    const localOk = local === '' || local === 'local any' || local.includes(':') === v6 ? local : '';
    const mode = ['', 'quick', 'skip'][r(3)];
    const flow = v6 ? 'from 2001:db8:1::/64 to 2001:db8:2::/64' : 'from 10.1.0.0/16 to 10.2.0.0/16';
    lines.push(`ikev2 "p${i}" ${mode} passive esp ${flow} peer ${peer} ${localOk} ${IDS[r(IDS.length)]}`.replace(/ +/g, ' '));
  }
  return lines.join('\n') + '\n';
}

test('the index chooses as trying each policy in order does', () => {
  const r = rng(5);
  let chosen = 0;
  for (let round = 0; round < 60; round++) {
    const res = parseConfigText(randomConfig(r, 1 + r(40)), 'rand.conf', { checkPermissions: false, interfaces: () => undefined });
    assert.ok(res.config, JSON.stringify(res.errors.slice(0, 2)));
    const policies = res.config.policies.map(buildPolicy);
    for (let k = 0; k < 60; k++) {
      const remote = REMOTES[r(REMOTES.length)];
      const local = LOCAL_ADDRS[r(LOCAL_ADDRS.length)];
      const recv = RECEIVED[r(RECEIVED.length)];
      const id = recv === null ? null : parseIdentity(recv);
      const want = oracle(policies, remote, local, id);
      assert.equal(findPolicyForPeer(policies, remote, local, id)?.name ?? null, want?.name ?? null, `${remote} ${local} ${recv}`);
      if (want) chosen++;
    }
  }
  assert.ok(chosen > 500, `only ${chosen} lookups found a policy`);
});

test('a policy array changed in place is indexed again', () => {
  const res = parseConfigText('ikev2 "a" passive esp from 10.1.0.0/16 to 10.2.0.0/16 peer 192.0.2.1\nikev2 "b" passive esp from 10.1.0.0/16 to 10.2.0.0/16 peer 192.0.2.2\n', 'x.conf', { checkPermissions: false, interfaces: () => undefined });
  assert.ok(res.config);
  const [a, b] = res.config.policies.map(buildPolicy);
  const list = [a];
  assert.equal(findPolicyForPeer(list, '192.0.2.2', '10.0.0.1'), null);
  list.push(b);
  assert.equal(findPolicyForPeer(list, '192.0.2.2', '10.0.0.1')?.name, 'b');
  list[1] = a;
  assert.equal(findPolicyForPeer(list, '192.0.2.2', '10.0.0.1'), null);
});
