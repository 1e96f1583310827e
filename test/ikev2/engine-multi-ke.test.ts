/**
 * RFC 9370 multiple key exchanges between two of our engines: IKE_INTERMEDIATE after
 * IKE_SA_INIT (with the IntAuth chain in AUTH and a key update after each), and
 * IKE_FOLLOWUP_KE after CREATE_CHILD_SA for Child SAs with PFS and for IKE SA rekeys,
 * started by either side; negotiation of `ken ... none` against peers without them.
 * Classic groups serve as additional key exchanges here (RFC 9370 allows any method);
 * the post-quantum methods are covered in test/crypto and the interop tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, established, installedChildren, waitFor, settle, tail, Node, Pair } from '../helpers/engine-pair';
import { rekeyChild, rekeyIke } from '../../src/ikev2/exchange/create-child-sa';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';
import { DH } from '../../src/wire/iana';

const MULTI = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519 ke1 ecp256 ke2 ecp384';

function requests(n: Node, exchange: string): string[] {
  return n.lines.filter((l) => new RegExp(`^spi=0x[0-9a-f]+: ${exchange} request \\d+ \\[`).test(l));
}

function assertIkeKeysMatch(x: IkeSa, y: IkeSa): void {
  const a = x.keys!;
  const b = y.keys!;
  for (const k of ['skD', 'skAi', 'skAr', 'skEi', 'skEr', 'skPi', 'skPr'] as const) assert.ok(a[k].equals(b[k]), `${k} equal on both sides`);
}

async function steady(p: Pair, children: number): Promise<void> {
  await waitFor(
    () => [p.a, p.b].every((n) => established(n).length === 1 && n.engine.sas.size === 1 && installedChildren(n).length === children && n.kernel.listSas().length === 2 * children && !established(n)[0].pending && established(n)[0].queue.length === 0),
    () => `steady; ${tail(p.a)}; ${tail(p.b)}`,
  );
  await settle(p.net);
}

test('IKE SA with two additional key exchanges: two IKE_INTERMEDIATE exchanges, IntAuth in AUTH, same keys', async () => {
  const p = makePair({ ikesa: MULTI, childsa: 'enc aes-128-gcm' });
  try {
    const { ia, ib } = await establish(p);
    assert.deepEqual(ia.keMethods, [DH.CURVE25519, DH.ECP_256, DH.ECP_384]);
    assert.deepEqual(ib.keMethods, [DH.CURVE25519, DH.ECP_256, DH.ECP_384]);
    assert.equal(requests(p.b, 'IKE_INTERMEDIATE').length, 2, tail(p.b));
    assert.ok(ia.intermediate?.intAuthI && ia.intermediate.intAuthR, 'IntAuth chain built');
    assert.ok(ia.intermediate!.intAuthI!.equals(ib.intermediate!.intAuthI!), 'IntAuth_i agrees');
    assert.ok(ia.intermediate!.intAuthR!.equals(ib.intermediate!.intAuthR!), 'IntAuth_r agrees');
    assert.equal(ia.intermediate!.authMessageId, 3, 'IKE_AUTH follows the two IKE_INTERMEDIATE exchanges');
    assertIkeKeysMatch(ia, ib);
    assertChildKeysMatch(p.a, p.b);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('the IntAuth chain is in AUTH: a responder whose chain differs refuses the initiator', async () => {
  const p = makePair({ ikesa: MULTI, childsa: 'enc aes-128-gcm' });
  try {
    // corrupt the responder's IntAuth_i after the last IKE_INTERMEDIATE, before IKE_AUTH arrives
    let corrupted = false;
    p.net.hooks.push((d) => {
      const sa = p.b.engine.sas.all()[0];
      if (!corrupted && d.packet[18] === 35 && sa?.intermediate?.intAuthI && sa.intermediate.remaining.length === 0) {
        sa.intermediate.intAuthI[0] ^= 1;
        corrupted = true;
      }
      return d;
    });
    void p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => p.b.engine.stats.authFailures === 1, () => `auth failure; ${tail(p.b)}`);
    assert.equal(established(p.a).length, 0);
    assert.equal(established(p.b).length, 0);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

for (const who of ['a', 'b'] as const) {
  test(`Child SA rekey with PFS and an additional key exchange, started by ${who === 'a' ? 'the initiator' : 'the responder'}: IKE_FOLLOWUP_KE`, async () => {
    const p = makePair({ ikesa: MULTI, childsa: 'enc aes-128-gcm group curve25519 ke1 ecp256' });
    try {
      const { ia, ib } = await establish(p);
      const [n, sa] = who === 'a' ? [p.a, ia] : [p.b, ib];
      const peer = who === 'a' ? p.b : p.a;
      const old = sa.children[0];
      rekeyChild(n.engine, sa, old);
      await waitFor(() => installedChildren(p.a).every((c) => c.spiIn !== old.spiIn && c.spiOut !== old.spiIn) && installedChildren(p.b).every((c) => c.spiOut !== old.spiIn && c.spiIn !== old.spiIn), () => `rekeyed; ${tail(p.a)}; ${tail(p.b)}`);
      await steady(p, 1);
      assert.equal(requests(peer, 'IKE_FOLLOWUP_KE').length, 1, tail(peer));
      assert.equal(installedChildren(n)[0].rekeyOf, old.spiIn);
      assertChildKeysMatch(p.a, p.b);
      assert.equal(peer.engine.sas.all()[0].followup, null, 'no follow-up state left');
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });

  test(`IKE SA rekey with two additional key exchanges, started by ${who === 'a' ? 'the initiator' : 'the responder'}`, async () => {
    const p = makePair({ ikesa: MULTI, childsa: 'enc aes-128-gcm' });
    try {
      const { ia, ib } = await establish(p);
      const [n, sa] = who === 'a' ? [p.a, ia] : [p.b, ib];
      const peer = who === 'a' ? p.b : p.a;
      rekeyIke(n.engine, sa);
      await waitFor(() => [p.a, p.b].every((x) => established(x).length === 1 && established(x)[0] !== (x === p.a ? ia : ib) && x.engine.sas.size === 1), () => `rekeyed; ${tail(p.a)}; ${tail(p.b)}`);
      await steady(p, 1);
      assert.equal(requests(peer, 'IKE_FOLLOWUP_KE').length, 2, tail(peer));
      const [na, nb] = [established(p.a)[0], established(p.b)[0]];
      assertIkeKeysMatch(na, nb);
      assert.deepEqual(na.keMethods, [DH.CURVE25519, DH.ECP_256, DH.ECP_384]);
      assertChildKeysMatch(p.a, p.b);
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });
}

test('`ke1 ... ke1 none` against a peer without additional key exchanges: no IKE_INTERMEDIATE', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519 ke1 ecp256 ke1 none', bIkesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' });
  try {
    const { ia, ib } = await establish(p);
    assert.deepEqual(ia.keMethods, [DH.CURVE25519]);
    assert.equal(ia.intermediate, null);
    assert.equal(requests(p.b, 'IKE_INTERMEDIATE').length, 0);
    assertIkeKeysMatch(ia, ib);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('an additional key exchange the responder does not do (no `none` offered): NO_PROPOSAL_CHOSEN', async () => {
  const p = makePair({ ikesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519 ke1 ecp256', bIkesa: 'enc aes-128-gcm prf hmac-sha2-256 group curve25519', childsa: 'enc aes-128-gcm' });
  try {
    void p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => p.b.engine.stats.noProposalChosen === 1 && p.a.engine.sas.size === 0, () => `refused; ${tail(p.a)}; ${tail(p.b)}`);
    assert.ok(p.a.lines.some((l) => /NO_PROPOSAL_CHOSEN/.test(l)), tail(p.a));
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

for (const [label, ikesa, methods] of [
  ['ML-KEM-768 as additional key exchange 1', 'enc aes-256-gcm prf hmac-sha2-384 group curve25519 ke1 mlkem768', [DH.CURVE25519, DH.ML_KEM_768]],
  ['ML-KEM-1024 as the only key exchange', 'enc aes-256-gcm prf hmac-sha2-256 group mlkem1024', [DH.ML_KEM_1024]],
  ["OpenIKED's sntrup761x25519", 'enc aes-256-gcm prf hmac-sha2-256 group sntrup761x25519', [DH.SNTRUP761X25519]],
] as const) {
  test(`post-quantum, our engine against itself: ${label}`, async () => {
    const p = makePair({ ikesa, childsa: 'enc aes-128-gcm' });
    try {
      const { ia, ib } = await establish(p);
      assert.deepEqual(ia.keMethods, [...methods]);
      assert.deepEqual(ib.keMethods, [...methods]);
      assertIkeKeysMatch(ia, ib);
      assertChildKeysMatch(p.a, p.b);
    } finally {
      await shutdownAll(p.net, p.a, p.b);
    }
  });
}
