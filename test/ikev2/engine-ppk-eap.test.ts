/**
 * RFC 8784 PPK and EAP between in-process engines: PPK with EAP is not done, so an
 * optional PPK is left out, a required one refuses (initiator before IKE_AUTH,
 * responder with AUTHENTICATION_FAILED).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNet } from '../helpers/fake-net';
import { makeNode, waitFor, tail, established, shutdownAll, Node } from '../helpers/engine-pair';
import { parseConfigText } from '../../src/conf/load';
import { attachDaemonEap } from '../../src/eap/daemon-eap';
import type { AuthProvider } from '../../src/ikev2/policy/auth-provider';
import { fakePki } from '../helpers/fake-pki';
import { ikeSaView } from '../../src/proc/sa-views';
import type { PpkConf } from '../../src/conf/types';

const GW = '192.0.2.2';
const CLIENT = '192.0.2.7';
// the gateway signs (a stand-in certificate), the client authenticates with EAP-MSCHAPv2
const GW_CONF = `user "alice" "wonder land"\nikev2 "rw" passive esp from 10.2.0.0/24 to 10.1.0.0/24 local ${GW} srcid gw.test eap "mschap-v2"\n`;
const CLIENT_CONF = `user "alice" "wonder land"\nikev2 "c" active esp from 10.1.0.0/24 to 10.2.0.0/24 local ${CLIENT} peer ${GW} srcid alice dstid gw.test eap "mschap-v2"\n`;

function node(net: FakeNet, name: string, addr: string, conf: string, ppk: PpkConf | undefined, pki: AuthProvider): Node {
  const n = makeNode(net, name, addr, conf, { auth: pki });
  const r = parseConfigText(conf, 'test.conf', { checkPermissions: false });
  assert.ok(r.config, r.errors.map((e) => e.message).join('; '));
  attachDaemonEap(n.engine, r.config);
  n.engine.policies[0].conf.ppk = ppk;
  return n;
}

const ppk = (required: boolean): PpkConf => ({ id: Buffer.from('ppk-eap'), key: Buffer.from('a post-quantum preshared key, 32+ bytes long'), required });

async function run(clientPpk: PpkConf | undefined, gwPpk: PpkConf | undefined, fn: (c: Node, g: Node) => Promise<void>): Promise<void> {
  const net = new FakeNet();
  const pki = fakePki();
  const g = node(net, 'gw', GW, GW_CONF, gwPpk, pki);
  const c = node(net, 'client', CLIENT, CLIENT_CONF, clientPpk, pki);
  try {
    await c.engine.initiate(c.engine.policies[0]);
    await fn(c, g);
  } finally {
    await shutdownAll(net, c, g);
  }
}

test('EAP client, optional PPK on both sides: established without the PPK (ppk no)', async () => {
  await run(ppk(false), ppk(false), async (c, g) => {
    await waitFor(() => established(c).length === 1 && established(g).length === 1, () => `${tail(c)}; ${tail(g)}`);
    assert.equal(ikeSaView(established(c)[0]).ppk, false);
    assert.equal(ikeSaView(established(g)[0]).ppk, false);
  });
});

test('EAP client with a required PPK: stops before IKE_AUTH, saying why', async () => {
  await run(ppk(true), ppk(false), async (c) => {
    await waitFor(() => c.engine.sas.size === 0, () => tail(c));
    assert.ok(c.lines.some((l) => l.includes("policy 'c' requires a PPK, which is not supported with EAP")), tail(c));
  });
});

test('gateway with a required PPK, EAP client: AUTHENTICATION_FAILED', async () => {
  await run(ppk(false), ppk(true), async (c, g) => {
    await waitFor(() => c.engine.sas.size === 0 && g.engine.sas.size === 0, () => `${tail(c)}; ${tail(g)}`);
    assert.ok(g.lines.some((l) => l.includes('requires a PPK: the peer authenticates with EAP')), tail(g));
    assert.ok(c.lines.some((l) => l.includes('AUTHENTICATION_FAILED')), tail(c));
  });
});
