/**
 * RFC 8784 post-quantum preshared keys between two in-process engines: mandatory and
 * optional mode, the NO_PPK_AUTH fallback, a wrong PPK, a peer without PPK, and the
 * Child SA keys coming from SK_d' (checked against keys computed here from the
 * responder's keys before IKE_AUTH).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, assertChildKeysMatch, shutdownAll, installedChildren, established, waitFor, tail, findSpec, Pair, Node } from '../helpers/engine-pair';
import { decodeMessage } from '../../src/ikev2/payloads/message';
import { openMessage } from '../../src/ikev2/payloads/message-protect';
import { EXCHANGE, FLAG, NOTIFY, PAYLOAD } from '../../src/wire/iana';
import type { NotifyPayload, Payload, AuthPayload } from '../../src/ikev2/payloads/payload-types';
import { derivePpkKeys, deriveChildKeys } from '../../src/crypto/keymat';
import { rekeyIke, rekeyChild } from '../../src/ikev2/exchange/create-child-sa';
import { ikeSaView } from '../../src/proc/sa-views';
import type { IkeSa } from '../../src/ikev2/sa/ike-sa';
import type { PpkConf } from '../../src/conf/types';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';
const KEY = Buffer.from('a post-quantum preshared key of 32+ bytes, for tests', 'utf8');

function ppk(id: string, required: boolean, key: Buffer = KEY): PpkConf {
  return { id: Buffer.from(id), key: Buffer.from(key), required };
}

/** The first IKE_AUTH request and response in clear, and the responder's keys before IKE_AUTH. */
interface AuthWatch {
  request: Payload[] | null;
  response: Payload[] | null;
  /** responder's SK_d, Ni, Nr as IKE_SA_INIT left them */
  before: { skD: Buffer; ni: Buffer; nr: Buffer } | null;
  initSent: number;
}

function saOf(n: Node, spiI: Buffer): IkeSa | undefined {
  return n.engine.sas.all().find((s) => s.spiI.equals(spiI));
}

function watchAuth(p: Pair): AuthWatch {
  const w: AuthWatch = { request: null, response: null, before: null, initSent: 0 };
  p.net.hooks.push((d) => {
    const pkt = d.packet;
    if (pkt.length < 28) return d;
    const isResponse = !!(pkt[19] & FLAG.RESPONSE);
    if (pkt[18] === EXCHANGE.IKE_SA_INIT && !isResponse) w.initSent++;
    if (pkt[18] !== EXCHANGE.IKE_AUTH || pkt.readUInt32BE(20) !== 1) return d;
    const m = decodeMessage(pkt);
    const spiI = m.header.spiI;
    if (!isResponse && !w.request) {
      const b = saOf(p.b, spiI)!;
      w.before = { skD: Buffer.from(b.keys!.skD), ni: Buffer.from(b.ni), nr: Buffer.from(b.nr) };
      w.request = openMessage(b, pkt, m).inner;
    } else if (isResponse && !w.response) {
      w.response = openMessage(saOf(p.a, spiI)!, pkt, m).inner;
    }
    return d;
  });
  return w;
}

function notifyOf(list: Payload[] | null, type: number): NotifyPayload | undefined {
  return list?.find((x) => x.type === PAYLOAD.NOTIFY && (x as NotifyPayload).notifyType === type) as NotifyPayload | undefined;
}

