/**
 * CREATE_CHILD_SA (RFC 7296 1.3): new Child SAs, Child SA rekey with or without
 * PFS, IKE SA rekey, and simultaneous-rekey collisions (2.8.1).
 */
import { EXCHANGE, PAYLOAD, NOTIFY, PROTOCOL, NotifyType } from '../../wire/iana';
import { IkeMessage, Payload, SaPayload, KePayload, NoncePayload, NotifyPayload } from '../payloads/payload-types';
import { IkeSa } from '../sa/ike-sa';
import { ChildSa, spiHex } from '../sa/child-sa';
import { find, findNotify, findErrorNotify, notify, u32 } from '../payloads/payload-find';
import { makeChildOffer, offerPayloads, tsPayloads, prepareChildAnswer, installAnswered, abandonPrepared, completeChild } from './child-negotiate';
import { awaitFollowups, runFollowups } from './followup-ke';
import { selectProposal, checkAccepted, chosenToProposal, ikeProposalsFromConf, addKeMethods } from '../policy/proposals';
import { ikeAlgorithms } from './ike-sa-init';
import { deleteChild } from './informational';
import { scheduleChildLifetime, moveChildLifetime, scheduleIkeLifetime, clearChildTimers, keepIkeExpiry } from './lifetimes';
import { scheduleLiveness } from './liveness';
import type { EngineContext } from '../engine-context';
import { nonce, randomSpi } from '../../crypto/random';
import { createKeyExchange, isSupportedGroup, respondKeyExchange } from '../../crypto/key-exchange';
import { deriveRekeyedIkeSaKeys } from '../../crypto/keymat';

function pfsGroups(sa: IkeSa): number[] {
  return sa.policy.conf.childsa.flatMap((p) => p.dh).filter((g) => g !== 0);
}

// ------------------------------------------------------------------ initiator

/** After TEMPORARY_FAILURE (RFC 7296 2.25) try again in a few seconds, with jitter. */
function retryLater(e: EngineContext, sa: IkeSa, timer: string, fn: () => void): void {
  const ms = Math.min(e.timing.retransmitMs * 2, 10_000) + Math.floor(Math.random() * 1000);
  sa.setTimer(timer, ms, () => {
    if (sa.state === 'ESTABLISHED') fn();
  });
}

/** Rekey a Child SA: a new one with the same selectors, then delete the old one. */
export function rekeyChild(e: EngineContext, sa: IkeSa, old: ChildSa): void {
  if (old.state !== 'INSTALLED') return;
  old.state = 'REKEYING';
  void createChild(e, sa, old).catch((err) => {
    old.state = 'INSTALLED';
    e.log.info(`${e.spiTag(sa)}: rekey of Child SA 0x${spiHex(old.spiIn)} failed: ${err instanceof Error ? err.message : String(err)}`);
  });
}

