/**
 * Once shutdown() has begun the engine starts no IKE SA and answers no IKE_SA_INIT: a
 * peer that revives its connection as soon as our delete arrives (libreswan's pluto
 * after `whack --initiate`, seen in the kernel VM: ci/linux/libreswan-matrix.sh) got a
 * whole new IKE SA and Child SA from an iked that was stopping, removed again a moment
 * later by the second pass of shutdown().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, shutdownAll, waitFor, tail } from '../helpers/engine-pair';
import { EXCHANGE, FLAG } from '../../src/wire/iana';

test('shutdown: a peer re-initiating during our deletes gets no answer, and we start nothing', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' });
  try {
    const { ia } = await establish(p);
    const initResponses = () => p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !!(r.flags & FLAG.RESPONSE)).length;
    const answered = initResponses(); // 1, or more when a retransmitted IKE_SA_INIT was answered again
    const stopping = p.b.engine.shutdown(true); // b tells a, then waits 300 ms for the deletes
    await waitFor(() => ia.state === 'DEAD', () => `a got the delete; ${tail(p.a)}`);
    // a revives at once, inside b's 300 ms
    const again = await p.a.engine.initiate(p.a.engine.policies[0]);
    assert.ok(again, 'a started a new IKE SA');
    await waitFor(() => p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !(r.flags & FLAG.RESPONSE)).length >= 2, 'the new IKE_SA_INIT reached b');
    await stopping;
    assert.equal(initResponses(), answered, `b answered an IKE_SA_INIT while stopping; ${tail(p.b)}`);
    assert.ok(p.b.lines.some((l) => l.includes('dropped: shutting down')), tail(p.b));
    assert.equal(p.b.kernel.listSas().length, 0);
    assert.equal(p.b.engine.stats.ikeSasEstablished, 1, "b established no second IKE SA");
    assert.equal(await p.b.engine.initiate(p.b.engine.policies[0]), null, 'no initiation after shutdown');
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