async function withPair(aPpk: PpkConf | undefined, bPpk: PpkConf | undefined, fn: (p: Pair, w: AuthWatch) => Promise<void>): Promise<void> {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  p.a.engine.policies[0].conf.ppk = aPpk;
  p.b.engine.policies[0].conf.ppk = bPpk;
  const w = watchAuth(p);
  try {
    await fn(p, w);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
}

/** The responder's inbound Child SA key is KEYMAT = prf+(skD, Ni | Nr) for that SK_d (RFC 7296 2.17). */
function assertChildKeyFrom(p: Pair, ib: IkeSa, skD: Buffer, w: AuthWatch): void {
  const c = installedChildren(p.b)[0];
  const spec = findSpec(p.b, c.spiIn)!;
  const want = deriveChildKeys(ib.alg!.prf, skD, w.before!.ni, w.before!.nr, null, spec.encr!.key.length, 0);
  assert.deepEqual(spec.encr!.key, want.encI, 'the Child SA key comes from this SK_d');
}

async function failed(p: Pair): Promise<void> {
  await waitFor(() => p.a.engine.sas.size === 0 && p.b.engine.sas.size === 0, () => `both SAs gone; ${tail(p.a)}; ${tail(p.b)}`);
  assert.equal(installedChildren(p.a).length + installedChildren(p.b).length, 0);
}

for (const required of [true, false]) {
  test(`same PPK on both sides, ${required ? 'mandatory' : 'optional'}: PPK_IDENTITY both ways, SK_d' feeds the Child SA`, async () => {
    await withPair(ppk('ppk-one', required), ppk('ppk-one', required), async (p, w) => {
      const { ia, ib } = await establish(p);
      assert.deepEqual(ia.ppk, { withoutPpk: null, used: true });
      assert.deepEqual(ib.ppk, { withoutPpk: null, used: true });
      const id = notifyOf(w.request, NOTIFY.PPK_IDENTITY);
      assert.ok(id, 'PPK_IDENTITY in the request');
      assert.deepEqual(id.data, Buffer.concat([Buffer.from([2]), Buffer.from('ppk-one')]), 'PPK_ID_FIXED (2) and the id');
      const noPpk = notifyOf(w.request, NOTIFY.NO_PPK_AUTH);
      if (required) assert.equal(noPpk, undefined, 'no NO_PPK_AUTH in mandatory mode');
      else {
        const auth = w.request!.find((x) => x.type === PAYLOAD.AUTH) as AuthPayload;
        assert.ok(noPpk && noPpk.data.length === auth.data.length, 'NO_PPK_AUTH carries AUTH data of the same length');
        assert.notDeepEqual(noPpk.data, auth.data, 'NO_PPK_AUTH is over the SK_pi without the PPK');
      }
      const answer = notifyOf(w.response, NOTIFY.PPK_IDENTITY);
      assert.ok(answer, 'PPK_IDENTITY in the response');
      assert.equal(answer.data.length, 0, 'the responder answers an empty PPK_IDENTITY');
      // SK_d' = prf+(PPK, SK_d), on both sides, and the Child SA keys come from it
      const skD2 = derivePpkKeys(ib.alg!.prf, KEY, { skD: w.before!.skD, skPi: Buffer.alloc(32), skPr: Buffer.alloc(32) }).skD;
      assert.deepEqual(Buffer.from(ib.keys!.skD), skD2);
      assert.deepEqual(Buffer.from(ia.keys!.skD), skD2);
      assertChildKeyFrom(p, ib, skD2, w);
      assertChildKeysMatch(p.a, p.b);
      assert.equal(ikeSaView(ia).ppk, true);
      assert.ok(p.b.lines.some((l) => l.includes("using PPK for PPK_ID 'ppk-one'")), tail(p.b));
      assert.ok(!p.a.lines.concat(p.b.lines).some((l) => l.includes(KEY.toString('utf8')) || l.includes(KEY.toString('hex'))), 'the PPK is not logged');
    });
  });
}

test('optional PPK, the responder has another PPK_ID: NO_PPK_AUTH is used, both go on with the keys without the PPK', async () => {
  await withPair(ppk('ppk-one', false), ppk('ppk-two', false), async (p, w) => {
    const { ia, ib } = await establish(p);
    assert.equal(ia.ppk?.used, false);
    assert.equal(ib.ppk?.used, false);
    assert.ok(notifyOf(w.request, NOTIFY.NO_PPK_AUTH));
    assert.equal(notifyOf(w.response, NOTIFY.PPK_IDENTITY), undefined);
    assert.deepEqual(Buffer.from(ib.keys!.skD), w.before!.skD, 'SK_d as IKE_SA_INIT made it');
    assert.deepEqual(Buffer.from(ia.keys!.skD), w.before!.skD);
    assertChildKeyFrom(p, ib, w.before!.skD, w);
    assertChildKeysMatch(p.a, p.b);
    assert.equal(ikeSaView(ia).ppk, false);
    assert.ok(p.b.lines.some((l) => l.includes("no PPK for PPK_ID 'ppk-one', authenticating with NO_PPK_AUTH")), tail(p.b));
    assert.ok(p.a.lines.some((l) => l.includes('the responder did not use the PPK')), tail(p.a));
  });
});

test('optional PPK, a responder without any PPK: no USE_PPK answer, plain IKE_AUTH', async () => {
  await withPair(ppk('ppk-one', false), undefined, async (p, w) => {
    const { ia, ib } = await establish(p);
    assert.equal(ia.ppk, null);
    assert.equal(ib.ppk, null);
    assert.equal(notifyOf(w.request, NOTIFY.PPK_IDENTITY), undefined);
    assert.equal(notifyOf(w.request, NOTIFY.NO_PPK_AUTH), undefined);
    assertChildKeyFrom(p, ib, w.before!.skD, w);
    assert.equal(ikeSaView(ia).ppk, false);
    assert.equal(ikeSaView(ib).ppk, undefined, 'a policy without a PPK shows nothing');
  });
});

test('mandatory PPK on the initiator, a responder without PPK: given up after IKE_SA_INIT', async () => {
  await withPair(ppk('ppk-one', true), undefined, async (p, w) => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await waitFor(() => p.a.engine.sas.size === 0, () => tail(p.a));
    assert.equal(w.request, null, 'no IKE_AUTH sent');
    assert.ok(p.a.lines.some((l) => l.includes("policy 'test' requires a PPK, but the peer did not send USE_PPK")), tail(p.a));
  });
});

