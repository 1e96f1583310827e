/**
 * Faults on the network: our iked (namespace a, decoupled) against strongSwan's charon
 * (namespace b, kernel-libipsec) while nftables in each namespace spoils the IKE
 * datagrams that host sends (lib/faults.ts):
 *   loss       30 % dropped, both directions (numgen random ... drop)
 *   duplicate  every datagram delivered twice, both directions (nft dup)
 *   reorder    30 % held back ~0.2-0.7 s in a slow htb class, both directions
 * For each fault and each of our roles (initiator, responder) one pair of daemons goes
 * through: establish; iked rekeys the Child SA (lifetime), then the IKE SA (ikelifetime);
 * strongSwan rekeys the Child SA, then the IKE SA (swanctl --rekey); strongSwan deletes
 * the IKE SA; a new one is set up; iked deletes it (ikectl reset sa). After every step
 * both sides hold the same single live IKE SA with a single Child SA (compareSa), after
 * the deletes neither holds a live one (lib/sa-agreement.ts). Then the fault is shown
 * to have happened, from nft counters (drops, copies, held back) and the receivers'
 * captures: datagrams arriving after one sent later (reorder), byte-identical repeats
 * (duplicate), none of either where there should be none.
 * The figures (datagrams, retransmissions, time to establish, step times) go to the
 * diagnostics: one `fault-figures {json}` line per case and a summary line each.
 */
