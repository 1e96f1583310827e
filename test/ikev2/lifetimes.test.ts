/**
 * Lifetimes: one timer per lifetime at a time. The rekey timer arms the expiry when it
 * fires, so a peer that never answers the rekey still loses its SAs at the hard
 * lifetime; an IKE SA replaced by the peer's rekey keeps its expiry as a backstop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, shutdownAll, waitFor, tail } from '../helpers/engine-pair';
import { scheduleChildLifetime, scheduleIkeLifetime, keepIkeExpiry } from '../../src/ikev2/exchange/lifetimes';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';

test('a Child SA whose rekey is never answered is deleted at its hard lifetime; one timer per lifetime until then', async () => {
  const p = makePair({ ikesa: IKESA });
  try {
    const { ia } = await establish(p);
    const c = ia.children[0];
    const before = ia.timers.size;
    // the peer is gone from now on; lifetime 400 ms
    p.net.hooks.push(() => null);
    ia.policy.conf.lifetime = { ...ia.policy.conf.lifetime, seconds: 0.4 };
    scheduleChildLifetime(p.a.engine, ia, c);
    const names = ia.timers.keys().filter((n) => n.endsWith(`:${c.spiIn}`));
    assert.deepEqual(names, [`child-rekey:${c.spiIn}`], 'only the rekey timer is armed at first');
    assert.ok(ia.timers.size <= before + 1);
    await waitFor(() => p.a.lines.some((l) => /CREATE_CHILD_SA/.test(l) || /rekey/i.test(l)), () => `rekey started; ${tail(p.a)}`);
    await waitFor(() => p.a.lines.some((l) => /deleting Child SA .*lifetime of 0x[0-9a-f]+ expired/.test(l)), () => `expired; ${tail(p.a)}`);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('the IKE SA expiry comes with its rekey timer, and stays on an IKE SA whose timers were cleared', async () => {
  const p = makePair({ ikesa: IKESA });
  try {
    const { ia } = await establish(p);
    ia.policy.conf.ikeLifetime = 3600;
    scheduleIkeLifetime(p.a.engine, ia);
    assert.ok(ia.timers.has('ike-rekey'));
    assert.equal(ia.timers.has('ike-expire'), false, 'no expiry timer before the rekey time');
    // replaced by a rekey with its timers gone: the expiry is armed for what is left of the lifetime
    ia.timers.clear();
    ia.establishedAt = Date.now() - 3600_000 - 30_000 + 150;
    keepIkeExpiry(p.a.engine, ia);
    assert.ok(ia.timers.has('ike-expire'));
    await waitFor(() => p.a.lines.some((l) => /IKE SA lifetime expired/.test(l)), () => `IKE SA expired; ${tail(p.a)}`);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
