/**
 * PolicyKeeper flow loading (host, no root): two engines on a FakeNet with a
 * recording kernel that calls itself 'xfrm'. The keeper loads each policy's flows
 * with a per-policy reqid, Child SAs use that reqid and neither re-add nor remove
 * the keeper's flows, an ACQUIRE on an IKE SA without Child SA creates one, a
 * reload replaces the flows (same reqid for the same policy name), and
 * unloadFlows() removes them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, parsePolicies, pskConf, slowKernel, waitFor, installedChildren, established, settle, tail, A_ADDR, B_ADDR, type Node } from '../helpers/engine-pair';
import { PolicyKeeper } from '../../src/proc/policy-keeper';
import { deleteChild } from '../../src/ikev2/exchange/informational';
import { createLogger } from '../../src/log/logger';
import type { KernelFlowSpec } from '../../src/platform/types';

interface Recorder {
  adds: KernelFlowSpec[];
  deletes: KernelFlowSpec[];
}

/** Give the node a kernel named 'xfrm' (so the keeper loads flows) that records flow calls. */
function recordingKernel(n: Node): Recorder {
  const rec: Recorder = { adds: [], deletes: [] };
  const base = slowKernel(n.kernel, 0);
  n.engine.kernel = {
    ...base,
    name: 'xfrm',
    addFlow: (f) => {
      rec.adds.push(f);
      return base.addFlow(f);
    },
    deleteFlow: (f) => {
      rec.deletes.push(f);
      return base.deleteFlow(f);
    },
  };
  return rec;
}

const quietLog = () => createLogger({ foreground: true, verbose: 0, stderr: { write: () => undefined } });

describe('PolicyKeeper: kernel flows of the configuration', () => {
  it('loads flows with a per-policy reqid that Child SAs share; ACQUIRE, reload and unload', async () => {
    const p = makePair();
    const ra = recordingKernel(p.a);
    const rb = recordingKernel(p.b);
    const ka = new PolicyKeeper(p.a.engine, quietLog());
    const kb = new PolicyKeeper(p.b.engine, quietLog());
    kb.start();
    await kb.flowsLoaded();
    ka.start();
    await ka.flowsLoaded();

    const pa = p.a.engine.policies[0];
    assert.ok(pa.reqid && pa.reqid > 0, 'the keeper reserved a reqid');
    const flowsA = p.a.kernel.listFlows();
    assert.deepEqual(flowsA.map((f) => `${f.dir} ${f.src}->${f.dst} ${f.tunnelSrc}->${f.tunnelDst} reqid ${f.reqid}`).sort(), [
      `fwd 10.2.0.0/24->10.1.0.0/24 ${B_ADDR}->${A_ADDR} reqid ${pa.reqid}`,
      `in 10.2.0.0/24->10.1.0.0/24 ${B_ADDR}->${A_ADDR} reqid ${pa.reqid}`,
      `out 10.1.0.0/24->10.2.0.0/24 ${A_ADDR}->${B_ADDR} reqid ${pa.reqid}`,
    ]);
    assert.equal(p.b.kernel.listFlows().length, 3, 'the passive policy has its flows too');

    // the active policy comes up once its flows are loaded; its Child SA uses the policy's reqid
    await waitFor(() => installedChildren(p.a).length === 1 && installedChildren(p.b).length === 1, () => `${tail(p.a)}; ${tail(p.b)}`);
    assert.equal(installedChildren(p.a)[0].reqid, pa.reqid);
    assert.equal(installedChildren(p.b)[0].reqid, p.b.engine.policies[0].reqid);
    assert.equal(ra.adds.length, 3, 'the Child SA did not add the flows a second time');
    assert.equal(rb.adds.length, 3);

    // the Child SA goes away: the keeper's flows stay (so traffic makes the kernel ACQUIRE)
    const sa = established(p.a)[0];
    deleteChild(p.a.engine, sa, installedChildren(p.a)[0], 'test');
    await waitFor(() => installedChildren(p.a).length === 0 && installedChildren(p.b).length === 0, 'Child SA deleted on both sides');
    await settle(p.net);
    assert.equal(ra.deletes.length, 0, 'no flow removed with the Child SA');
    assert.equal(p.a.kernel.listFlows().length, 3);

    // ACQUIRE for the policy's reqid: a new Child SA on the existing IKE SA
    ka.kernelEvent({ type: 'acquire', src: A_ADDR, dst: B_ADDR, selector: { src: '10.1.0.5/32', dst: '10.2.0.7/32', proto: 0 }, reqid: pa.reqid });
    await waitFor(() => installedChildren(p.a).length === 1 && installedChildren(p.b).length === 1, () => `Child SA after ACQUIRE; ${tail(p.a)}`);
    assert.equal(established(p.a).length, 1, 'same IKE SA');
    assert.equal(installedChildren(p.a)[0].reqid, pa.reqid);

    // reload: same policy name with another remote network -> flows replaced, reqid kept
    const reloaded = parsePolicies(pskConf({ mode: 'passive', from: '10.1.0.0/24', to: '10.3.0.0/24', local: A_ADDR, peer: B_ADDR }));
    reloaded.policies[0].conf.name = pa.name;
    reloaded.policies[0].name = pa.name;
    p.a.engine.policies = reloaded.policies;
    ka.start();
    await ka.flowsLoaded();
    assert.equal(p.a.engine.policies[0].reqid, pa.reqid, 'a policy keeps its reqid across reloads');
    assert.deepEqual(p.a.kernel.listFlows().map((f) => `${f.dir} ${f.src}->${f.dst}`).sort(), [
      'fwd 10.3.0.0/24->10.1.0.0/24',
      'in 10.3.0.0/24->10.1.0.0/24',
      'out 10.1.0.0/24->10.3.0.0/24',
    ]);
    assert.equal(ra.deletes.length, 3, 'the old flows were removed');

    // shutdown
    ka.stop();
    kb.stop();
    await p.a.engine.shutdown(false);
    await p.b.engine.shutdown(false);
    await ka.unloadFlows();
    await kb.unloadFlows();
    assert.deepEqual(p.a.kernel.listFlows(), []);
    assert.deepEqual(p.b.kernel.listFlows(), []);
  });

  it('loads nothing with the decoupled adapter and for policies without a single peer', async () => {
    const p = makePair({ bPeer: 'any' });
    const kb = new PolicyKeeper(p.b.engine, quietLog());
    kb.start();
    await kb.flowsLoaded();
    assert.deepEqual(p.b.kernel.listFlows(), [], 'decoupled: nothing loaded');
    recordingKernel(p.b);
    kb.start();
    await kb.flowsLoaded();
    assert.deepEqual(p.b.kernel.listFlows(), [], 'peer any: no tunnel endpoint, nothing loaded');
    assert.equal(p.b.engine.policies[0].reqid, undefined, 'no flows: its Child SAs get their own reqids');
    kb.stop();
  });
});

