/**
 * Several Child SAs with identical selectors (issue: every IKE SA after the first
 * failed with TEMPORARY_FAILURE because the flow existed): two identities behind one
 * address, both asking for 10.1.0.0/24 === 10.2.0.0/24, both established and
 * installed; the flows are shared and leave the kernel with the last Child SA;
 * INITIAL_CONTACT from one identity leaves the other identity's SA alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNet } from '../helpers/fake-net';
import { makeNode, waitFor, settle, established, installedChildren, shutdownAll, tail, A_ADDR, B_ADDR, type Node } from '../helpers/engine-pair';
import { deleteChild } from '../../src/ikev2/exchange/informational';

const PROPS = 'ikesa enc aes-128-gcm prf hmac-sha2-256 group curve25519 childsa enc aes-128-gcm';

/** "a": one address, two policies with their own identities and the same selectors; "b": one passive policy for any identity. */
function setup(aConf?: string): { net: FakeNet; a: Node; b: Node } {
  const net = new FakeNet();
  const a = makeNode(
    net,
    'a',
    A_ADDR,
    aConf ??
      [1, 2]
        .map((n) => `ikev2 "c${n}" active esp from 10.1.0.0/24 to 10.2.0.0/24 local ${A_ADDR} peer ${B_ADDR} ${PROPS} srcid client${n}.test dstid gw.test psk "secret"`)
        .join('\n') + '\n',
  );
  const b = makeNode(net, 'b', B_ADDR, `ikev2 "gw" passive esp from 10.2.0.0/24 to 10.1.0.0/24 local ${B_ADDR} peer any ${PROPS} srcid gw.test psk "secret"\n`);
  return { net, a, b };
}

const idOf = (n: Node, i: number): string => established(n)[i].remoteId!.data.toString();

test('two identities from one address with identical selectors: both IKE and Child SAs established and installed, flows shared', async () => {
  const { net, a, b } = setup();
  try {
    for (const p of a.engine.policies) await a.engine.initiate(p);
    await waitFor(() => installedChildren(a).length === 2 && installedChildren(b).length === 2, () => `both established; ${tail(a)}; ${tail(b)}`);
    await settle(net);
    assert.ok(!b.lines.some((l) => /TEMP_FAIL|Child SA setup failed/.test(l)), tail(b, 20));
    assert.deepEqual([idOf(b, 0), idOf(b, 1)].sort(), ['client1.test', 'client2.test']);
    assert.equal(b.kernel.listSas().length, 4, 'two Child SAs, both directions');
    const flows = b.kernel.listFlows();
    assert.equal(flows.length, 3, 'one out/in/fwd policy for the shared selectors');
    for (const f of flows) assert.equal(b.kernel.flowHolders(f), 2, `${f.dir} held by both Child SAs`);
    // both Child SAs share the selectors' reqid (the kernel's inbound check accepts either), one policy template
    const [s1, s2] = established(b);
    assert.equal(s1.children[0].reqid, s2.children[0].reqid);
    assert.ok(flows.every((f) => f.reqid === s1.children[0].reqid));
    assert.equal(b.engine.reqids.references(s1.children[0].reqid), 2);
    deleteChild(b.engine, s1, s1.children[0], 'test');
    await waitFor(() => b.kernel.listSas().length === 2, () => `first Child SA removed; ${tail(b)}`);
    await settle(net);
    assert.equal(b.kernel.listFlows().length, 3, 'flows stay for the remaining Child SA');
    for (const f of b.kernel.listFlows()) assert.equal(b.kernel.flowHolders(f), 1);
    assert.equal(b.engine.reqids.references(s2.children[0].reqid), 1);
    // and the last one takes them along
    deleteChild(b.engine, s2, s2.children[0], 'test');
    await waitFor(() => b.kernel.listSas().length === 0 && b.kernel.listFlows().length === 0, () => `all gone; ${tail(b)}`);
    assert.equal(b.engine.reqids.size, 0, 'the reqid goes with the last Child SA');
    await waitFor(() => a.kernel.listSas().length === 0 && a.kernel.listFlows().length === 0, () => `initiator's gone too; ${tail(a)}`);
  } finally {
    await shutdownAll(net, a, b);
  }
});

test('INITIAL_CONTACT from one identity keeps another identity at the same address', async () => {
  const { net, a, b } = setup();
  try {
    for (const p of a.engine.policies) await a.engine.initiate(p);
    await waitFor(() => installedChildren(b).length === 2, () => `both established; ${tail(b)}`);
    await settle(net);
    // client1 reboots: a fresh engine at the same address with only client1's policy (INITIAL_CONTACT)
    const keep = established(b).find((s) => s.remoteId!.data.toString() === 'client2.test')!;
    const gone = established(b).find((s) => s.remoteId!.data.toString() === 'client1.test')!;
    await a.engine.shutdown(false);
    const a2 = makeNode(net, 'a2', A_ADDR, `ikev2 "c1" active esp from 10.1.0.0/24 to 10.2.0.0/24 local ${A_ADDR} peer ${B_ADDR} ${PROPS} srcid client1.test dstid gw.test psk "secret"\n`);
    try {
      await a2.engine.initiate(a2.engine.policies[0]);
      await waitFor(() => gone.state === 'DEAD', () => `client1's old SA removed; ${tail(b, 12)}`);
      await waitFor(() => installedChildren(b).length === 2, () => `new client1 SA + client2's; ${tail(b)}`);
      await settle(net);
      assert.equal(keep.state, 'ESTABLISHED', "client2's SA is not touched by client1's INITIAL_CONTACT");
      assert.equal(keep.children[0].state, 'INSTALLED');
      assert.equal(b.kernel.listSas().length, 4);
      for (const f of b.kernel.listFlows()) assert.equal(b.kernel.flowHolders(f), 2);
    } finally {
      await shutdownAll(net, a2);
    }
  } finally {
    await shutdownAll(net, a, b);
  }
});