/** A new Child SA, or the rekey of `old`. */
export async function createChild(e: EngineContext, sa: IkeSa, old?: ChildSa): Promise<void> {
  const groups = pfsGroups(sa);
  const pfs = groups.length > 0;
  const offer = await makeChildOffer(e, sa, pfs, old);
  const ni = nonce(32);
  const ke = pfs ? createKeyExchange(groups[0]) : null;
  const payloads: Payload[] = [];
  if (old) payloads.push(notify(NOTIFY.REKEY_SA, Buffer.alloc(0), old.protocol === 'ah' ? PROTOCOL.AH : PROTOCOL.ESP, u32(old.spiIn)));
  payloads.push(...offerPayloads(offer));
  payloads.push({ type: PAYLOAD.NONCE, data: ni } as NoncePayload);
  if (ke) payloads.push({ type: PAYLOAD.KE, group: groups[0], data: ke.publicKey } as KePayload);
  payloads.push(...tsPayloads(offer.tsi, offer.tsr));
  e.request(sa, {
    exchange: EXCHANGE.CREATE_CHILD_SA,
    build: () => (sa.state === 'ESTABLISHED' ? payloads : null),
    onResponse: async (_m, inner) => {
      const err = findErrorNotify(inner);
      const nr = find<NoncePayload>(inner, PAYLOAD.NONCE);
      if (err || !nr) {
        ke?.dispose();
        if (old) old.state = 'INSTALLED';
        e.log.info(`${e.spiTag(sa)}: CREATE_CHILD_SA refused: ${err ? NotifyType.name(err.notifyType) : 'no nonce'}`);
        if (old && err?.notifyType === NOTIFY.TEMPORARY_FAILURE) retryLater(e, sa, `rekey-retry-${old.spiIn}`, () => rekeyChild(e, sa, old));
        return;
      }
      let gir: Buffer | null = null;
      if (ke) {
        const peerKe = find<KePayload>(inner, PAYLOAD.KE);
        if (!peerKe || peerKe.group !== ke.group) {
          ke.dispose();
          if (old) old.state = 'INSTALLED';
          e.log.info(`${e.spiTag(sa)}: CREATE_CHILD_SA answer lacks the PFS key exchange`);
          return;
        }
        gir = ke.computeSecret(peerKe.data);
        ke.dispose();
      }
      // RFC 9370: additional key exchanges chosen for this Child SA follow in IKE_FOLLOWUP_KE
      const saP = find<SaPayload>(inner, PAYLOAD.SA);
      const accepted = saP ? checkAccepted(saP.proposals, offer.proposals) : null;
      const more = accepted ? addKeMethods(accepted) : [];
      let add: Buffer | null = null;
      if (more.length) {
        const got = gir ? await runFollowups(e, sa, more, inner, gir, `Child SA 0x${spiHex(offer.spiIn)}`) : null;
        if (!got) {
          if (old && old.state === 'REKEYING') old.state = 'INSTALLED';
          return;
        }
        add = got.add;
      }
      const child = await completeChild(e, sa, offer, inner, ni, Buffer.from(nr.data), gir, add);
      gir?.fill(0);
      add?.fill(0);
      if (!child) {
        if (old) old.state = 'INSTALLED';
        return;
      }
      scheduleChildLifetime(e, sa, child);
      if (old) {
        e.stats.childSasRekeyed++;
        finishChildRekey(e, sa, old, child, ni, Buffer.from(nr.data));
      }
    },
    onGiveUp: () => ke?.dispose(),
  });
}

/**
 * After our rekey of `old` produced `fresh`: delete `old`, unless the peer rekeyed
 * the same SA at the same time (2.8.1): then the new SA whose exchange holds the
 * lowest nonce is redundant and its creator deletes it.
 */
function finishChildRekey(e: EngineContext, sa: IkeSa, old: ChildSa, fresh: ChildSa, ni: Buffer, nr: Buffer): void {
  const theirs = sa.children.find((c) => c !== fresh && c.rekeyOf === old.spiIn && c.state === 'INSTALLED' && c.peerCreated);
  if (theirs && theirs.exchangeNonces) {
    const ourMin = Buffer.compare(ni, nr) <= 0 ? ni : nr;
    const [a, b] = theirs.exchangeNonces;
    const theirMin = Buffer.compare(a, b) <= 0 ? a : b;
    if (Buffer.compare(ourMin, theirMin) < 0) {
      e.log.info(`${e.spiTag(sa)}: simultaneous rekey of 0x${spiHex(old.spiIn)}: ours lost, deleting 0x${spiHex(fresh.spiIn)}`);
      clearChildTimers(sa, old);
      old.state = 'REKEYED';
      deleteChild(e, sa, fresh, 'redundant after simultaneous rekey');
      return;
    }
    e.log.info(`${e.spiTag(sa)}: simultaneous rekey of 0x${spiHex(old.spiIn)}: ours won`);
  }
  clearChildTimers(sa, old);
  old.state = 'REKEYED';
  deleteChild(e, sa, old, `rekeyed as 0x${spiHex(fresh.spiIn)}`);
}

