/**
 * Dead peer detection's schedule (src/ikev2/exchange/liveness.ts): a check goes out after a
 * whole interval without a message from the peer; when the peer was heard from more recently,
 * the next look is an interval after that message, not a fixed tick later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dpdDue } from '../../src/ikev2/exchange/liveness';
import type { EngineContext } from '../../src/ikev2/engine-context';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';
import { makePair, establish, shutdownAll, waitFor, tail } from '../helpers/engine-pair';
import { EXCHANGE, FLAG } from '../../src/wire/iana';

test('DPD: heard from the peer 500 ms ago with a 2 s interval: no check, the next look 1.5 s on', () => {
  const armed: { name: string; ms: number }[] = [];
  const sa = {
    state: 'ESTABLISHED',
    lastInbound: Date.now() - 500,
    pending: null,
    queue: [],
    natLocal: false,
    timers: { has: () => false },
    setTimer(name: string, ms: number) {
      armed.push({ name, ms });
    },
  } as unknown as IkeSa;
  const e = { options: { dpdCheckInterval: 2 }, timerFns: { dpd: () => undefined }, transport: {} } as unknown as EngineContext;
  dpdDue(e, sa);
  assert.equal(armed.length, 1);
  assert.equal(armed[0].name, 'dpd');
  // 1500 ms, less what passed between setting lastInbound and the call
  assert.ok(armed[0].ms <= 1500 && armed[0].ms > 1000, `next look in ${armed[0].ms} ms`);
});

test('DPD: nothing from the peer for a whole interval: a liveness check goes out, the next look a full interval on', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm', a: { dpd: 60 } });
  try {
    const { ia } = await establish(p);
    const requests = (): number => p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL && !(r.flags & FLAG.RESPONSE)).length;
    const before = requests();
    ia.lastInbound = Date.now() - 61_000;
    dpdDue(p.a.engine, ia);
    await waitFor(() => requests() === before + 1, () => `a liveness check went out; ${tail(p.a)}`);
    await waitFor(() => p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL && !!(r.flags & FLAG.RESPONSE)).length >= 1, 'answered');
    assert.ok(ia.timers.has('dpd'), 'the next look is armed');
    // answered just now: calling it again sends nothing
    dpdDue(p.a.engine, ia);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(requests(), before + 1);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
