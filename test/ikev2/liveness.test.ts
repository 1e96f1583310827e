/**
 * Dead peer detection (src/ikev2/exchange/liveness.ts): when the peer was heard from within
 * the interval, the next look is an interval after that message, not a fixed tick later;
 * otherwise, as OpenIKED 7.2, a check goes out when ESP left but none came in since the last
 * look (the kernel's packet counters), or after 300 s without an IKE message.
 */
import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { dpdDue } from '../../src/ikev2/exchange/liveness';
import type { EngineContext } from '../../src/ikev2/engine-context';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';
import { makePair, establish, shutdownAll, waitFor, tail } from '../helpers/engine-pair';
import { EXCHANGE, FLAG } from '../../src/wire/iana';

test('DPD: heard from the peer 500 ms ago with a 2 s interval: no check, the next look 1.5 s on', () => {
  const armed = lookAfter(2, 500);
  assert.equal(armed.length, 1);
  assert.equal(armed[0].name, 'dpd');
  // 1500 ms, less what passed between setting lastInbound and the call
  assert.ok(armed[0].ms <= 1500 && armed[0].ms > 1000, `next look in ${armed[0].ms} ms`);
});

test('DPD: with a 60 s interval the next look is moved on to a whole second (looks in one second share a kernel batch)', () => {
  const armed = lookAfter(60, 500);
  assert.ok(armed[0].ms > 59_000 && armed[0].ms <= 60_500, `next look in ${armed[0].ms} ms`);
  const due = performance.now() + armed[0].ms;
  assert.ok(Math.abs(due - Math.round(due / 1000) * 1000) < 5, `due on a whole second: ${due}`);
});

/** dpdDue on an SA last heard from `agoMs` ago, with an interval of `intervalS`: the timers it arms. */
function lookAfter(intervalS: number, agoMs: number): { name: string; ms: number }[] {
  const armed: { name: string; ms: number }[] = [];
  const sa = {
    state: 'ESTABLISHED',
    lastInbound: Date.now() - agoMs,
    pending: null,
    queue: [],
    natLocal: false,
    timers: { has: () => false },
    setTimer(name: string, ms: number) {
      armed.push({ name, ms });
    },
  } as unknown as IkeSa;
  const e = { options: { dpdCheckInterval: intervalS }, timerFns: { dpd: () => undefined }, transport: {} } as unknown as EngineContext;
  dpdDue(e, sa);
  return armed;
}

const PAIR = { ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' };

type Pair = ReturnType<typeof makePair>;
const requests = (p: Pair): number => p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL && !(r.flags & FLAG.RESPONSE)).length;

/** The kernel's counters of node a's Child SA: `packets` for its inbound (ours) and outbound SPI. */
function counters(p: Pair, ia: IkeSa, packets: { in: number; out: number }): void {
  const c = ia.children[0];
  p.a.engine.kernel.getCounters = async (_proto, _dst, spi) => ({ bytes: 0, packets: spi === c.spiIn ? packets.in : spi === c.spiOut ? packets.out : 0, lastUse: 0 });
}

/** Node a (dpd_check_interval 60) with an IKE SA up to b; `body` gets the pair, a's SA and the INFORMATIONAL requests delivered so far. */
async function withSa(body: (p: Pair, ia: IkeSa, before: number) => Promise<void>): Promise<void> {
  const p = makePair({ ...PAIR, a: { dpd: 60 } });
  try {
    const { ia } = await establish(p);
    await body(p, ia, requests(p));
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
}

/** dpdDue on a's SA as if the peer was last heard `agoMs` ago. */
function lookNow(p: Pair, ia: IkeSa, agoMs: number): void {
  ia.lastInbound = Date.now() - agoMs;
  dpdDue(p.a.engine, ia);
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

test('DPD: nothing from the peer for 300 s: a liveness check goes out, the next look a full interval on', () =>
  withSa(async (p, ia, before) => {
    lookNow(p, ia, 301_000);
    await waitFor(() => requests(p) === before + 1, () => `a liveness check went out; ${tail(p.a)}`);
    await waitFor(() => p.net.delivered((r) => r.exchange === EXCHANGE.INFORMATIONAL && !!(r.flags & FLAG.RESPONSE)).length >= 1, 'answered');
    assert.ok(ia.timers.has('dpd'), 'the next look is armed');
    // answered just now: calling it again sends nothing
    dpdDue(p.a.engine, ia);
    await settle();
    assert.equal(requests(p), before + 1);
  }));

test('DPD: an interval of IKE silence with no ESP either way: no check before 300 s (OpenIKED)', () =>
  withSa(async (p, ia, before) => {
    lookNow(p, ia, 61_000);
    await settle();
    assert.equal(requests(p), before);
    assert.ok(ia.timers.has('dpd'), 'the next look is armed');
  }));

test('DPD: ESP went out but none came in since the last look: a check goes out; traffic both ways: none', () =>
  withSa(async (p, ia, before) => {
    // both ways: alive, no check
    counters(p, ia, { in: 5, out: 7 });
    lookNow(p, ia, 61_000);
    await settle();
    assert.equal(requests(p), before, 'traffic both ways: no check');
    // then out only (in unchanged since the last look): a check
    counters(p, ia, { in: 5, out: 9 });
    lookNow(p, ia, 61_000);
    await waitFor(() => requests(p) === before + 1, () => `a liveness check went out; ${tail(p.a)}`);
    // the counters are kept modulo 2^30, as small integers
    assert.equal(ia.children[0].seenPacketsOut, 9);
    await waitFor(() => !ia.pending, 'the check answered');
    counters(p, ia, { in: 5, out: 2 ** 30 + 9 });
    lookNow(p, ia, 61_000);
    await settle();
    assert.equal(requests(p), before + 1, 'no traffic since the last look (the same count modulo 2^30): no check');
  }));

test('DPD: a kernel that does not know the Child SA counts as no traffic', () =>
  withSa(async (p, ia, before) => {
    p.a.engine.kernel.getCounters = async () => {
      throw new Error('ESRCH');
    };
    lookNow(p, ia, 61_000);
    await settle();
    assert.equal(requests(p), before);
  }));
