/** proposals.ts: building from configuration, responder selection, initiator check. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ikeProposalsFromConf,
  childProposalsFromConf,
  selectProposal,
  checkAccepted,
  chosenToProposal,
  proposalGroups,
  isAead,
} from '../../src/ikev2/policy/proposals';
import { PROTOCOL, TRANSFORM, ENCR, PRF, INTEG, DH, ESN } from '../../src/wire/iana';
import type { Proposal, Transform } from '../../src/ikev2/payloads/payload-types';

const enc = (id: number, keyLength?: number): Transform => ({ type: TRANSFORM.ENCR, id, keyLength });
const prf = (id: number): Transform => ({ type: TRANSFORM.PRF, id });
const integ = (id: number): Transform => ({ type: TRANSFORM.INTEG, id });
const dh = (id: number): Transform => ({ type: TRANSFORM.DH, id });
const esn = (id: number): Transform => ({ type: TRANSFORM.ESN, id });

function prop(num: number, protocol: number, transforms: Transform[], spi = Buffer.alloc(0)): Proposal {
  return { num, protocol, spi, transforms };
}

const SPI4 = Buffer.from([1, 2, 3, 4]);

test('isAead knows GCM, CCM and ChaCha20-Poly1305, not CBC', () => {
  assert.equal(isAead(ENCR.AES_GCM_16), true);
  assert.equal(isAead(ENCR.AES_CCM_8), true);
  assert.equal(isAead(ENCR.CHACHA20_POLY1305), true);
  assert.equal(isAead(ENCR.AES_CBC), false);
});

test('ikeProposalsFromConf puts AEAD and non-AEAD ciphers in separate proposals, AEAD without integrity', () => {
  const ps = ikeProposalsFromConf([
    {
      encr: [
        { id: ENCR.AES_CBC, keyBits: 256 },
        { id: ENCR.AES_GCM_16, keyBits: 128 },
      ],
      prf: [PRF.HMAC_SHA2_256],
      integ: [INTEG.HMAC_SHA2_256_128],
      dh: [DH.CURVE25519],
    },
  ]);
  assert.equal(ps.length, 2);
  assert.deepEqual(
    ps.map((p) => p.num),
    [1, 2],
  );
  assert.ok(ps.every((p) => p.protocol === PROTOCOL.IKE));
  const [cbc, gcm] = ps;
  assert.deepEqual(
    cbc.transforms.filter((t) => t.type === TRANSFORM.ENCR).map((t) => t.id),
    [ENCR.AES_CBC],
  );
  assert.ok(cbc.transforms.some((t) => t.type === TRANSFORM.INTEG));
  assert.deepEqual(
    gcm.transforms.filter((t) => t.type === TRANSFORM.ENCR).map((t) => [t.id, t.keyLength]),
    [[ENCR.AES_GCM_16, 128]],
  );
  assert.ok(!gcm.transforms.some((t) => t.type === TRANSFORM.INTEG), 'no INTEG with an AEAD cipher');
  assert.ok(gcm.transforms.some((t) => t.type === TRANSFORM.PRF && t.id === PRF.HMAC_SHA2_256));
  assert.ok(gcm.transforms.some((t) => t.type === TRANSFORM.DH && t.id === DH.CURVE25519));
});

test('childProposalsFromConf: DH only with PFS, ESN defaults to "no ESN", SPI carried', () => {
  const conf = [{ encr: [{ id: ENCR.AES_GCM_16, keyBits: 256 }], integ: [], dh: [DH.ECP_256], esn: [] }];
  const noPfs = childProposalsFromConf(conf, PROTOCOL.ESP, SPI4, false);
  assert.equal(noPfs.length, 1);
  assert.ok(!noPfs[0].transforms.some((t) => t.type === TRANSFORM.DH));
  assert.deepEqual(
    noPfs[0].transforms.filter((t) => t.type === TRANSFORM.ESN).map((t) => t.id),
    [ESN.NO],
  );
  assert.deepEqual(noPfs[0].spi, SPI4);
  assert.equal(noPfs[0].protocol, PROTOCOL.ESP);
  const pfs = childProposalsFromConf(conf, PROTOCOL.ESP, SPI4, true);
  assert.deepEqual(
    pfs[0].transforms.filter((t) => t.type === TRANSFORM.DH).map((t) => t.id),
    [DH.ECP_256],
  );
  // AH: no encryption transforms at all
  const ah = childProposalsFromConf([{ encr: [], integ: [INTEG.HMAC_SHA2_256_128], dh: [], esn: [ESN.YES] }], PROTOCOL.AH, SPI4, false);
  assert.equal(ah.length, 1);
  assert.ok(!ah[0].transforms.some((t) => t.type === TRANSFORM.ENCR));
  assert.deepEqual(
    ah[0].transforms.map((t) => t.type),
    [TRANSFORM.INTEG, TRANSFORM.ESN],
  );
});

test('selectProposal follows the peer order of proposals and of transforms', () => {
  const ours = [
    prop(1, PROTOCOL.IKE, [enc(ENCR.AES_GCM_16, 256), prf(PRF.HMAC_SHA2_256), dh(DH.CURVE25519)]),
    prop(2, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 128), enc(ENCR.AES_CBC, 256), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128), dh(DH.MODP_2048), dh(DH.ECP_256)]),
  ];
  const offered = [
    prop(1, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 256), enc(ENCR.AES_CBC, 128), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128), dh(DH.ECP_256), dh(DH.MODP_2048)]),
    prop(2, PROTOCOL.IKE, [enc(ENCR.AES_GCM_16, 256), prf(PRF.HMAC_SHA2_256), dh(DH.CURVE25519)]),
  ];
  const c = selectProposal(offered, ours)!;
  assert.ok(c);
  assert.equal(c.proposalNum, 1, "the peer's first acceptable proposal, not ours");
  assert.deepEqual(c.encr, { id: ENCR.AES_CBC, keyBits: 256 }, "the peer's first acceptable cipher");
  assert.equal(c.dh, DH.ECP_256, "the peer's first acceptable group");
  assert.equal(c.integ, INTEG.HMAC_SHA2_256_128);
  assert.equal(c.prf, PRF.HMAC_SHA2_256);
  // swap the peer's order: the choice follows
  const c2 = selectProposal([offered[1], offered[0]], ours)!;
  assert.deepEqual(c2.encr, { id: ENCR.AES_GCM_16, keyBits: 256 });
  assert.equal(c2.integ, undefined);
  assert.equal(c2.dh, DH.CURVE25519);
});

test('selectProposal: key length, protocol and required transforms must match', () => {
  const ours = [prop(1, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 128), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128), dh(DH.ECP_256)])];
  assert.equal(selectProposal([prop(1, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 256), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128), dh(DH.ECP_256)])], ours), null, 'AES-256 is not AES-128');
  assert.equal(selectProposal([prop(1, PROTOCOL.ESP, [enc(ENCR.AES_CBC, 128), integ(INTEG.HMAC_SHA2_256_128)], SPI4)], ours), null, 'ESP is not IKE');
  assert.equal(selectProposal([prop(1, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 128), prf(PRF.HMAC_SHA2_256), dh(DH.ECP_256)])], ours), null, 'CBC needs integrity');
  assert.equal(selectProposal([prop(1, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 128), integ(INTEG.HMAC_SHA2_256_128), dh(DH.ECP_256)])], ours), null, 'IKE needs a PRF');
  const noDh = [prop(1, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 128), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128)])];
  assert.equal(selectProposal(noDh, noDh), null, 'IKE needs a DH group');
  assert.equal(selectProposal([], ours), null);
});

test('selectProposal: an AEAD choice carries no integrity algorithm', () => {
  const ours = [prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), integ(INTEG.HMAC_SHA2_256_128), esn(ESN.NO)])];
  const c = selectProposal([prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), integ(INTEG.HMAC_SHA1_96), esn(ESN.NO)], SPI4)], ours)!;
  assert.ok(c);
  assert.equal(c.integ, undefined);
  assert.deepEqual(c.spi, SPI4);
});

test('selectProposal: PFS and no-PFS', () => {
  const noPfs = [prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), esn(ESN.NO)])];
  const pfs = [prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), dh(DH.CURVE25519), esn(ESN.NO)])];
  const offer = (t: Transform[]): Proposal[] => [prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), ...t, esn(ESN.NO)], SPI4)];
  assert.equal(selectProposal(offer([]), noPfs)!.dh, undefined, 'neither wants PFS');
  assert.equal(selectProposal(offer([dh(DH.CURVE25519)]), pfs)!.dh, DH.CURVE25519, 'both want PFS');
  assert.equal(selectProposal(offer([dh(DH.ECP_256)]), pfs), null, 'different PFS groups');
  assert.equal(selectProposal(offer([]), pfs), null, 'we insist on PFS, the peer offers none');
  assert.equal(selectProposal(offer([dh(DH.CURVE25519)]), noPfs), null, 'the peer insists on PFS, we want none');
  const c = selectProposal(offer([dh(DH.CURVE25519), dh(DH.NONE)]), noPfs)!;
  assert.ok(c, 'PFS optional for the peer (group NONE offered)');
  assert.equal(c.dh, undefined);
});

test('selectProposal: ESN negotiation', () => {
  const ours = (ids: number[]): Proposal[] => [prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), ...ids.map(esn)])];
  const offer = (ids: number[]): Proposal[] => [prop(1, PROTOCOL.ESP, [enc(ENCR.AES_GCM_16, 128), ...ids.map(esn)], SPI4)];
  assert.equal(selectProposal(offer([ESN.YES]), ours([ESN.NO])), null);
  assert.equal(selectProposal(offer([ESN.YES, ESN.NO]), ours([ESN.NO]))!.esn, ESN.NO);
  assert.equal(selectProposal(offer([ESN.YES, ESN.NO]), ours([ESN.NO, ESN.YES]))!.esn, ESN.YES, "the peer's preference");
  assert.equal(selectProposal(offer([]), ours([]))!.esn, ESN.NO, 'absent on both sides: no ESN');
});

test('checkAccepted: exactly one proposal, one transform per type, and one of ours', () => {
  const ours = [
    prop(1, PROTOCOL.IKE, [enc(ENCR.AES_GCM_16, 128), prf(PRF.HMAC_SHA2_256), dh(DH.CURVE25519), dh(DH.ECP_256)]),
    prop(2, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 256), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128), dh(DH.CURVE25519)]),
  ];
  const good = prop(2, PROTOCOL.IKE, [enc(ENCR.AES_CBC, 256), prf(PRF.HMAC_SHA2_256), integ(INTEG.HMAC_SHA2_256_128), dh(DH.CURVE25519)]);
  const c = checkAccepted([good], ours)!;
  assert.ok(c);
  assert.equal(c.proposalNum, 2);
  assert.equal(c.integ, INTEG.HMAC_SHA2_256_128);
  assert.equal(checkAccepted([good, good], ours), null, 'two proposals');
  assert.equal(checkAccepted([], ours), null, 'none');
  assert.equal(checkAccepted([prop(1, PROTOCOL.IKE, [enc(ENCR.AES_GCM_16, 128), prf(PRF.HMAC_SHA2_256), dh(DH.CURVE25519), dh(DH.ECP_256)])], ours), null, 'two groups');
  assert.equal(checkAccepted([prop(1, PROTOCOL.IKE, [enc(ENCR.AES_GCM_16, 256), prf(PRF.HMAC_SHA2_256), dh(DH.CURVE25519)])], ours), null, 'a key length we did not offer');
  assert.equal(checkAccepted([prop(1, PROTOCOL.IKE, [enc(ENCR.AES_GCM_16, 128), prf(PRF.HMAC_SHA2_384), dh(DH.CURVE25519)])], ours), null, 'a PRF we did not offer');
});

test('chosenToProposal round-trips through checkAccepted', () => {
  const ours = childProposalsFromConf(
    [{ encr: [{ id: ENCR.AES_CBC, keyBits: 256 }], integ: [INTEG.HMAC_SHA2_512_256], dh: [DH.ECP_384], esn: [ESN.YES, ESN.NO] }],
    PROTOCOL.ESP,
    SPI4,
    true,
  );
  const chosen = selectProposal(ours, ours)!;
  const answer = chosenToProposal(chosen, Buffer.from([9, 9, 9, 9]));
  assert.deepEqual(answer.spi, Buffer.from([9, 9, 9, 9]));
  assert.equal(new Set(answer.transforms.map((t) => t.type)).size, answer.transforms.length, 'one transform per type');
  const back = checkAccepted([answer], ours)!;
  assert.ok(back);
  assert.deepEqual({ ...back, spi: null }, { ...chosen, spi: null });
  assert.equal(back.dh, DH.ECP_384);
  assert.equal(back.esn, ESN.YES);
});

test('proposalGroups lists groups in our order, once, without NONE', () => {
  const ps = [
    prop(1, PROTOCOL.IKE, [dh(DH.CURVE25519), dh(DH.ECP_256)]),
    prop(2, PROTOCOL.IKE, [dh(DH.ECP_256), dh(DH.NONE), dh(DH.MODP_2048)]),
  ];
  assert.deepEqual(proposalGroups(ps), [DH.CURVE25519, DH.ECP_256, DH.MODP_2048]);
});
