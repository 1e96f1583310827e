/**
 * IKE_SA_INIT, both roles (RFC 7296 1.2, 2.6 cookies, 2.23 NAT detection,
 * 3.4 INVALID_KE_PAYLOAD).
 */
import { EXCHANGE, FLAG, PAYLOAD, NOTIFY, CERT, DhGroup, NotifyType } from '../../wire/iana';
import { IkeMessage, IkeHeader, Payload, SaPayload, KePayload, NoncePayload, NotifyPayload } from '../payloads/payload-types';
import { encodeMessage } from '../payloads/message';
import { Endpoint, endpointText } from '../../wire/endpoint';
import { IkeSa } from '../sa/ike-sa';
import { Policy, findPolicyForPeer } from '../policy/policy';
import { selectProposal, checkAccepted, chosenToProposal, proposalGroups, addKeMethods, offersAddKe, Chosen } from '../policy/proposals';
import { find, findNotify, findNotifies, findErrorNotify, notify, u16 } from '../payloads/payload-find';
import { natDetectionHash, natHashMatches } from './nat-detection';
import type { EngineContext } from '../engine-context';
import { ZERO8 } from '../../wire/empty-bytes';
import { continueToAuth, intermediateState } from './intermediate';
import { usePpkNotifies, notePeerUsePpk, answerUsePpk } from './ppk';
import { randomSpi, nonce } from '../../crypto/random';
import { createKeyExchange, isSupportedGroup, respondKeyExchange } from '../../crypto/key-exchange';
import { prfById } from '../../crypto/prf';
import { encrById } from '../../crypto/encr';
import { integById } from '../../crypto/integ';
import { deriveIkeSaKeysFromSecret } from '../../crypto/keymat';
import { IkeAlgorithms } from '../sa/ike-sa';
import { EMPTY } from '../../wire/empty-bytes';

export function ikeAlgorithms(chosen: Chosen): IkeAlgorithms {
  const encr = encrById(chosen.encr.id, chosen.encr.keyBits);
  const integ = chosen.integ !== undefined ? integById(chosen.integ) : null;
  const prf = prfById(chosen.prf!);
  return { chosen, encr, integ, prf, suite: { encr, integ } };
}

/** SKEYSEED and the seven keys, once both nonces, both SPIs and g^ir are known. */
export function deriveSaKeys(sa: IkeSa, gir: Buffer): void {
  const a = sa.alg!;
  sa.keys = deriveIkeSaKeysFromSecret({ prf: a.prf, encr: a.encr, integ: a.integ, ni: sa.ni, nr: sa.nr, spiI: sa.spiI, spiR: sa.spiR }, gir);
  gir.fill(0);
}

function usesSignatures(p: Policy): boolean {
  return p.conf.auth.method !== 'psk' && p.conf.auth.method !== 'eap';
}

function signatureHashNotify(e: EngineContext): NotifyPayload[] {
  const algs = e.auth.hashAlgorithms();
  if (!algs.length) return [];
  return [notify(NOTIFY.SIGNATURE_HASH_ALGORITHMS, Buffer.concat(algs.map(u16)))];
}

function natNotifies(e: EngineContext, spiI: Buffer, spiR: Buffer, local: Endpoint, remote: Endpoint): NotifyPayload[] {
  // -t (force): a source hash that cannot match makes the peer believe we are behind a NAT.
  const src = e.natt === 'force' ? natDetectionHash(spiI, spiR, { address: '0.0.0.0', port: 0 }) : natDetectionHash(spiI, spiR, local);
  return [
    notify(NOTIFY.NAT_DETECTION_SOURCE_IP, src),
    notify(NOTIFY.NAT_DETECTION_DESTINATION_IP, natDetectionHash(spiI, spiR, remote)),
  ];
}

// ------------------------------------------------------------------ initiator

export function startInitiator(e: EngineContext, policy: Policy, remote: Endpoint, localAddr: string, group?: number): IkeSa | null {
  const groups = proposalGroups(policy.ikeProposals);
  const g = group ?? groups.find((x) => isSupportedGroup(x));
  if (g === undefined) {
    e.log.warn(`policy '${policy.name}': no supported DH group in ikesa proposals`);
    return null;
  }
  const local: Endpoint = { address: localAddr, port: e.natt === 'force' ? e.nattPort : e.localIkePort };
  const sa = new IkeSa(true, randomSpi(8), policy, local, remote);
  sa.ni = nonce(32);
  sa.dhGroup = g;
  sa.ke = createKeyExchange(g);
  e.sas.add(sa);
  e.log.info(`${e.spiTag(sa)}: policy '${policy.name}': initiating IKE SA with ${endpointText(remote)}`);
  sendInitRequest(e, sa);
  return sa;
}

