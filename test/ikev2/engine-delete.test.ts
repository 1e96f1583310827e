/** INFORMATIONAL: deletes by each side, dead peer detection, INITIAL_CONTACT. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makePair,
  makeNode,
  pskConf,
  establish,
  assertChildKeysMatch,
  shutdownAll,
  established,
  installedChildren,
  waitFor,
  settle,
  tail,
  A_ADDR,
  B_ADDR,
} from '../helpers/engine-pair';
import { deleteChild } from '../../src/ikev2/exchange/informational';
import { EXCHANGE, FLAG } from '../../src/wire/iana';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';

for (const who of ['a', 'b'] as const) {
  test(`Child SA deleted by ${who === 'a' ? 'the initiator' : 'the responder'}: gone from both kernels, IKE SA stays`, async () => {
    const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
    try {
      const { ia, ib } = await establish(p);
      const [n, sa] = who === 'a' ? [p.a, ia] : [p.b, ib];
      deleteChild(n.engine, sa, sa.children[0], 'test');
      await waitFor(
        () => [p.a, p.b].every((x) => x.kernel.listSas().length === 0 && x.kernel.listFlows().length === 0),
        () => `kernels emptied; ${tail(p.a)}; ${tail(p.b)}`,
      );
      await settle(p.net);
      assert.equal(ia.children.length, 0);
      assert.equal(ib.children.length, 0);
      assert.equal(ia.state, 'ESTABLISHED');
      assert.equal(ib.state, 'ESTABLISHED');
      assert.equal(p.a.engine.stats.childSasDeleted, 1);
      assert.equal(p.b.engine.stats.childSasDeleted, 1);
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });

  test(`IKE SA deleted by ${who === 'a' ? 'the initiator' : 'the responder'}: both sides drop IKE and Child SAs`, async () => {
    const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
    try {
      const { ia, ib } = await establish(p);
      const [n, sa] = who === 'a' ? [p.a, ia] : [p.b, ib];
      n.engine.deleteIkeSa(sa, 'test', true);
      await waitFor(() => ia.state === 'DEAD' && ib.state === 'DEAD', () => `both IKE SAs gone; ${tail(p.a)}; ${tail(p.b)}`);
      await waitFor(() => [p.a, p.b].every((x) => x.kernel.listSas().length === 0 && x.kernel.listFlows().length === 0), 'kernels emptied');
      assert.equal(p.a.engine.sas.size, 0);
      assert.equal(p.b.engine.sas.size, 0);
      // the delete was acknowledged, not timed out
      const deleter = who === 'a' ? p.a : p.b;
      assert.ok(!deleter.lines.some((l) => l.includes('timed out')), tail(deleter));
      const informational = p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL);
      assert.ok(informational.some((r) => r.flags & FLAG.RESPONSE), 'the peer answered the delete');
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });
}

test('dead peer detection: peer alive -> checks answered and SA kept; peer gone -> SA deleted', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, a: { dpd: 0.03, timing: { dpdIdleMs: 60 } } });
  try {
    const { ia } = await establish(p);
    await waitFor(() => p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL && !!(r.flags & FLAG.RESPONSE)).length >= 2, 'two liveness checks answered');
    assert.equal(ia.state, 'ESTABLISHED');
    assert.equal(established(p.b).length, 1);
    p.net.detach(B_ADDR);
    await waitFor(() => ia.state === 'DEAD', () => `SA deleted after the peer vanished; ${tail(p.a)}`);
    await waitFor(() => p.a.kernel.listSas().length === 0 && p.a.kernel.listFlows().length === 0, 'kernel emptied');
    assert.equal(p.a.engine.sas.size, 0);
    assert.ok(p.a.lines.some((l) => /INFORMATIONAL request \d+ timed out/.test(l)), tail(p.a));
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

const latencies: Array<[string, (op: string) => number]> = [
  ['none', () => 0],
  ['slow deletes', (op) => (op.startsWith('delete') ? 6 : 1)],
];
for (const [name, delay] of latencies)
test(`INITIAL_CONTACT removes the older SA of the same peer on the responder (kernel latency: ${name})`, async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA, b: { kernelDelayMs: delay } });
  try {
    const { ib } = await establish(p);
    const oldSpis = p.b.kernel.listSas().map((s) => s.spi);
    // "a" reboots: a fresh engine at the same address, knowing nothing
    await p.a.engine.shutdown(false);
    const a2 = makeNode(
      p.net,
      'a2',
      A_ADDR,
      pskConf({ mode: 'active', from: '10.1.0.0/24', to: '10.2.0.0/24', local: A_ADDR, peer: B_ADDR, ikesa: IKESA, childsa: CHILDSA }),
    );
    try {
      await establish({ net: p.net, a: a2, b: p.b }, a2, p.b);
      await waitFor(() => ib.state === 'DEAD', () => `older SA removed; ${tail(p.b)}`);
      await settle(p.net);
      assert.equal(p.b.engine.sas.size, 1);
      assert.equal(installedChildren(p.b).length, 1);
      assert.equal(p.b.kernel.listSas().length, 2, 'only the new Child SA pair is installed');
      for (const s of oldSpis) assert.ok(!p.b.kernel.listSas().some((x) => x.spi === s), 'old Child SA removed');
      assert.equal(p.b.kernel.listFlows().length, 3, 'flows of the new Child SA');
      assertChildKeysMatch(a2, p.b);
      assert.ok(p.b.lines.some((l) => l.includes('INITIAL_CONTACT')), tail(p.b));
    } finally {
      await shutdownAll(p.net, a2);
    }
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