/** Rekey the IKE SA: a new IKE SA inherits the Child SAs; the old one is deleted. */
export function rekeyIke(e: EngineContext, sa: IkeSa): void {
  if (sa.state !== 'ESTABLISHED' || sa.replacedBy) return;
  const spiI = randomSpi(8);
  const group = sa.dhGroup;
  if (!isSupportedGroup(group)) return;
  const ke = createKeyExchange(group);
  const ni = nonce(32);
  const proposals = ikeProposalsFromConf(sa.policy.conf.ikesa).map((p) => ({ ...p, spi: spiI }));
  const payloads: Payload[] = [
    { type: PAYLOAD.SA, proposals } as SaPayload,
    { type: PAYLOAD.NONCE, data: ni } as NoncePayload,
    { type: PAYLOAD.KE, group, data: ke.publicKey } as KePayload,
  ];
  e.log.info(`${e.spiTag(sa)}: rekeying IKE SA`);
  sa.ikeRekeyNonce = ni;
  e.request(sa, {
    exchange: EXCHANGE.CREATE_CHILD_SA,
    build: () => (sa.state === 'ESTABLISHED' ? payloads : null),
    onResponse: async (_m, inner) => {
      const err = findErrorNotify(inner);
      const saP = find<SaPayload>(inner, PAYLOAD.SA);
      const nr = find<NoncePayload>(inner, PAYLOAD.NONCE);
      const peerKe = find<KePayload>(inner, PAYLOAD.KE);
      const chosen = saP ? checkAccepted(saP.proposals, proposals) : null;
      if (err || !chosen || !nr || !peerKe || peerKe.group !== group || chosen.spi.length !== 8) {
        ke.dispose();
        sa.ikeRekeyNonce = null;
        e.log.info(`${e.spiTag(sa)}: IKE SA rekey refused: ${err ? NotifyType.name(err.notifyType) : 'bad answer'}`);
        if (err?.notifyType === NOTIFY.TEMPORARY_FAILURE) retryLater(e, sa, 'ike-rekey-retry', () => rekeyIke(e, sa));
        return;
      }
      const gir = ke.computeSecret(peerKe.data);
      ke.dispose();
      const more = addKeMethods(chosen);
      let add: Buffer | null = null;
      if (more.length) {
        const got = await runFollowups(e, sa, more, inner, gir, 'IKE SA rekey');
        if (!got) {
          sa.ikeRekeyNonce = null;
          return;
        }
        add = got.add;
      }
      sa.ikeRekeyNonce = null;
      const nrB = Buffer.from(nr.data);
      const theirs = sa.replacedBy;
      if (theirs && theirs.rekeyNonces) {
        // both rekeyed at once: the new SA whose exchange holds the lowest nonce is redundant (2.8.1)
        const mine = adoptRekeyedIke(e, sa, true, spiI, Buffer.from(chosen.spi), chosen, ni, nrB, gir, false, add);
        const [a, b] = theirs.rekeyNonces;
        const ourMin = Buffer.compare(ni, nrB) <= 0 ? ni : nrB;
        const theirMin = Buffer.compare(a, b) <= 0 ? a : b;
        if (Buffer.compare(ourMin, theirMin) < 0) {
          e.log.info(`${e.spiTag(sa)}: simultaneous IKE SA rekey: ours lost, deleting ${e.spiTag(mine)}`);
          e.deleteIkeSa(mine, 'redundant after simultaneous IKE SA rekey', true);
        } else {
          e.log.info(`${e.spiTag(sa)}: simultaneous IKE SA rekey: ours won, keeping ${e.spiTag(mine)}`);
          mine.children = theirs.children;
          theirs.children = [];
          for (const c of mine.children) moveChildLifetime(e, mine, c);
          sa.replacedBy = mine;
          e.deleteIkeSa(sa, `rekeyed as ${e.spiTag(mine)}`, true);
        }
        return;
      }
      const fresh = adoptRekeyedIke(e, sa, true, spiI, Buffer.from(chosen.spi), chosen, ni, nrB, gir, true, add);
      e.log.info(`${e.spiTag(sa)}: rekeyed as ${e.spiTag(fresh)}`);
      e.deleteIkeSa(sa, `rekeyed as ${e.spiTag(fresh)}`, true);
    },
    onGiveUp: () => {
      sa.ikeRekeyNonce = null;
      ke.dispose();
    },
  });
}

/** Build the new IKE SA of a rekey (2.18) and move the Child SAs over. */
function adoptRekeyedIke(
  e: EngineContext,
  old: IkeSa,
  weInitiated: boolean,
  spiI: Buffer,
  spiR: Buffer,
  chosen: import('../policy/proposals').Chosen,
  ni: Buffer,
  nr: Buffer,
  gir: Buffer,
  takeOver: boolean,
  add: Buffer | null = null,
): IkeSa {
  const fresh = new IkeSa(weInitiated, spiI, old.policy, { ...old.local }, { ...old.remote });
  fresh.spiR = spiR;
  fresh.alg = ikeAlgorithms(chosen);
  fresh.dhGroup = chosen.dh ?? old.dhGroup;
  fresh.keMethods = [fresh.dhGroup, ...addKeMethods(chosen)];
  fresh.ni = ni;
  fresh.nr = nr;
  const a = fresh.alg;
  fresh.keys = deriveRekeyedIkeSaKeys(old.alg!.prf, old.keys!.skD, { prf: a.prf, encr: a.encr, integ: a.integ, ni, nr, spiI, spiR }, gir, add);
  gir.fill(0);
  add?.fill(0);
  fresh.natLocal = old.natLocal;
  fresh.natRemote = old.natRemote;
  fresh.localId = old.localId;
  fresh.remoteId = old.remoteId;
  fresh.peerHashAlgs = old.peerHashAlgs;
  fresh.rekeyNonces = [ni, nr];
  fresh.ppk = old.ppk?.used ? { withoutPpk: null, used: true } : null; // RFC 8784: SK_d' carries the PPK on
  if (takeOver) {
    fresh.children = old.children;
    old.children = [];
    old.replacedBy = fresh;
    old.state = 'REKEYED';
    old.timers.clearAllBut('ike-expire');
    keepIkeExpiry(e, old); // the backstop until the peer's delete (or ours)
  }
  e.sas.add(fresh);
  fresh.state = 'ESTABLISHED';
  fresh.establishedAt = Date.now();
  e.sas.markOpened(fresh);
  e.stats.ikeSasRekeyed++;
  scheduleIkeLifetime(e, fresh);
  scheduleLiveness(e, fresh);
  for (const c of fresh.children) moveChildLifetime(e, fresh, c);
  return fresh;
}