function sendInitRequest(e: EngineContext, sa: IkeSa): void {
  const payloads: Payload[] = [];
  if (sa.cookie) payloads.push(notify(NOTIFY.COOKIE, sa.cookie));
  payloads.push(
    { type: PAYLOAD.SA, proposals: sa.policy.ikeProposals } as SaPayload,
    { type: PAYLOAD.KE, group: sa.dhGroup, data: sa.ke!.publicKey } as KePayload,
    { type: PAYLOAD.NONCE, data: sa.ni } as NoncePayload,
  );
  if (e.natt !== 'disable') payloads.push(...natNotifies(e, sa.spiI, ZERO8, sa.local, sa.remote));
  if (e.options.fragmentation) payloads.push(notify(NOTIFY.IKEV2_FRAGMENTATION_SUPPORTED));
  if (usesSignatures(sa.policy)) payloads.push(...signatureHashNotify(e));
  // RFC 9242: offering additional key exchanges (RFC 9370) means doing IKE_INTERMEDIATE
  if (offersAddKe(sa.policy.ikeProposals)) payloads.push(notify(NOTIFY.INTERMEDIATE_EXCHANGE_SUPPORTED));
  payloads.push(...usePpkNotifies(sa.policy));
  const header: IkeHeader = {
    spiI: sa.spiI,
    spiR: ZERO8,
    nextPayload: 0,
    majorVersion: 2,
    minorVersion: 0,
    exchange: EXCHANGE.IKE_SA_INIT,
    flags: FLAG.INITIATOR,
    messageId: 0,
    length: 0,
  };
  const packet = encodeMessage(header, payloads);
  sa.initRequest = packet;
  if (sa.pending?.timer) clearTimeout(sa.pending.timer);
  sa.nextRequestId = 1;
  sa.pending = { messageId: 0, exchange: EXCHANGE.IKE_SA_INIT, packet, tries: 0, timer: null, onResponse: () => undefined };
  e.transmit(sa);
}

/**
 * A stateless answer (COOKIE, INVALID_KE_PAYLOAD) to an earlier copy of our request that
 * we already acted on: a retransmission was answered twice. It must not end the
 * exchange: the pending (retried) request keeps its timer.
 */
export function isStaleInitAnswer(sa: IkeSa, m: IkeMessage): boolean {
  const cookie = findNotify(m.payloads, NOTIFY.COOKIE);
  if (cookie) return !!sa.cookie && sa.cookie.equals(cookie.data);
  const invalidKe = findNotify(m.payloads, NOTIFY.INVALID_KE_PAYLOAD);
  return !!invalidKe && invalidKe.data.length === 2 && invalidKe.data.readUInt16BE(0) === sa.dhGroup && sa.timers.has('ke-retried');
}

