/** IKE_SA_INIT + IKE_AUTH between two in-process engines: algorithms, KE retry, failures, selectors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makePair,
  establish,
  assertChildKeysMatch,
  shutdownAll,
  installedChildren,
  established,
  waitFor,
  settle,
  tail,
  Pair,
} from '../helpers/engine-pair';
import { decodeMessage } from '../../src/ikev2/payloads/message';
import { EXCHANGE, PAYLOAD, NOTIFY, ENCR, DH, INTEG, FLAG } from '../../src/wire/iana';
import type { KePayload, NotifyPayload } from '../../src/ikev2/payloads/payload-types';
import { tsText } from '../../src/ikev2/policy/traffic-selectors';

async function withPair(p: Pair, fn: (p: Pair) => Promise<void>): Promise<void> {
  try {
    await fn(p);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
}

const suites = [
  {
    name: 'aes-128-gcm / ecp256',
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256',
    childsa: 'enc aes-128-gcm',
    encr: ENCR.AES_GCM_16,
    keyLen: 16 + 4,
    integ: undefined,
    group: DH.ECP_256,
  },
  {
    name: 'aes-256 + hmac-sha2-256 / modp2048',
    ikesa: 'enc aes-256 prf hmac-sha2-256 auth hmac-sha2-256 group modp2048',
    childsa: 'enc aes-256 auth hmac-sha2-256',
    encr: ENCR.AES_CBC,
    keyLen: 32,
    integ: INTEG.HMAC_SHA2_256_128,
    group: DH.MODP_2048,
  },
  {
    name: 'chacha20-poly1305 (child) / curve25519',
    ikesa: 'enc aes-256-gcm prf hmac-sha2-256 group curve25519',
    childsa: 'enc chacha20-poly1305',
    encr: ENCR.CHACHA20_POLY1305,
    keyLen: 32 + 4,
    integ: undefined,
    group: DH.CURVE25519,
  },
];

for (const s of suites) {
  for (const dir of ['a->b', 'b->a'] as const) {
    test(`PSK establishment ${s.name}, ${dir}: Child SA keys match crosswise`, async () => {
      await withPair(makePair({ ikesa: s.ikesa, childsa: s.childsa }), async (p) => {
        const [ini, resp] = dir === 'a->b' ? [p.a, p.b] : [p.b, p.a];
        const { ia, ib } = await establish(p, ini, resp);
        assert.equal(ia.initiator, true);
        assert.equal(ib.initiator, false);
        assert.equal(ia.dhGroup, s.group);
        assert.equal(ib.dhGroup, s.group);
        assert.deepEqual(ia.spiI, ib.spiI);
        assert.deepEqual(ia.spiR, ib.spiR);
        // IKE SA keys agree crosswise too
        assert.deepEqual(ia.keys!.skEi, ib.keys!.skEi);
        assert.deepEqual(ia.keys!.skD, ib.keys!.skD);
        assertChildKeysMatch(p.a, p.b);
        const c = installedChildren(p.a)[0];
        assert.equal(c.chosen.encr.id, s.encr);
        assert.equal(c.chosen.integ, s.integ);
        assert.equal(c.encap, false);
        const spec = p.a.kernel.listSas().find((x) => x.spi === c.spiOut)!;
        assert.equal(spec.encr!.key.length, s.keyLen);
        assert.equal(spec.mode, 'tunnel');
        assert.equal(spec.src, p.a.address);
        assert.equal(spec.dst, p.b.address);
        // flows: out/in/fwd for the one selector pair on each side
        assert.equal(p.a.kernel.listFlows().length, 3);
        assert.equal(p.b.kernel.listFlows().length, 3);
        assert.deepEqual(c.tsLocal.map(tsText), ['10.1.0.0/24']);
        assert.deepEqual(c.tsRemote.map(tsText), ['10.2.0.0/24']);
      });
    });
  }
}

test('INVALID_KE_PAYLOAD: initiator offers ecp256 first, responder wants curve25519, retry succeeds', async () => {
  const p = makePair({
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256 group curve25519',
    bIkesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519',
    childsa: 'enc aes-128-gcm',
  });
  await withPair(p, async () => {
    const { ia } = await establish(p);
    assert.equal(ia.dhGroup, DH.CURVE25519);
    // (under load the first request may be retransmitted once and answered twice)
    assert.ok(p.b.engine.stats.invalidKeSent >= 1);
    const inits = p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !(r.flags & FLAG.RESPONSE)).map((r) => decodeMessage(r.packet));
    assert.ok(inits.length >= 2);
    const ke = (i: number): number => (inits[i].payloads.find((x) => x.type === PAYLOAD.KE) as KePayload).group;
    assert.equal(ke(0), DH.ECP_256);
    assert.equal(ke(inits.length - 1), DH.CURVE25519);
    const firstAnswer = decodeMessage(p.net.delivered((r) => r.exchange === EXCHANGE.IKE_SA_INIT && !!(r.flags & FLAG.RESPONSE))[0].packet);
    const n = firstAnswer.payloads.find((x) => x.type === PAYLOAD.NOTIFY) as NotifyPayload;
    assert.equal(n.notifyType, NOTIFY.INVALID_KE_PAYLOAD);
    assert.equal(n.data.readUInt16BE(0), DH.CURVE25519);
    assertChildKeysMatch(p.a, p.b);
  });
});

test('disjoint DH groups: NO_PROPOSAL_CHOSEN at once, no INVALID_KE_PAYLOAD loop', async () => {
  const p = makePair({
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256',
    bIkesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519',
    childsa: 'enc aes-128-gcm',
  });
  await withPair(p, async () => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => p.a.engine.sas.size === 0, () => `initiator gives up; ${tail(p.a)}`);
    assert.equal(p.b.engine.sas.size, 0);
    assert.equal(p.b.engine.stats.invalidKeSent, 0);
    assert.equal(p.b.engine.stats.noProposalChosen, 1);
  });
});

test('the crosswise key check itself catches a wrong key', async () => {
  await withPair(makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' }), async (p) => {
    await establish(p);
    assertChildKeysMatch(p.a, p.b);
    const spec = p.a.kernel.listSas().find((s) => s.encr)!;
    spec.encr!.key[0] ^= 1;
    assert.throws(() => assertChildKeysMatch(p.a, p.b), /keys of 0x/);
  });
});

test('NO_PROPOSAL_CHOSEN: no common IKE proposal removes the initiator SA, responder keeps no state', async () => {
  const p = makePair({
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256',
    bIkesa: 'enc aes-256 prf hmac-sha2-512 auth hmac-sha2-512 group modp2048',
    childsa: 'enc aes-128-gcm',
  });
  await withPair(p, async () => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => p.a.engine.sas.size === 0, () => `initiator SA removed; ${tail(p.a)}`);
    assert.equal(p.b.engine.sas.size, 0);
    assert.equal(p.b.engine.stats.noProposalChosen, 1);
    assert.ok(p.a.lines.some((l) => l.includes('NO_PROPOSAL_CHOSEN')), tail(p.a));
  });
});

test('wrong PSK: AUTHENTICATION_FAILED, responder state removed, initiator SA removed', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256', childsa: 'enc aes-128-gcm', aPsk: 'one', bPsk: 'two' });
  await withPair(p, async () => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => p.a.engine.sas.size === 0 && p.b.engine.sas.size === 0, () => `both sides drop the SA; ${tail(p.a)}; ${tail(p.b)}`);
    assert.equal(p.b.engine.stats.authFailures, 1);
    assert.equal(p.a.engine.stats.authFailures, 1);
    assert.ok(p.a.lines.some((l) => l.includes('AUTHENTICATION_FAILED')), tail(p.a));
    assert.ok(p.b.lines.some((l) => l.includes('pre-shared key mismatch')), tail(p.b));
    assert.equal(p.a.kernel.listSas().length, 0, 'nothing installed on the initiator');
    assert.equal(p.b.kernel.listSas().length, 0, 'nothing installed on the responder');
    assert.equal(p.b.engine.sas.halfOpen, 0);
  });
});

test('TS narrowing: responder narrower than the initiator; both install the narrowed selectors', async () => {
  const p = makePair({
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256',
    childsa: 'enc aes-128-gcm',
    aFrom: '10.1.0.0/16',
    aTo: '10.2.0.0/16',
    bFrom: '10.2.3.0/24',
    bTo: '10.1.7.0/24',
  });
  await withPair(p, async () => {
    await establish(p);
    const ca = installedChildren(p.a)[0];
    const cb = installedChildren(p.b)[0];
    assert.deepEqual(ca.tsLocal.map(tsText), ['10.1.7.0/24']);
    assert.deepEqual(ca.tsRemote.map(tsText), ['10.2.3.0/24']);
    assert.deepEqual(cb.tsLocal.map(tsText), ['10.2.3.0/24']);
    assert.deepEqual(cb.tsRemote.map(tsText), ['10.1.7.0/24']);
    const outA = p.a.kernel.listFlows().find((f) => f.dir === 'out')!;
    assert.equal(outA.src, '10.1.7.0/24');
    assert.equal(outA.dst, '10.2.3.0/24');
    assertChildKeysMatch(p.a, p.b);
  });
});

test('TS_UNACCEPTABLE: no Child SA, the IKE SA stays on both sides', async () => {
  const p = makePair({
    ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256',
    childsa: 'enc aes-128-gcm',
    bFrom: '10.9.0.0/24',
    bTo: '10.1.0.0/24',
  });
  await withPair(p, async () => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => established(p.a).length === 1 && established(p.b).length === 1, 'IKE SA on both sides');
    await waitFor(() => p.a.lines.some((l) => l.includes('TS_UNACCEPTABLE')), () => `initiator logs TS_UNACCEPTABLE; ${tail(p.a)}`);
    await settle(p.net);
    assert.equal(installedChildren(p.a).length, 0);
    assert.equal(installedChildren(p.b).length, 0);
    assert.equal(p.a.kernel.listSas().length, 0);
    assert.equal(p.b.kernel.listSas().filter((s) => s.encr).length, 0);
    assert.equal(established(p.a).length, 1, 'IKE SA kept on the initiator');
    assert.equal(established(p.b).length, 1, 'IKE SA kept on the responder');
  });
});
