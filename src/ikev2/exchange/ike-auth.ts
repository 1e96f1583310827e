/**
 * IKE_AUTH, both roles (RFC 7296 1.2, 2.15): identities, PSK or signature
 * authentication through the AuthProvider, and the first Child SA.
 */
import { EXCHANGE, PAYLOAD, NOTIFY, CERT, NotifyType } from '../../wire/iana';
import { IkeMessage, Payload, IdPayload, CertReqPayload } from '../payloads/payload-types';
import { IkeSa, intermediatesDone } from '../sa/ike-sa';
import { find, findNotify, findErrorNotify, notify } from '../payloads/payload-find';
import { findPolicyForPeer, localIdentity } from '../policy/policy';
import { makeChildOffer, completeChild, ChildOffer } from './child-negotiate';
import { scheduleChildLifetime, scheduleIkeLifetime } from './lifetimes';
import { endpointText } from '../../wire/endpoint';
import { mobikeAnswer, noteMobikeSupport } from './mobike';
import { eapInProgress, wantsEap, startEapResponder, handleEapRound, startEapInitiator, noteConfigReply, applyAssignedConfig, setTag } from './eap';
import { answerConfig, describeAssigned } from './config-payload';
import type { EngineContext } from '../engine-context';
import { formatIdentity } from '../../crypto/identity';
import { settleEstablished } from '../sa/sa-settle';
import { idPayload, localAuth, verifyPeer, toIdentity, authenticatePeerAndUs, establishAndAnswer, initiatorAuthTail } from './authentication';
import { startPpk, settlePpk, responderPpk, noRequiredPpk } from './ppk';

export async function startAuth(e: EngineContext, sa: IkeSa): Promise<void> {
  if (sa.policy.conf.auth.method === 'eap') return startEapInitiator(e, noRequiredPpk(sa));
  const started = sa.createdAt;
  const policy = sa.policy;
  const id = localIdentity(policy, sa.local.address);
  sa.localId = id;
  const offer = await makeChildOffer(e, sa, false);
  const ppkNotifies = await startPpk(e, sa, policy, id);
  const payloads: Payload[] = [idPayload(PAYLOAD.IDi, id)];
  const authPayloads = await localAuth(e, sa, policy, id);
  payloads.push(...authPayloads.filter((p) => p.type === PAYLOAD.CERT));
  if (policy.conf.auth.method !== 'psk') {
    const cr = e.auth.certRequest(policy.name);
    if (cr) payloads.push({ type: PAYLOAD.CERTREQ, encoding: CERT.X509_SIG, data: cr } as CertReqPayload);
  }
  if (policy.remoteId) payloads.push(idPayload(PAYLOAD.IDr, policy.remoteId));
  payloads.push(...authPayloads.filter((p) => p.type === PAYLOAD.AUTH));
  payloads.push(...ppkNotifies);
  payloads.push(...initiatorAuthTail(e, policy, offer));
  sa.state = 'AUTH_SENT';
  e.request(sa, {
    exchange: EXCHANGE.IKE_AUTH,
    build: () => payloads,
    onResponse: (_m, inner) => authResponse(e, sa, offer, inner, started),
  });
}

async function authResponse(e: EngineContext, sa: IkeSa, offer: ChildOffer, inner: Payload[], started: number): Promise<void> {
  const idP = find<IdPayload>(inner, PAYLOAD.IDr);
  if (!idP || !find(inner, PAYLOAD.AUTH)) {
    const err = findErrorNotify(inner);
    e.stats.authFailures++;
    e.deleteIkeSa(sa, `IKE_AUTH failed: ${err ? NotifyType.name(err.notifyType) : 'no IDr/AUTH in response'}`, false);
    return;
  }
  const id = toIdentity(idP);
  const why = settlePpk(e, sa, inner) ?? (await verifyPeer(e, sa, sa.policy, id, idP, inner));
  if (why) {
    e.stats.authFailures++;
    e.log.info(`${e.spiTag(sa)}: authentication of responder ${endpointText(sa.remote)} failed: ${why}`);
    sa.remoteId = id;
    // tell the responder we do not trust it (RFC 7296 2.21.2)
    sa.state = 'ESTABLISHED';
    e.deleteIkeSa(sa, 'responder authentication failed', true);
    return;
  }
  sa.remoteId = id;
  noteMobikeSupport(e, sa, inner);
  noteConfigReply(e, sa, inner);
  e.established(sa, Date.now() - started);
  scheduleIkeLifetime(e, sa);
  const err = findErrorNotify(inner);
  if (err) {
    e.log.info(`${e.spiTag(sa)}: no Child SA: peer answered ${NotifyType.name(err.notifyType)}`);
    return;
  }
  const child = await completeChild(e, sa, offer, inner, sa.ni, sa.nr, null);
  if (child) scheduleChildLifetime(e, sa, child);
  await applyAssignedConfig(e, sa);
  settleEstablished(sa);
}

