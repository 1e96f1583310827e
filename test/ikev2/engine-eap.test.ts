/**
 * IKE_AUTH with EAP-MSCHAPv2 between in-process engines (RFC 7296 2.16):
 * our EAP client against our EAP responder with an address pool; wrong
 * password; 50 clients at once get 50 distinct addresses; pool exhaustion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNet } from '../helpers/fake-net';
import { makeNode, waitFor, settle, tail, established, installedChildren, shutdownAll, Node } from '../helpers/engine-pair';
import { parseConfigText } from '../../src/conf/load';
import { attachDaemonEap } from '../../src/eap/daemon-eap';
import type { AuthProvider } from '../../src/ikev2/policy/auth-provider';
import { EXCHANGE } from '../../src/wire/iana';
import { fakePki } from '../helpers/fake-pki';
import { tsText } from '../../src/ikev2/policy/traffic-selectors';
import { ikeSaView } from '../../src/proc/sa-views';

const GW = '192.0.2.2';

function gatewayConf(pool = '10.2.100.0/24', users = 'user "alice" "wonder land"\nuser "bob" "builder"\n'): string {
  return (
    users +
    `ikev2 "rw" passive esp from 10.2.0.0/24 to dynamic local ${GW} srcid gw.test ` +
    `eap "mschap-v2" config address ${pool} config name-server 10.2.0.53 config protected-subnet 10.2.0.0/24 tag "$name-$eapid"\n`
  );
}

function clientConf(addr: string, user: string, password: string): string {
  return `user "${user}" "${password}"\nikev2 "c" active esp from dynamic to 10.2.0.0/24 local ${addr} peer ${GW} srcid ${user} dstid gw.test eap "mschap-v2" request address any request name-server any\n`;
}

function withEap(n: Node, conf: string): Node {
  const r = parseConfigText(conf, 'test.conf', { checkPermissions: false });
  assert.ok(r.config, r.errors.map((e) => e.message).join('; '));
  attachDaemonEap(n.engine, r.config);
  return n;
}

function gateway(net: FakeNet, pki: AuthProvider, pool?: string): Node {
  const conf = gatewayConf(pool);
  return withEap(makeNode(net, 'gw', GW, conf, { auth: pki, timing: { retransmitMs: 200, retransmitTries: 4 } }), conf);
}

function client(net: FakeNet, pki: AuthProvider, addr: string, user: string, password: string): Node {
  const conf = clientConf(addr, user, password);
  return withEap(makeNode(net, `c-${addr}`, addr, conf, { auth: pki, timing: { retransmitMs: 200, retransmitTries: 4 } }), conf);
}

test('EAP-MSCHAPv2: our client gets an address and DNS from our gateway; MSK AUTH both ways', async () => {
  const net = new FakeNet();
  const pki = fakePki();
  const gw = gateway(net, pki);
  const c = client(net, pki, '192.0.2.10', 'alice', 'wonder land');
  try {
    await c.engine.initiate(c.engine.policies[0]);
    await waitFor(() => installedChildren(c).length === 1 && installedChildren(gw).length === 1, () => `establishment; ${tail(c)}; ${tail(gw)}`);
    const [csa] = established(c);
    const [gsa] = established(gw);
    assert.deepEqual(csa.assignedConfig?.addresses, [{ addr: '10.2.100.1', prefixLen: 32 }]);
    assert.deepEqual(csa.assignedConfig?.dns, ['10.2.0.53']);
    assert.deepEqual(csa.assignedConfig?.subnets, [{ addr: '10.2.0.0', prefixLen: 24 }]);
    assert.equal(gsa.eapIdentity, 'alice');
    assert.equal(gsa.tag, 'rw-alice');
    assert.equal(ikeSaView(gsa).tag, 'rw-alice');
    // the Child SA's selectors are narrowed to the leased address
    assert.deepEqual(installedChildren(gw)[0].tsRemote.map(tsText), ['10.2.100.1/32']);
    assert.deepEqual(installedChildren(c)[0].tsLocal.map(tsText), ['10.2.100.1/32']);
    assert.deepEqual(installedChildren(c)[0].tsRemote.map(tsText), ['10.2.0.0/24']);
    // the exchange: 4 IKE_AUTH rounds (no AUTH, identity, challenge, success ack... then AUTH)
    const authRequests = net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH && !(r.flags & 0x20));
    assert.ok(authRequests.length >= 4, `IKE_AUTH rounds: ${authRequests.length}`);
    // the lease goes with the SA
    gw.engine.deleteIkeSa(gsa, 'test', false);
    await settle(net);
    const again = client(net, pki, '192.0.2.11', 'bob', 'builder');
    await again.engine.initiate(again.engine.policies[0]);
    await waitFor(() => installedChildren(again).length === 1, () => `second client; ${tail(again)}; ${tail(gw)}`);
    assert.equal(established(again)[0].assignedConfig?.addresses[0].addr, '10.2.100.1', 'released address reused');
    await shutdownAll(net, again);
  } finally {
    await shutdownAll(net, c, gw);
  }
});

test('EAP-MSCHAPv2: a wrong password gets EAP failure + AUTHENTICATION_FAILED and consumes no address', async () => {
  const net = new FakeNet();
  const pki = fakePki();
  const gw = gateway(net, pki);
  const c = client(net, pki, '192.0.2.10', 'alice', 'not the password');
  try {
    const sa = await c.engine.initiate(c.engine.policies[0]);
    assert.ok(sa);
    await waitFor(() => c.engine.sas.size === 0 && gw.engine.sas.size === 0, () => `both sides give up; ${tail(c)}; ${tail(gw)}`);
    assert.ok(gw.lines.some((l) => /wrong password for user 'alice'/.test(l)), tail(gw));
    assert.ok(c.lines.some((l) => /EAP authentication as 'alice' failed/.test(l)), tail(c));
    const answers = net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH && !!(r.flags & 0x20));
    assert.equal(answers.length, 3, 'signature+identity request, challenge, EAP-Failure');
    assert.equal(gw.engine.stats.authFailures, 1);
    // no address consumed: the next good client gets the first address
    const good = client(net, pki, '192.0.2.12', 'alice', 'wonder land');
    await good.engine.initiate(good.engine.policies[0]);
    await waitFor(() => installedChildren(good).length === 1, () => `good client; ${tail(good)}; ${tail(gw)}`);
    assert.equal(established(good)[0].assignedConfig?.addresses[0].addr, '10.2.100.1');
    await shutdownAll(net, good);
  } finally {
    await shutdownAll(net, c, gw);
  }
});

test('50 EAP clients at once get 50 distinct addresses', async () => {
  const net = new FakeNet();
  const pki = fakePki();
  const users = Array.from({ length: 50 }, (_, i) => `user "u${i}" "pw${i}"\n`).join('');
  const conf = gatewayConf('10.2.100.0/24', users);
  const gw = withEap(makeNode(net, 'gw', GW, conf, { auth: pki, timing: { retransmitMs: 500, retransmitTries: 5 } }), conf);
  const clients = Array.from({ length: 50 }, (_, i) => client(net, pki, `192.0.2.${100 + i}`, `u${i}`, `pw${i}`));
  try {
    await Promise.all(clients.map((c) => c.engine.initiate(c.engine.policies[0])));
    await waitFor(() => clients.every((c) => installedChildren(c).length === 1), () => `all up: ${clients.filter((c) => installedChildren(c).length === 1).length}/50; ${tail(gw)}`, 20_000);
    const addrs = clients.map((c) => established(c)[0].assignedConfig!.addresses[0].addr);
    assert.equal(new Set(addrs).size, 50, 'distinct addresses');
    for (const a of addrs) assert.match(a, /^10\.2\.100\.\d+$/);
    assert.equal(established(gw).length, 50);
  } finally {
    await shutdownAll(net, gw, ...clients);
  }
});

test('pool exhaustion: INTERNAL_ADDRESS_FAILURE, logged, no state kept', async () => {
  const net = new FakeNet();
  const pki = fakePki();
  const gw = gateway(net, pki, '10.2.100.0/30'); // two addresses
  const cs = [client(net, pki, '192.0.2.20', 'alice', 'wonder land'), client(net, pki, '192.0.2.21', 'bob', 'builder'), client(net, pki, '192.0.2.22', 'alice', 'wonder land')];
  try {
    for (const c of cs.slice(0, 2)) {
      await c.engine.initiate(c.engine.policies[0]);
      await waitFor(() => installedChildren(c).length === 1, () => `client up; ${tail(c)}; ${tail(gw)}`);
    }
    const third = cs[2];
    await third.engine.initiate(third.engine.policies[0]);
    await waitFor(() => third.engine.sas.size === 0, () => `third refused; ${tail(third)}; ${tail(gw)}`);
    assert.ok(gw.lines.some((l) => /address pool 10\.2\.100\.0\/30 of policy 'rw' is exhausted/.test(l)), tail(gw));
    assert.ok(third.lines.some((l) => /INTERNAL_ADDRESS_FAILURE/.test(l)), tail(third));
    assert.equal(gw.engine.sas.size, 2, 'the refused SA is gone on the gateway');
    const last = net.delivered((r) => r.exchange === EXCHANGE.IKE_AUTH && !!(r.flags & 0x20)).pop();
    assert.ok(last);
  } finally {
    await shutdownAll(net, gw, ...cs);
  }
});