describe('PolicyKeeper: two policies with identical selectors and tunnel', () => {
  it('load one set of flows, share its reqid (Child SAs of both pass the inbound check), and keep it when the first policy goes', async () => {
    const conf = (ids: string[]): string =>
      ids.map((id) => `ikev2 "${id}" active esp from 10.1.0.0/24 to 10.2.0.0/24 local ${A_ADDR} peer ${B_ADDR} srcid ${id}.test psk "x"`).join('\n') + '\n';
    const p = makePair();
    const rec = recordingKernel(p.a);
    p.a.engine.policies = parsePolicies(conf(['c1', 'c2'])).policies;
    const k = new PolicyKeeper(p.a.engine, quietLog());
    k.start();
    await k.flowsLoaded();
    const [c1, c2] = p.a.engine.policies;
    assert.equal(p.a.kernel.listFlows().length, 3, 'one out/in/fwd for both policies');
    assert.ok(c1.reqid && c1.reqid === c2.reqid, `shared reqid: ${c1.reqid} ${c2.reqid}`);
    assert.equal(c2.loadedFlows?.size, 3, 'the second policy counts the shared flows as loaded');
    // c1 goes (reload): the flows stay, with the same reqid, now loaded for c2
    const before = rec.deletes.length;
    p.a.engine.policies = parsePolicies(conf(['c2'])).policies;
    k.start();
    await k.flowsLoaded();
    assert.equal(rec.deletes.length, before, 'no flow removed');
    assert.equal(p.a.engine.policies[0].reqid, c1.reqid);
    assert.equal(p.a.engine.policies[0].loadedFlows?.size, 3);
    assert.ok(p.a.kernel.listFlows().every((f) => f.reqid === c1.reqid));
    await k.unloadFlows();
    assert.equal(p.a.kernel.listFlows().length, 0);
    await p.a.engine.shutdown(false);
    await p.b.engine.shutdown(false);
  });
});