export function handleInitResponse(e: EngineContext, sa: IkeSa, m: IkeMessage, raw: Buffer, local: Endpoint, remote: Endpoint): void {
  const p = m.payloads;
  const cookie = findNotify(p, NOTIFY.COOKIE);
  if (cookie) {
    if (sa.cookie && sa.cookie.equals(cookie.data)) throw new Error('responder repeated the same cookie');
    e.log.info(`${e.spiTag(sa)}: responder requires a cookie, retrying`);
    sa.cookie = Buffer.from(cookie.data);
    sendInitRequest(e, sa);
    return;
  }
  const invalidKe = findNotify(p, NOTIFY.INVALID_KE_PAYLOAD);
  if (invalidKe) {
    const g = invalidKe.data.length === 2 ? invalidKe.data.readUInt16BE(0) : -1;
    if (g === sa.dhGroup || !proposalGroups(sa.policy.ikeProposals).includes(g) || !isSupportedGroup(g) || sa.timers.has('ke-retried')) {
      e.deleteIkeSa(sa, `peer wants DH group ${DhGroup.name(g)} which we do not offer`, false);
      return;
    }
    e.log.info(`${e.spiTag(sa)}: peer wants DH group ${DhGroup.name(g)}, retrying`);
    sa.ke?.dispose();
    sa.dhGroup = g;
    sa.ke = createKeyExchange(g);
    sa.setTimer('ke-retried', 60_000, () => undefined);
    sendInitRequest(e, sa);
    return;
  }
  const err = findErrorNotify(p);
  if (err) {
    e.deleteIkeSa(sa, `IKE_SA_INIT refused by peer: ${NotifyType.name(err.notifyType)}`, false);
    return;
  }
  const saP = find<SaPayload>(p, PAYLOAD.SA);
  const ke = find<KePayload>(p, PAYLOAD.KE);
  const nr = find<NoncePayload>(p, PAYLOAD.NONCE);
  if (!saP || !ke || !nr) {
    e.deleteIkeSa(sa, 'IKE_SA_INIT response lacks SA, KE or Nonce', false);
    return;
  }
  const chosen = checkAccepted(saP.proposals, sa.policy.ikeProposals);
  if (!chosen || chosen.dh !== sa.dhGroup || ke.group !== sa.dhGroup) {
    e.deleteIkeSa(sa, 'IKE_SA_INIT response: proposal is not one we offered', false);
    return;
  }
  if (m.header.spiR.equals(ZERO8)) {
    e.deleteIkeSa(sa, 'IKE_SA_INIT response without responder SPI', false);
    return;
  }
  const additional = addKeMethods(chosen);
  if (additional.length && !findNotify(p, NOTIFY.INTERMEDIATE_EXCHANGE_SUPPORTED)) {
    e.deleteIkeSa(sa, 'responder chose additional key exchanges but does not support IKE_INTERMEDIATE', false);
    return;
  }
  if (additional.some((g) => !isSupportedGroup(g))) {
    e.deleteIkeSa(sa, `responder chose an additional key exchange we cannot do (${additional.map((g) => DhGroup.name(g)).join(', ')})`, false);
    return;
  }
  sa.spiR = Buffer.from(m.header.spiR);
  sa.nr = Buffer.from(nr.data);
  sa.alg = ikeAlgorithms(chosen);
  sa.keMethods = [chosen.dh!, ...additional];
  sa.intermediate = additional.length ? intermediateState(chosen.dh!, additional) : null;
  const gir = sa.ke!.computeSecret(ke.data);
  sa.ke!.dispose();
  sa.ke = null;
  deriveSaKeys(sa, gir);
  sa.initResponse = Buffer.from(raw);
  sa.local = { ...local };
  detectNat(e, sa, p, local, remote);
  sa.peerFragmentation = !!findNotify(p, NOTIFY.IKEV2_FRAGMENTATION_SUPPORTED);
  sa.peerHashAlgs = parseHashAlgs(findNotify(p, NOTIFY.SIGNATURE_HASH_ALGORITHMS));
  const noPpk = notePeerUsePpk(sa, p);
  if (noPpk) return e.deleteIkeSa(sa, noPpk, false);
  // to the NAT-T port for IKE_AUTH behind a NAT, and also without one when we offer MOBIKE to a peer
  // that does NAT-T (it sent NAT_DETECTION notifies): RFC 4555 3.3, as strongSwan and OpenIKED move
  const peerNatt = !!findNotify(p, NOTIFY.NAT_DETECTION_SOURCE_IP);
  if (e.natt !== 'disable' && (sa.natDetected || (e.options.mobike && peerNatt))) e.switchToNatt(sa);
  continueToAuth(e, sa);
}

function parseHashAlgs(n: NotifyPayload | undefined): number[] {
  if (!n) return [];
  const out: number[] = [];
  for (let i = 0; i + 1 < n.data.length; i += 2) out.push(n.data.readUInt16BE(i));
  return out;
}