// ------------------------------------------------------------------ responder

export async function handleAuthRequest(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[]): Promise<void> {
  if (eapInProgress(sa)) return handleEapRound(e, sa, m, inner);
  if (sa.state !== 'INIT_DONE' || sa.initiator || !intermediatesDone(sa)) {
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    if (!intermediatesDone(sa)) e.deleteIkeSa(sa, 'IKE_AUTH before every additional key exchange was done', false);
    return;
  }
  const idP = find<IdPayload>(inner, PAYLOAD.IDi);
  if (!idP) {
    failAuth(e, sa, m, 'IKE_AUTH request without IDi');
    return;
  }
  const id = toIdentity(idP);
  sa.remoteId = id;
  const policy = findPolicyForPeer(e.policies, sa.remote.address, sa.local.address, id);
  if (!policy) {
    failAuth(e, sa, m, `no policy for peer ${formatIdentity(id)} at ${endpointText(sa.remote)}`);
    return;
  }
  sa.policy = policy;
  const ppk = responderPpk(e, sa, policy, inner);
  if ('why' in ppk) {
    failAuth(e, sa, m, `authentication of ${formatIdentity(id)} failed: ${ppk.why}`);
    return;
  }
  if (wantsEap(policy, inner)) return startEapResponder(e, sa, m, inner, policy, idP);
  const ourId = localIdentity(policy, sa.local.address);
  const authed = await authenticatePeerAndUs(e, sa, policy, id, idP, ppk.inner, ourId);
  if ('why' in authed) {
    failAuth(e, sa, m, `authentication of ${formatIdentity(id)} failed: ${authed.why}`);
    return;
  }
  const cfg = answerConfig(e, sa, inner, formatIdentity(id));
  if (!cfg.ok) {
    e.log.info(`${e.spiTag(sa)}: configuration for ${formatIdentity(id)} refused: ${cfg.reason} (${NotifyType.name(cfg.notify)})`);
    e.respond(sa, m.header, [notify(cfg.notify)]);
    e.deleteIkeSa(sa, cfg.reason, false);
    return;
  }
  sa.assignedConfig = cfg.assigned;
  if (cfg.assigned) e.log.info(`${e.spiTag(sa)}: assigned to ${formatIdentity(id)}: ${describeAssigned(cfg.assigned)}`);
  setTag(sa);
  sa.localId = ourId;
  sa.initialContact = !!findNotify(inner, NOTIFY.INITIAL_CONTACT);
  const out: Payload[] = [idPayload(PAYLOAD.IDr, ourId)];
  out.push(...authed.ours, ...ppk.answer);
  out.push(...cfg.payloads);
  noteMobikeSupport(e, sa, inner);
  out.push(...mobikeAnswer(sa));
  await establishAndAnswer(e, sa, m, out, cfg.inner, formatIdentity(id));
}

/** AUTHENTICATION_FAILED to the initiator, then the state goes. */
function failAuth(e: EngineContext, sa: IkeSa, m: IkeMessage, reason: string): void {
  e.stats.authFailures++;
  e.log.info(`${e.spiTag(sa)}: ${reason}`);
  e.respond(sa, m.header, [notify(NOTIFY.AUTHENTICATION_FAILED)]);
  e.deleteIkeSa(sa, 'authentication failed', false);
}