// ------------------------------------------------------------------ responder

export async function handleCreateChildRequest(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[]): Promise<void> {
  if (sa.state !== 'ESTABLISHED') {
    e.respond(sa, m.header, [notify(NOTIFY.TEMPORARY_FAILURE)]);
    return;
  }
  const saP = find<SaPayload>(inner, PAYLOAD.SA);
  const niP = find<NoncePayload>(inner, PAYLOAD.NONCE);
  if (!saP || !niP) {
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    return;
  }
  if (saP.proposals.length && saP.proposals[0].protocol === PROTOCOL.IKE) {
    answerIkeRekey(e, sa, m, inner, saP, niP);
    return;
  }
  const rekey = findNotify(inner, NOTIFY.REKEY_SA) as NotifyPayload | undefined;
  let old: ChildSa | undefined;
  if (rekey) {
    const spi = rekey.spi.length === 4 ? rekey.spi.readUInt32BE(0) : -1;
    old = sa.children.find((c) => c.spiOut === spi && c.state !== 'DELETING');
    if (!old && sa.children.some((c) => c.spiOut === spi)) {
      // we are deleting it ourselves (2.25)
      e.respond(sa, m.header, [notify(NOTIFY.TEMPORARY_FAILURE)]);
      return;
    }
    if (!old) {
      e.respond(sa, m.header, [notify(NOTIFY.CHILD_SA_NOT_FOUND, Buffer.alloc(0), rekey.protocol, rekey.spi)]);
      return;
    }
  }
  const ni = Buffer.from(niP.data);
  const nr = nonce(32);
  const keP = find<KePayload>(inner, PAYLOAD.KE);
  let gir: Buffer | null = null;
  let ourKe: Buffer | null = null;
  const groups = pfsGroups(sa);
  if (keP) {
    if (!groups.includes(keP.group) || !isSupportedGroup(keP.group)) {
      const want = groups.find((g) => isSupportedGroup(g));
      if (want === undefined) {
        e.respond(sa, m.header, [notify(NOTIFY.NO_PROPOSAL_CHOSEN)]);
      } else {
        const b = Buffer.allocUnsafe(2);
        b.writeUInt16BE(want, 0);
        e.respond(sa, m.header, [notify(NOTIFY.INVALID_KE_PAYLOAD, b)]);
      }
      return;
    }
    const kx = respondKeyExchange(keP.group, keP.data);
    gir = kx.secret;
    ourKe = kx.publicKey;
  } else if (groups.length && !old) {
    // we insist on PFS for new Child SAs when the policy names groups
  }
  const ans = await prepareChildAnswer(e, sa, inner, gir !== null, false, old);
  if (!ans.ok) {
    gir?.fill(0);
    e.log.info(`${e.spiTag(sa)}: CREATE_CHILD_SA refused: ${ans.reason}`);
    e.respond(sa, m.header, [notify(ans.notify)]);
    return;
  }
  const child = ans.child;
  const more = addKeMethods(child.chosen);
  const head: Payload[] = [...ans.payloads.filter((p) => p.type !== PAYLOAD.TSi && p.type !== PAYLOAD.TSr)];
  head.push({ type: PAYLOAD.NONCE, data: nr } as NoncePayload);
  if (ourKe && keP) head.push({ type: PAYLOAD.KE, group: keP.group, data: ourKe } as KePayload);
  const tail = ans.payloads.filter((p) => p.type === PAYLOAD.TSi || p.type === PAYLOAD.TSr);
  const done = (): void => answeredChild(e, sa, child, ni, nr, old);
  if (more.length && gir) {
    // RFC 9370 2.2.4: the keys wait for the additional key exchanges (IKE_FOLLOWUP_KE)
    const what = `Child SA 0x${spiHex(child.spiIn)}`;
    const link = awaitFollowups(e, sa, more, gir, what, async (g, add) => {
      await installAnswered(e, sa, child, ni, nr, g, old, add);
      done();
      return [];
    }, () => abandonPrepared(e, child));
    e.respond(sa, m.header, [...head, link, ...tail]);
    return;
  }
  try {
    await installAnswered(e, sa, child, ni, nr, gir, old); // a failed install gives the reqid back
  } finally {
    gir?.fill(0);
  }
  e.respond(sa, m.header, [...head, ...tail]);
  done();
}