test('mandatory PPK on the responder, an initiator without PPK: AUTHENTICATION_FAILED', async () => {
  await withPair(undefined, ppk('ppk-one', true), async (p, w) => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await failed(p);
    assert.equal(notifyOf(w.response, NOTIFY.AUTHENTICATION_FAILED)?.notifyType, NOTIFY.AUTHENTICATION_FAILED);
    assert.ok(p.b.lines.some((l) => l.includes('requires a PPK: the peer did not send USE_PPK')), tail(p.b));
  });
});

test('optional PPK, a responder that requires another PPK_ID: AUTHENTICATION_FAILED', async () => {
  await withPair(ppk('ppk-one', false), ppk('ppk-two', true), async (p, w) => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await failed(p);
    assert.ok(notifyOf(w.response, NOTIFY.AUTHENTICATION_FAILED));
    assert.ok(p.b.lines.some((l) => l.includes("requires a PPK: no PPK for PPK_ID 'ppk-one'")), tail(p.b));
  });
});

test('mandatory PPK with an id the optional responder lacks: no NO_PPK_AUTH, AUTHENTICATION_FAILED', async () => {
  await withPair(ppk('ppk-one', true), ppk('ppk-two', false), async (p, w) => {
    await p.a.engine.initiate(p.a.engine.policies[0]);
    await failed(p);
    assert.ok(notifyOf(w.response, NOTIFY.AUTHENTICATION_FAILED));
    assert.ok(p.b.lines.some((l) => l.includes("no PPK for PPK_ID 'ppk-one' and no NO_PPK_AUTH")), tail(p.b));
  });
});

for (const required of [true, false]) {
  test(`same PPK_ID, different PPK, ${required ? 'mandatory' : 'optional'}: AUTH over SK_pi' fails, no fallback`, async () => {
    await withPair(ppk('ppk-one', required), ppk('ppk-one', required, Buffer.from('not the same key at all, 32+ bytes long')), async (p, w) => {
      await p.a.engine.initiate(p.a.engine.policies[0]);
      await failed(p);
      assert.ok(notifyOf(w.response, NOTIFY.AUTHENTICATION_FAILED));
      assert.ok(p.b.lines.some((l) => l.includes('pre-shared key mismatch')), tail(p.b));
    });
  });
}

test('with a PPK, IKE SA and Child SA rekeys work, and the rekeyed IKE SA shows ppk yes', async () => {
  await withPair(ppk('ppk-one', true), ppk('ppk-one', true), async (p) => {
    const { ia } = await establish(p);
    rekeyIke(p.a.engine, ia);
    await waitFor(() => established(p.a).length === 1 && established(p.a)[0] !== ia && established(p.b).length === 1 && installedChildren(p.b).length === 1 && !established(p.a)[0].pending, () => `${tail(p.a)}; ${tail(p.b)}`);
    const na = established(p.a)[0];
    assert.equal(ikeSaView(na).ppk, true);
    assert.equal(ikeSaView(established(p.b)[0]).ppk, true);
    const old = na.children[0].spiIn;
    rekeyChild(p.a.engine, na, na.children[0]);
    await waitFor(() => installedChildren(p.a).length === 1 && installedChildren(p.a)[0].spiIn !== old && installedChildren(p.b).length === 1, () => `${tail(p.a)}; ${tail(p.b)}`);
    await waitFor(() => p.a.kernel.listSas().length === 2 && p.b.kernel.listSas().length === 2, 'old Child SA deleted');
    assertChildKeysMatch(p.a, p.b);
  });
});