import { test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { waitUntil } from './lib/scenario';
import { Fault, FaultKind, SEQ_MODULUS, Sink, SINK_MAC } from './lib/faults';
import { Agreement, Leftover, liveSwanSas, waitAgreed, waitNoSa } from './lib/sa-agreement';
import { showSa } from './lib/iked-control';
import { startFaultPair, PairTiming } from './lib/fault-pair';
import { CaseFigures, Role, summary } from './lib/case-figures';
import { InitAnsweredTwice } from './lib/ike-init-answers';

const skip = interopAvailable();

const FAULTS: Record<FaultKind, Fault> = {
  loss: { kind: 'loss', percent: 30 },
  duplicate: { kind: 'duplicate', percent: 100 },
  reorder: { kind: 'reorder', percent: 30 },
};

const TIMING: PairTiming = {
  // iked rekeys the Child SA at ~18-19.6 s and the IKE SA at ~23.4-25.5 s: apart, in that order.
  // A Child SA's rekey must be done between 90-95 % (95-98 % as the original responder) of its
  // lifetime and its hard expiry: 0.4-2 s here. With 9 s (0.18-0.9 s) one CI run of 8 lost
  // the race under 30 % loss (loss, ours as initiator: the Child SA strongSwan had just rekeyed
  // expired on our side before our rekey of it got through), see hints().
  childLifetimeS: 20,
  ikeLifetimeS: 26,
  // first retransmission after 10 ms, doubling: 14 sends (the 13th at ~41 s), ~164 s before giving up
  ikedEnv: { IKED_RETRANSMIT_MS: '10', IKED_RETRANSMIT_TRIES: '14' },
  // 0.1 s, x1.5, at most 1 s apart: 15 sends, ~11 s before giving up
  charon: { retransmit_timeout: 0.1, retransmit_base: 1.5, retransmit_limit: 1, retransmit_tries: 15 },
};
/** An unused address on the outside link (192.0.2.0/24), for the reorder fault's sacrificial copies. */
const SINK: Sink = { addr: '192.0.2.99', mac: SINK_MAC };
/**
 * How long one step may take beyond its own timer. An exchange we start is lost with
 * p = 1 - 0.7 * 0.7 = 0.51 per send under 30 % loss each way; in 60 s we send it 13
 * times, so a step fails by chance with p^13 ~ 2e-4 per exchange (charon: p^15).
 */
const STEP_MS = 60_000;
/** Our active policy comes up again ~2 s after its IKE SA is gone (PolicyKeeper's first retry), then sets up under the fault. */
const REESTABLISH_MS = 30_000;

async function runCase(t: TestContext, kind: FaultKind, role: Role): Promise<CaseFigures> {
  const ours = role === 'initiator';
  const pair = await startFaultPair(`flt-${kind.slice(0, 3)}-${role[0]}`, FAULTS[kind], role, SINK, TIMING);
  try {
    const { iked: d, charon: c } = pair;
    const logs = (): string => `${hints(d.log())}\n--- iked (last 30 lines) ---\n${d.log().split('\n').slice(-30).join('\n')}\n--- charon (last 30 lines) ---\n${c.log().split('\n').slice(-30).join('\n')}`;
    const stepsMs: Record<string, number> = {};
    let cur: Agreement | undefined;
    let broken = false;
    /** A step; when it fails, `recover` (if any) restores what the next steps need, else they are skipped. */
    const step = async (name: string, fn: () => Promise<void>, recover?: () => Promise<void>): Promise<void> => {
      await t.test(name, { skip: broken ? 'an earlier step failed' : false }, async () => {
        const t0 = Date.now();
        try {
          await fn();
        } catch (e) {
          (e as Error).message += logs();
          broken = !recover || !(await recover().then(() => true, () => false));
          throw e;
        }
        stepsMs[name] = Date.now() - t0;
      });
    };
    const establish = async (what: string, pred?: (s: Agreement['mine']) => boolean, ms = STEP_MS): Promise<void> => {
      if (!ours) {
        const r = await c.initiate('net', 't', ms / 1000);
        assert.equal(r.code, 0, `swanctl --initiate failed:\n${r.out}`);
      }
      cur = await waitAgreed(d, c, { what, ms, initiator: ours ? 'ours' : 'theirs', pred });
    };

    await step('establish the IKE SA and the Child SA', () => establish('the first IKE SA'));

    await step(`iked rekeys the Child SA (lifetime ${TIMING.childLifetimeS} s)`, async () => {
      const old = cur!.mine.children[0].spiIn;
      cur = await waitAgreed(d, c, { what: 'our Child SA rekey', ms: TIMING.childLifetimeS * 1000 + STEP_MS, pred: (s) => s.children[0].spiIn !== old });
      assert.match(c.log(), /parsed CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\)/, 'charon received our Child SA rekey request');
    });

    await step(`iked rekeys the IKE SA (ikelifetime ${TIMING.ikeLifetimeS} s)`, async () => {
      const old = cur!.mine.ikeSpiI;
      const child = cur!.mine.children[0].spiIn;
      cur = await waitAgreed(d, c, { what: 'our IKE SA rekey', ms: TIMING.ikeLifetimeS * 1000 + STEP_MS, initiator: 'ours', pred: (s) => s.ikeSpiI !== old });
      assert.match(c.log(), /parsed CREATE_CHILD_SA request \d+ \[ SA No KE \]/, 'charon received our IKE SA rekey request');
      assert.equal(cur.mine.children[0].spiIn, child, 'the Child SA moved to the new IKE SA');
    });

    // charon's commands name the live SAs by unique id: `--ike t` would also match an old IKE SA still being deleted
    await step('strongSwan rekeys the Child SA', async () => {
      const old = cur!.mine.children[0].spiIn;
      const r = await c.swanctl(['--rekey', '--child-id', String(cur!.theirs.children[0].uniqueId)]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      cur = await waitAgreed(d, c, { what: "strongSwan's Child SA rekey", ms: STEP_MS, pred: (s) => s.children[0].spiIn !== old });
      assert.match(d.log(), new RegExp(`Child SA 0x${old} rekeyed by peer as 0x${cur.mine.children[0].spiIn}`));
    });

    await step('strongSwan rekeys the IKE SA', async () => {
      const old = cur!.mine.ikeSpiI;
      const r = await c.swanctl(['--rekey', '--ike-id', String(cur!.theirs.uniqueId)]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      cur = await waitAgreed(d, c, { what: "strongSwan's IKE SA rekey", ms: STEP_MS, initiator: 'theirs', pred: (s) => s.ikeSpiI !== old });
      assert.match(d.log(), /IKE SA rekeyed by peer as/);
    });

    await step('strongSwan deletes the IKE SA', async () => {
      const gone = cur!.mine.ikeSpiI;
      const ourSpi = cur!.mine.initiator ? cur!.mine.ikeSpiI : cur!.mine.ikeSpiR;
      // swanctl waits for the answer; when that is lost charon retransmits until it gives up (we forgot the SA): do not wait
      const r = await c.swanctl(['--terminate', '--ike-id', String(cur!.theirs.uniqueId), '--timeout', '2']);
      assert.match(r.stdout + r.stderr, /sending DELETE for IKE_SA/, r.stderr + r.stdout);
      await waitUntil(`both sides to drop IKE SA ${gone}`, STEP_MS, async () => {
        const [mine, theirs] = await Promise.all([showSa(d), liveSwanSas(c)]);
        return !mine.some((s) => s.ikeSpiI === gone) && !theirs.some((s) => s.spiI === gone);
      });
      assert.match(d.log(), new RegExp(`spi=0x${ourSpi}: deleted IKE SA with .*: deleted by peer`), 'iked removed the IKE SA on the DELETE');
    });

    const deleted = cur?.mine.ikeSpiI;
    const again = (s: Agreement['mine']): boolean => s.ikeSpiI !== deleted;
    await step(
      ours ? 'iked sets up a new IKE SA (active policy)' : 'strongSwan sets up a new IKE SA',
      async () => {
        try {
          await establish('a second IKE SA', again, REESTABLISH_MS);
        } catch (e) {
          if (!ours) throw e;
          assert.fail(
            `ENGINE BUG: our active policy was not brought up again within ${REESTABLISH_MS} ms after strongSwan deleted ` +
              `the IKE SA that strongSwan had rekeyed. On our side that SA has initiator=false (the rekey's initiator owns it), and ` +
              `PolicyKeeper.removed() (src/proc/policy-keeper.ts) schedules a new initiation only when the removed SA has sa.initiator set.\n` +
              (e as Error).message,
          );
        }
      },
      // `ikectl active` starts the active policies again (PolicyKeeper.start), so the delete by iked can still be tried
      ours
        ? async () => {
            await d.ikectl(['active']);
            await establish('a second IKE SA after ikectl active', again);
          }
        : undefined,
    );

    let leftover: Leftover = { ours: 0, theirs: 0, halfOpen: 0 };
    await step('iked deletes the IKE SA (ikectl reset sa)', async () => {
      const theirId = cur!.theirs.uniqueId;
      if (ours) assert.equal((await d.ikectl(['passive'])).code, 0);
      const r = await d.ikectl(['reset', 'sa']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      leftover = await waitNoSa(d, c, STEP_MS, 1000);
      assert.match(c.log(), new RegExp(`received DELETE for IKE_SA t\\[${theirId}\\]`), 'charon received our DELETE');
    });

    const fig = await pair.finish({ stepsMs, leftover });
    t.diagnostic(`fault-figures ${JSON.stringify(fig)}`);
    await t.test('the fault really happened', () => checkFault(fig));
    await t.test('each IKE_SA_INIT request got one IKE SA', () => {
      const alive = (xs: InitAnsweredTwice[]): InitAnsweredTwice[] => xs.filter((x) => x.whileAlive);
      assert.deepEqual(alive(fig.initTwice.charon), [], 'charon answered an IKE_SA_INIT retransmission with a second IKE SA');
      assert.deepEqual(
        alive(fig.initTwice.iked),
        [],
        'ENGINE BUG: iked answered a late retransmission of an IKE_SA_INIT request it had already answered (requests: 1 = the same ' +
          'bytes each time), while that IKE SA was alive, with a NEW responder SPI: a second, half-open IKE SA that times out after 30 s. ' +
          'SaTable.findHalfOpen() (src/ikev2/sa/sa-table.ts) finds a responder SA by peer address + SPIi only while it is half-open: ' +
          'markOpened() drops that index once IKE_AUTH is done, so handleInitRequest() (src/ikev2/exchange/ike-sa-init.ts) takes a later ' +
          'retransmission for a new request.',
      );
    });
    return fig;
  } finally {
    await pair.cleanup();
  }
}

/** What a failure may come from, by what iked logged. */
function hints(log: string): string {
  if (!/deleting Child SA 0x\w+: lifetime of 0x\w+ expired/.test(log)) return '';
  return (
    `\nNOTE: iked let a Child SA reach its hard lifetime (${TIMING.childLifetimeS} s) before its rekey was done: either the rekey, ` +
    'started at 90-95 % of the lifetime (95-98 % when iked is the original responder: src/ikev2/exchange/lifetimes.ts), needed longer ' +
    'than the rest, or it waited behind an exchange still being retransmitted. The window is one exchange, and the retransmission ' +
    'interval doubles without a cap (src/ikev2/engine.ts transmit(): retransmitMs * 2^(tries-1)), so one exchange that needs 10 or more ' +
    'sends under 30 % loss each way (p = 0.51^10 ~ 1e-3) holds every other exchange of its IKE SA for 10 s or more. strongSwan caps ' +
    'the interval (retransmit_limit); iked has no such cap.'
  );
}

/** The nft counters and the captures show the fault at work, in both directions, and nothing else going on. */
function checkFault(f: CaseFigures): void {
  const show = JSON.stringify({ a: f.a, b: f.b });
  const order = JSON.stringify({ atA: f.atA, atB: f.atB });
  // the pick is random: n datagrams have none picked with (1 - share)^n. A direction is checked alone only where
  // that is below 1e-6 (39 datagrams at 30 %): at 1e-3 (20 on) a CI run failed on 22 datagrams of b->a with none
  // picked (p = 4e-4, twelve directions a run); both directions together (some 40-80 datagrams) are always checked
  const share = FAULTS[f.fault].percent / 100;
  assert.ok(f.a.hit + f.b.hit > 0, `the ${f.fault} rule hit IKE datagrams: ${show}`);
  for (const [dir, c] of [['a->b', f.a], ['b->a', f.b]] as const) {
    if ((1 - share) ** c.sent < 1e-6) assert.ok(c.hit > 0, `the ${f.fault} rule hit ${dir} datagrams (${c.sent} sent): ${show}`);
  }
  assert.ok(f.a.sent < SEQ_MODULUS && f.b.sent < SEQ_MODULUS, `the IP ID sequence numbers did not wrap: ${show}`);
  if (f.fault !== 'reorder') assert.equal(f.atA.lateDatagrams + f.atB.lateDatagrams, 0, `without the reorder fault no datagram arrives late: ${order}`);
  switch (f.fault) {
    case 'loss':
      assert.equal(f.b.recv, f.a.sent - f.a.hit, `what b received is what a sent minus a's drops: ${show}`);
      assert.equal(f.a.recv, f.b.sent - f.b.hit, `what a received is what b sent minus b's drops: ${show}`);
      break;
    case 'duplicate':
      assert.ok(f.a.copies > 0 && f.b.copies > 0, `copies left both hosts: ${show}`);
      assert.ok(f.b.recv > f.a.sent && f.a.recv > f.b.sent, `more datagrams arrived than were sent: ${show}`);
      assert.ok(f.atA.repeats > 0 && f.atB.repeats > 0, `both hosts received byte-identical repeats: ${order}`);
      // a copy that comes while the original is being worked on is dropped, a later one answered from the cache
      assert.ok(f.ours.rxRetransmits > 0, 'iked took repeated requests for repeats');
      assert.ok(f.theirs.answeredRepeats + f.theirs.ignored > 0, 'charon took repeated requests for repeats');
      break;
    case 'reorder':
      // a host whose rule picked a datagram sent it (and its sink copies) through the slow class; the picks are checked above
      assert.ok(f.slow && f.slow.a + f.slow.b > 0, `the slow class sent datagrams: ${JSON.stringify(f.slow)}`);
      assert.ok(f.a.hit === 0 || f.slow.a > 0, `a's picked datagrams went through its slow class: ${JSON.stringify({ slow: f.slow, ...JSON.parse(show) })}`);
      assert.ok(f.b.hit === 0 || f.slow.b > 0, `b's picked datagrams went through its slow class: ${JSON.stringify({ slow: f.slow, ...JSON.parse(show) })}`);
      assert.equal(f.b.recv, f.a.sent, `nothing lost a->b: ${show}`);
      assert.equal(f.a.recv, f.b.sent, `nothing lost b->a: ${show}`);
      assert.ok(f.atA.lateDatagrams + f.atB.lateDatagrams > 0, `a datagram arrived after one its sender sent later: ${order}`);
      break;
  }
}

test('iked <-> strongSwan under loss, duplication and reordering', { timeout: 230_000, concurrency: 6 }, async (t) => {
  if (skip) return t.skip(skip);
  const rows: CaseFigures[] = [];
  // the six cases run side by side, each in its own pair of namespaces; waits poll the daemons in-process (cheap)
  const cases = (Object.keys(FAULTS) as FaultKind[]).flatMap((kind) => (['initiator', 'responder'] as const).map((role) => ({ kind, role })));
  await Promise.all(
    cases.map(({ kind, role }) =>
      t.test(`${kind}: ours as ${role}`, { timeout: 220_000 }, async (tt) => {
        rows.push(await runCase(tt, kind, role));
      }),
    ),
  );
  for (const r of rows) t.diagnostic(summary(r));
});