/** Compare the NAT detection hashes with what we see (RFC 7296 2.23). */
function detectNat(e: EngineContext, sa: IkeSa, p: Payload[], local: Endpoint, remote: Endpoint): void {
  if (e.natt === 'disable') return;
  const srcs = findNotifies(p, NOTIFY.NAT_DETECTION_SOURCE_IP).map((n) => n.data);
  const dsts = findNotifies(p, NOTIFY.NAT_DETECTION_DESTINATION_IP).map((n) => n.data);
  if (!srcs.length && !dsts.length) return;
  sa.natRemote = !natHashMatches(srcs, sa.spiI, sa.initiator ? sa.spiR : ZERO8, remote);
  sa.natLocal = !natHashMatches(dsts, sa.spiI, sa.initiator ? sa.spiR : ZERO8, local);
  if (e.natt === 'force') sa.natLocal = true;
  if (sa.natDetected) {
    e.log.info(
      `${e.spiTag(sa)}: NAT detected: ${sa.natLocal ? 'we are' : 'peer is'} behind a NAT` +
        (sa.natLocal && sa.natRemote ? ' (both sides)' : ''),
    );
  }
}

// ------------------------------------------------------------------ responder

export function handleInitRequest(e: EngineContext, m: IkeMessage, raw: Buffer, local: Endpoint, remote: Endpoint): void {
  const h = m.header;
  const existing = e.sas.findByInit(remote, h.spiI);
  if (existing) {
    // a retransmission: answered again while half-open; once IKE_AUTH came, the initiator has our answer
    if (existing.state === 'INIT_DONE' && existing.initRequest && existing.initRequest.equals(raw) && existing.initResponse) {
      e.stats.rxRetransmits++;
      e.transport.send(existing.initResponse, local, remote);
    } else {
      e.log.debug(`ikev2_init_recv: late IKE_SA_INIT from ${endpointText(remote)} for ${e.spiTag(existing)} ignored`);
    }
    return;
  }
  const p = m.payloads;
  const saP = find<SaPayload>(p, PAYLOAD.SA);
  const ke = find<KePayload>(p, PAYLOAD.KE);
  const ni = find<NoncePayload>(p, PAYLOAD.NONCE);
  if (!saP || !ke || !ni) {
    e.log.info(`ikev2_init_recv: IKE_SA_INIT from ${endpointText(remote)} lacks SA, KE or Nonce`);
    e.sendPlainResponse(h, [notify(NOTIFY.INVALID_SYNTAX)], local, remote);
    return;
  }
  const policy = findPolicyForPeer(e.policies, remote.address, local.address);
  if (!policy) {
    e.stats.noProposalChosen++;
    e.log.info(`ikev2_init_recv: no policy for peer ${endpointText(remote)}`);
    e.sendPlainResponse(h, [notify(NOTIFY.NO_PROPOSAL_CHOSEN)], local, remote);
    return;
  }
  if (e.sas.halfOpenFrom(remote.address) >= e.timing.halfOpenPerPeer) {
    // one address that completes IKE_SA_INIT (cookies do not stop it) and never authenticates
    e.stats.halfOpenRefused++;
    e.log.info(`ikev2_init_recv: ${e.timing.halfOpenPerPeer} half-open SAs from ${remote.address}, IKE_SA_INIT dropped`);
    return;
  }
  if (e.sas.halfOpen >= e.timing.halfOpenLimit) {
    e.stats.halfOpenRefused++;
    e.log.info(`ikev2_init_recv: half-open limit ${e.timing.halfOpenLimit} reached, IKE_SA_INIT from ${endpointText(remote)} dropped`);
    return;
  }
  if (e.sas.halfOpen >= e.timing.cookieThreshold) {
    const c = findNotify(p, NOTIFY.COOKIE);
    if (!c || !e.cookies.verify(c.data, ni.data, remote.address, h.spiI)) {
      e.stats.cookiesSent++;
      e.log.debug(`ikev2_init_recv: ${e.sas.halfOpen} half-open SAs, sending a cookie to ${endpointText(remote)}`);
      e.sendPlainResponse(h, [notify(NOTIFY.COOKIE, e.cookies.make(ni.data, remote.address, h.spiI))], local, remote);
      return;
    }
  }
  const chosen = selectProposal(saP.proposals, policy.ikeProposals);
  const additional = chosen ? addKeMethods(chosen) : [];
  const peerIntermediate = !!findNotify(p, NOTIFY.INTERMEDIATE_EXCHANGE_SUPPORTED);
  if (!chosen || chosen.dh === undefined || !isSupportedGroup(chosen.dh) || additional.some((g) => !isSupportedGroup(g)) || (additional.length && !peerIntermediate)) {
    e.stats.noProposalChosen++;
    const why = chosen && additional.length && !peerIntermediate ? ' (additional key exchanges without INTERMEDIATE_EXCHANGE_SUPPORTED)' : '';
    e.log.info(`ikev2_init_recv: policy '${policy.name}': no acceptable IKE proposal from ${endpointText(remote)}${why}`);
    e.sendPlainResponse(h, [notify(NOTIFY.NO_PROPOSAL_CHOSEN)], local, remote);
    return;
  }
  if (ke.group !== chosen.dh) {
    e.stats.invalidKeSent++;
    e.log.info(`ikev2_init_recv: peer ${endpointText(remote)} sent KE for ${DhGroup.name(ke.group)}, asking for ${DhGroup.name(chosen.dh)}`);
    e.sendPlainResponse(h, [notify(NOTIFY.INVALID_KE_PAYLOAD, u16(chosen.dh))], local, remote);
    return;
  }
  const started = Date.now();
  const sa = new IkeSa(false, Buffer.from(h.spiI), policy, { ...local }, { ...remote });
  sa.spiR = randomSpi(8);
  sa.ni = Buffer.from(ni.data);
  sa.nr = nonce(32);
  sa.dhGroup = chosen.dh;
  sa.alg = ikeAlgorithms(chosen);
  sa.keMethods = [chosen.dh, ...additional];
  sa.intermediate = additional.length ? intermediateState(chosen.dh, additional) : null;
  let kx: { publicKey: Buffer; secret: Buffer };
  try {
    kx = respondKeyExchange(chosen.dh, ke.data);
  } catch (err) {
    e.log.info(`ikev2_init_recv: bad KE from ${endpointText(remote)}: ${err instanceof Error ? err.message : String(err)}`);
    e.sendPlainResponse(h, [notify(NOTIFY.INVALID_SYNTAX)], local, remote);
    return;
  }
  deriveSaKeys(sa, kx.secret);
  sa.initRequest = Buffer.from(raw);
  sa.peerFragmentation = !!findNotify(p, NOTIFY.IKEV2_FRAGMENTATION_SUPPORTED);
  sa.peerHashAlgs = parseHashAlgs(findNotify(p, NOTIFY.SIGNATURE_HASH_ALGORITHMS));
  detectNat(e, sa, p, local, remote);

  const out: Payload[] = [
    { type: PAYLOAD.SA, proposals: [chosenToProposal(chosen, EMPTY)] } as SaPayload,
    { type: PAYLOAD.KE, group: chosen.dh, data: kx.publicKey } as KePayload,
    { type: PAYLOAD.NONCE, data: sa.nr } as NoncePayload,
  ];
  if (e.natt !== 'disable' && (findNotify(p, NOTIFY.NAT_DETECTION_SOURCE_IP) || e.natt === 'force')) {
    out.push(...natNotifies(e, sa.spiI, sa.spiR, local, remote));
  }
  if (usesSignatures(policy)) {
    const cr = e.auth.certRequest(policy.name);
    if (cr) out.push({ type: PAYLOAD.CERTREQ, encoding: CERT.X509_SIG, data: cr });
    out.push(...signatureHashNotify(e));
  }
  if (e.options.fragmentation) out.push(notify(NOTIFY.IKEV2_FRAGMENTATION_SUPPORTED));
  if (peerIntermediate) out.push(notify(NOTIFY.INTERMEDIATE_EXCHANGE_SUPPORTED));
  out.push(...answerUsePpk(sa, policy, p));
  const header: IkeHeader = { spiI: h.spiI, spiR: sa.spiR, nextPayload: 0, majorVersion: h.majorVersion, minorVersion: h.minorVersion, exchange: h.exchange, flags: FLAG.RESPONSE, messageId: h.messageId, length: 0 };
  const packet = encodeMessage(header, out);
  sa.initResponse = packet;
  sa.peerNextId = 1;
  sa.lastResponse = { id: 0, packets: [packet] };
  sa.createdAt = started;
  e.sas.add(sa);
  sa.setTimer('halfopen', e.timing.halfOpenTimeoutMs, () => {
    if (sa.state === 'INIT_DONE') e.deleteIkeSa(sa, 'half-open SA timed out', false);
  });
  e.stats.txPackets++;
  e.transport.send(packet, local, remote);
}