/** The responder's Child SA is installed: its lifetime, and the end of the SA it replaces. */
function answeredChild(e: EngineContext, sa: IkeSa, child: ChildSa, ni: Buffer, nr: Buffer, old?: ChildSa): void {
  child.peerCreated = true;
  child.exchangeNonces = [ni, nr];
  scheduleChildLifetime(e, sa, child);
  if (old) {
    e.stats.childSasRekeyed++;
    clearChildTimers(sa, old);
    if (old.state === 'INSTALLED') old.state = 'REKEYED';
    e.log.info(`${e.spiTag(sa)}: Child SA 0x${spiHex(old.spiIn)} rekeyed by peer as 0x${spiHex(child.spiIn)}`);
  }
}

function answerIkeRekey(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[], saP: SaPayload, niP: NoncePayload): void {
  const keP = find<KePayload>(inner, PAYLOAD.KE);
  const ours = ikeProposalsFromConf(sa.policy.conf.ikesa);
  const chosen = selectProposal(saP.proposals, ours);
  if (!chosen || chosen.spi.length !== 8 || chosen.dh === undefined) {
    e.respond(sa, m.header, [notify(NOTIFY.NO_PROPOSAL_CHOSEN)]);
    return;
  }
  if (!keP || keP.group !== chosen.dh) {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(chosen.dh, 0);
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_KE_PAYLOAD, b)]);
    return;
  }
  const ourIkeRekey = sa.ikeRekeyNonce !== null;
  if (sa.replacedBy || (sa.pending?.exchange === EXCHANGE.CREATE_CHILD_SA && !ourIkeRekey)) {
    // already rekeyed, or a Child SA of this IKE SA is being created/rekeyed: retry later (2.25)
    e.respond(sa, m.header, [notify(NOTIFY.TEMPORARY_FAILURE)]);
    return;
  }
  let gir: Buffer;
  let ourPub: Buffer;
  try {
    ({ secret: gir, publicKey: ourPub } = respondKeyExchange(keP.group, keP.data));
  } catch (err) {
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    return;
  }
  const spiR = randomSpi(8);
  const ni = Buffer.from(niP.data);
  const nr = nonce(32);
  const answer: Payload[] = [
    { type: PAYLOAD.SA, proposals: [chosenToProposal(chosen, spiR)] } as SaPayload,
    { type: PAYLOAD.NONCE, data: nr } as NoncePayload,
    { type: PAYLOAD.KE, group: keP.group, data: ourPub } as KePayload,
  ];
  const more = addKeMethods(chosen);
  if (more.length) {
    // RFC 9370 2.2.4: the new IKE SA is made once the additional key exchanges are done
    const link = awaitFollowups(e, sa, more, gir, 'IKE SA rekey', async (g, add) => {
      const fresh = adoptRekeyedIke(e, sa, false, Buffer.from(chosen.spi), spiR, chosen, ni, nr, g, true, add);
      e.log.info(`${e.spiTag(sa)}: IKE SA rekeyed by peer as ${e.spiTag(fresh)}`);
      return [];
    }, () => undefined);
    e.respond(sa, m.header, [...answer, link]);
    return;
  }
  // with our own IKE rekey under way this is a collision: answer as usual, resolve when ours completes
  const fresh = adoptRekeyedIke(e, sa, false, Buffer.from(chosen.spi), spiR, chosen, ni, nr, gir, true);
  if (ourIkeRekey) e.log.info(`${e.spiTag(sa)}: simultaneous IKE SA rekey by peer`);
  e.respond(sa, m.header, answer);
  e.log.info(`${e.spiTag(sa)}: IKE SA rekeyed by peer as ${e.spiTag(fresh)}`);
}
