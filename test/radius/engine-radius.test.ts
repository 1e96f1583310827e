/**
 * End to end in one process: our EAP-MSCHAPv2 client engine -> our gateway
 * engine with `eap "radius"` (wired by attachDaemonRadius, as the daemon
 * does) -> a real FreeRADIUS. Accept (address from the pool, MSK AUTH both
 * ways, accounting Start then Stop on delete) and reject (AUTHENTICATION_FAILED).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNet } from '../helpers/fake-net';
import { makeNode, waitFor, tail, established, installedChildren, shutdownAll, Node } from '../helpers/engine-pair';
import { parseConfigText } from '../../src/conf/load';
import { attachDaemonEap } from '../../src/eap/daemon-eap';
import { attachDaemonRadius } from '../../src/radius/daemon-radius';
import type { RadiusService } from '../../src/radius/factory';
import type { AuthProvider } from '../../src/ikev2/policy/auth-provider';
import { fakePki } from '../helpers/fake-pki';
import { FreeRadius, freeradiusMissing } from './lib/freeradius';

const SECRET = 'engine-radius-secret';
const GW = '192.0.2.2';
const missing = freeradiusMissing();

function parsed(conf: string) {
  const r = parseConfigText(conf, 'test.conf', { checkPermissions: false });
  assert.ok(r.config, r.errors.map((e) => e.message).join('; '));
  return r.config;
}

describe('IKE_AUTH with eap "radius" through FreeRADIUS', { skip: missing ?? undefined }, () => {
  let fr: FreeRadius;
  before(async () => {
    fr = await FreeRadius.start({ secret: SECRET, users: [{ name: 'alice', password: 'alice in radius', reply: ['Class = "rw-class"'] }] });
  });
  after(async () => {
    await fr?.stop();
  });

  function gateway(net: FakeNet, pki: AuthProvider): { node: Node; radius: RadiusService } {
    const conf =
      `radius server 127.0.0.1 port ${fr.authPort} secret "${SECRET}"\n` +
      `radius accounting server 127.0.0.1 port ${fr.acctPort} secret "${SECRET}"\n` +
      `ikev2 "rw" passive esp from 10.2.0.0/24 to dynamic local ${GW} srcid gw.test ` +
      `eap "radius" config address 10.2.100.0/24 config name-server 10.2.0.53\n`;
    const node = makeNode(net, 'gw', GW, conf, { auth: pki, timing: { retransmitMs: 500, retransmitTries: 6 } });
    const config = parsed(conf);
    const radius = attachDaemonRadius(node.engine, attachDaemonEap(node.engine, config), config, { debug: () => undefined, info: () => undefined, warn: (m) => node.lines.push(`radius warn: ${m}`) });
    assert.ok(radius);
    return { node, radius };
  }

  function client(net: FakeNet, pki: AuthProvider, addr: string, user: string, password: string): Node {
    const conf = `user "${user}" "${password}"\nikev2 "c" active esp from dynamic to 10.2.0.0/24 local ${addr} peer ${GW} srcid ${user} dstid gw.test eap "mschap-v2" request address any request name-server any\n`;
    const n = makeNode(net, `c-${addr}`, addr, conf, { auth: pki, timing: { retransmitMs: 500, retransmitTries: 6 } });
    attachDaemonEap(n.engine, parsed(conf));
    return n;
  }

  it('accepts alice: SA up with an address from the pool, accounting Start and Stop', async () => {
    const net = new FakeNet();
    const pki = fakePki();
    const { node: gw, radius } = gateway(net, pki);
    const c = client(net, pki, '192.0.2.10', 'alice', 'alice in radius');
    try {
      await c.engine.initiate(c.engine.policies[0]);
      await waitFor(() => installedChildren(c).length === 1 && installedChildren(gw).length === 1, () => `establishment; ${tail(c)}; ${tail(gw, 12)}`, 10_000);
      const [csa] = established(c);
      const [gsa] = established(gw);
      assert.equal(gsa.eapIdentity, 'alice');
      assert.deepEqual(csa.assignedConfig?.addresses, [{ addr: '10.2.100.1', prefixLen: 32 }]);
      const sessionId = `${gsa.spiI.toString('hex')}${gsa.spiR.toString('hex')}`;
      const rec = (status: string) => fr.detailRecords().find((r) => r['Acct-Session-Id'] === sessionId && r['Acct-Status-Type'] === status);
      await waitFor(() => !!rec('Start'), () => `accounting Start; ${fr.detail()}`, 5000);
      assert.equal(rec('Start')!['User-Name'], 'alice');
      assert.equal(rec('Start')!['Calling-Station-Id'], '192.0.2.10');
      gw.engine.deleteIkeSa(gsa, 'deleted by administrator', true);
      await waitFor(() => !!rec('Stop'), () => `accounting Stop; ${fr.detail()}`, 5000);
    } finally {
      await shutdownAll(net, c, gw);
      radius.close();
    }
  });

  it('rejects a wrong password: AUTHENTICATION_FAILED, no SA, no accounting', async () => {
    const net = new FakeNet();
    const pki = fakePki();
    const { node: gw, radius } = gateway(net, pki);
    const c = client(net, pki, '192.0.2.11', 'alice', 'wrong password');
    const before = fr.detailRecords().length;
    try {
      await c.engine.initiate(c.engine.policies[0]);
      await waitFor(() => c.engine.sas.size === 0 && gw.engine.sas.size === 0, () => `both give up; ${tail(c)}; ${tail(gw, 12)}`, 10_000);
      assert.ok(gw.lines.some((l) => /rejected 'alice'/.test(l)), tail(gw, 12));
      assert.equal(gw.engine.stats.authFailures, 1);
      assert.equal(fr.detailRecords().length, before);
    } finally {
      await shutdownAll(net, c, gw);
      radius.close();
    }
  });
});
