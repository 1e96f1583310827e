/**
 * IKE_AUTH with EAP (RFC 7296 2.16), both roles.
 *  1. I: IDi, [IDr], [CP], SA, TSi, TSr, no AUTH     R: IDr, CERT, AUTH(signature), EAP(request)
 *  2. I: EAP(response)                                R: EAP(request) ... EAP(success|failure)
 *  3. I: AUTH(MSK)                                    R: AUTH(MSK), [CP], SA, TSi, TSr
 * The MSK is the shared secret of AUTH = prf(prf(MSK, "Key Pad for IKEv2"), octets).
 * The CP and Child SA of the first request are answered in the last response.
 */
import { EXCHANGE, PAYLOAD, NOTIFY, AUTH, CERT, NotifyType } from '../../wire/iana';
import { IkeMessage, Payload, IdPayload, AuthPayload, CertReqPayload, EapPayload } from '../payloads/payload-types';
import { IkeSa } from '../sa/ike-sa';
import { find, findErrorNotify, findNotify, notify } from '../payloads/payload-find';
import { Policy, localIdentity } from '../policy/policy';
import { makeChildOffer, completeChild, ChildOffer } from './child-negotiate';
import { scheduleChildLifetime, scheduleIkeLifetime } from './lifetimes';
import { endpointText } from '../../wire/endpoint';
import { answerConfig, configReply, describeAssigned, releaseConfig } from './config-payload';
import { applyClientConfig, removeClientConfig } from './config-apply';
import { expandTag } from '../sa/sa-tag';
import { mobikeAnswer, noteMobikeSupport } from './mobike';
import { verifyPeer, localAuth, idPayload, toIdentity, establishAndAnswer, initiatorAuthTail } from './authentication';
import type { EngineContext } from '../engine-context';
import type { EapServerBackend, EapStep } from './eap-backend';
import { configAttributesFromEap, type EapClient, type ResponderEap } from './eap-backend';
import { describeEap } from '../payloads/eap-message';
import { idPayloadBody, formatIdentity } from '../../crypto/identity';
import { pskAuth, checkPskAuth, forgetPskPad } from '../../crypto/auth-psk';
import { authOctets } from './auth-octets';


/** Is an EAP conversation under way on this (responder) SA? */
export function eapInProgress(sa: IkeSa): boolean {
  const r = sa.eapResponder;
  return !!r && !r.done;
}

/** Does this IKE_AUTH request start EAP (EAP policy, no AUTH payload)? */
export function wantsEap(policy: Policy, inner: Payload[]): boolean {
  return policy.conf.auth.method === 'eap' && !find(inner, PAYLOAD.AUTH);
}

function stopEap(sa: IkeSa, reason: 'done' | 'aborted'): void {
  const r = sa.eapResponder;
  if (!r || (r.done && !r.msk)) return;
  r.done = true;
  r.backend.close(reason);
  if (r.msk) {
    forgetPskPad(r.msk);
    r.msk.fill(0);
    r.msk = null;
  }
}

function failEap(e: EngineContext, sa: IkeSa, m: IkeMessage, reason: string, extra: Payload[] = []): void {
  stopEap(sa, 'aborted');
  releaseConfig(e, sa);
  e.stats.authFailures++;
  e.log.info(`${e.spiTag(sa)}: ${reason}`);
  e.respond(sa, m.header, [...extra, notify(NOTIFY.AUTHENTICATION_FAILED)]);
  e.deleteIkeSa(sa, 'authentication failed', false);
}

/** The shared-key octets of one side (./auth-octets.ts). */
function mskOctets(sa: IkeSa, ofInitiator: boolean, idBody: Buffer): Buffer {
  return authOctets(sa, ofInitiator, idBody);
}

function idBodyOf(p: IdPayload): Buffer {
  const b = Buffer.alloc(4 + p.data.length);
  b[0] = p.idType;
  p.data.copy(b, 4);
  return b;
}

export function setTag(sa: IkeSa): void {
  const t = sa.policy.conf.tag;
  if (!t) return;
  sa.tag = expandTag(t, { name: sa.policy.name, id: sa.remoteId ? formatIdentity(sa.remoteId) : '', eapid: sa.eapIdentity ?? undefined });
}

// ------------------------------------------------------------------ responder

/** First IKE_AUTH request without AUTH on an `eap` policy: sign, and start EAP. */
export async function startEapResponder(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[], policy: Policy, idP: IdPayload): Promise<void> {
  const factory = e.eap?.serverFactory(policy) ?? null;
  const id = toIdentity(idP);
  if (!factory) {
    const a = policy.conf.auth;
    failAuthPlain(e, sa, m, `policy '${policy.name}': no EAP backend for eap "${a.method === 'eap' ? a.eap : '?'}"`);
    return;
  }
  const backend = factory.create(policy.name, sa.localSpi.toString('hex'));
  const st: ResponderEap = { backend, first: inner, idI: idP, msk: null, identity: '', done: false };
  sa.eapResponder = st;
  let step: EapStep;
  try {
    step = await backend.start(formatIdentity(id));
  } catch (err) {
    failEap(e, sa, m, `EAP backend failed to start: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (step.kind !== 'request') {
    failEap(e, sa, m, `EAP backend ended at once: ${step.kind === 'failure' ? step.reason : 'success without a conversation'}`);
    return;
  }
  const ourId = localIdentity(policy, sa.local.address);
  sa.localId = ourId;
  sa.initialContact = !!findNotify(inner, NOTIFY.INITIAL_CONTACT);
  const out: Payload[] = [idPayload(PAYLOAD.IDr, ourId)];
  try {
    out.push(...(await localAuth(e, sa, policy, ourId)));
  } catch (err) {
    failEap(e, sa, m, `cannot sign for policy '${policy.name}': ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  out.push({ type: PAYLOAD.EAP, message: step.message } as EapPayload);
  e.log.debug(`${e.spiTag(sa)}: EAP with ${formatIdentity(id)} started: ${describeEap(step.message)}`);
  e.respond(sa, m.header, out);
}

function failAuthPlain(e: EngineContext, sa: IkeSa, m: IkeMessage, reason: string): void {
  e.stats.authFailures++;
  e.log.info(`${e.spiTag(sa)}: ${reason}`);
  e.respond(sa, m.header, [notify(NOTIFY.AUTHENTICATION_FAILED)]);
  e.deleteIkeSa(sa, 'authentication failed', false);
}

/** Later IKE_AUTH requests of an EAP conversation. */
export async function handleEapRound(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[]): Promise<void> {
  const st = sa.eapResponder!;
  const eap = find<EapPayload>(inner, PAYLOAD.EAP);
  const auth = find<AuthPayload>(inner, PAYLOAD.AUTH);
  if (st.msk && auth) return finishResponder(e, sa, m, inner, st, auth);
  if (!eap) {
    failEap(e, sa, m, st.msk ? 'IKE_AUTH after EAP success without AUTH' : 'IKE_AUTH request without the expected EAP payload');
    return;
  }
  if (st.msk) {
    failEap(e, sa, m, 'EAP payload after EAP success');
    return;
  }
  let step: EapStep;
  try {
    step = await st.backend.step(eap.message);
  } catch (err) {
    failEap(e, sa, m, `EAP backend failed: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (sa.state === 'DEAD') return;
  const eapOut = { type: PAYLOAD.EAP, message: step.message } as EapPayload;
  switch (step.kind) {
    case 'request':
      e.respond(sa, m.header, [eapOut]);
      return;
    case 'failure':
      failEap(e, sa, m, `EAP authentication of ${sa.remoteId ? formatIdentity(sa.remoteId) : '?'} from ${endpointText(sa.remote)} failed: ${step.reason}`, [eapOut]);
      return;
    case 'success':
      st.msk = step.msk;
      st.identity = step.identity;
      st.attributes = step.attributes;
      sa.eapIdentity = step.identity;
      e.log.info(`${e.spiTag(sa)}: EAP authentication of '${step.identity}' succeeded`);
      e.respond(sa, m.header, [eapOut]);
      return;
  }
}

async function finishResponder(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[], st: ResponderEap, auth: AuthPayload): Promise<void> {
  const a = sa.alg!;
  const msk = st.msk!;
  if (auth.method !== AUTH.SHARED_KEY_MIC || !checkPskAuth(a.prf, msk, mskOctets(sa, true, idBodyOf(st.idI)), auth.data)) {
    failEap(e, sa, m, `AUTH of '${st.identity}' with the EAP MSK does not verify`);
    return;
  }
  const ourAuth = pskAuth(a.prf, msk, mskOctets(sa, false, idPayloadBody(sa.localId!)));
  st.done = true;
  stopEap(sa, 'done');
  const first = st.first;
  // the configuration first: the address narrows the Child SA's TSi
  const cfg = answerConfig(e, sa, first, st.identity, configAttributesFromEap(st.attributes));
  if (!cfg.ok) {
    // no state: the lease is not taken and the IKE SA goes
    e.log.info(`${e.spiTag(sa)}: configuration for '${st.identity}' refused: ${cfg.reason} (${NotifyType.name(cfg.notify)})`);
    e.event('cp-failed', cfg.reason, sa);
    e.respond(sa, m.header, [notify(cfg.notify)]);
    e.deleteIkeSa(sa, cfg.reason, false);
    return;
  }
  const out: Payload[] = [{ type: PAYLOAD.AUTH, method: AUTH.SHARED_KEY_MIC, data: ourAuth } as AuthPayload, ...cfg.payloads];
  noteMobikeSupport(e, sa, first);
  out.push(...mobikeAnswer(sa));
  sa.assignedConfig = cfg.assigned;
  setTag(sa);
  if (cfg.assigned) e.log.info(`${e.spiTag(sa)}: assigned to '${st.identity}': ${describeAssigned(cfg.assigned)}`);
  await establishAndAnswer(e, sa, m, out, cfg.inner, `'${st.identity}'`);
}

// ------------------------------------------------------------------ initiator

interface InitiatorEap {
  client: EapClient;
  offer: ChildOffer;
  started: number;
  msk: Buffer | null;
}

/** IKE_AUTH as initiator of an `eap` policy: no AUTH, then EAP, then AUTH with the MSK. */
export async function startEapInitiator(e: EngineContext, sa: IkeSa): Promise<void> {
  const started = sa.createdAt;
  const policy = sa.policy;
  const session = e.eap?.clientFor(policy) ?? null;
  if (!session) {
    e.deleteIkeSa(sa, `policy '${policy.name}': no EAP credentials (a \`user\` line named as the srcid, or a single \`user\` line)`, false);
    return;
  }
  const id = localIdentity(policy, sa.local.address);
  sa.localId = id;
  const offer = await makeChildOffer(e, sa, false);
  const payloads: Payload[] = [idPayload(PAYLOAD.IDi, id)];
  const cr = e.auth.certRequest(policy.name);
  if (cr) payloads.push({ type: PAYLOAD.CERTREQ, encoding: CERT.X509_SIG, data: cr } as CertReqPayload);
  if (policy.remoteId) payloads.push(idPayload(PAYLOAD.IDr, policy.remoteId));
  payloads.push(...initiatorAuthTail(e, policy, offer));
  sa.state = 'AUTH_SENT';
  const st: InitiatorEap = { client: session.client, offer, started, msk: null };
  sa.eapIdentity = session.identity;
  e.request(sa, {
    exchange: EXCHANGE.IKE_AUTH,
    build: () => payloads,
    onResponse: (_m, inner) => firstResponse(e, sa, st, inner),
    onGiveUp: () => st.client.dispose(),
  });
}

function giveUp(e: EngineContext, sa: IkeSa, st: InitiatorEap, reason: string, tellPeer: boolean): void {
  st.client.dispose();
  if (st.msk) {
    forgetPskPad(st.msk);
    st.msk.fill(0);
    st.msk = null;
  }
  e.stats.authFailures++;
  if (tellPeer) sa.state = 'ESTABLISHED'; // so that the delete is sent (RFC 7296 2.21.2)
  e.deleteIkeSa(sa, reason, tellPeer);
}

async function firstResponse(e: EngineContext, sa: IkeSa, st: InitiatorEap, inner: Payload[]): Promise<void> {
  const idP = find<IdPayload>(inner, PAYLOAD.IDr);
  const eap = find<EapPayload>(inner, PAYLOAD.EAP);
  if (!idP || !find(inner, PAYLOAD.AUTH) || !eap) {
    const err = findErrorNotify(inner);
    giveUp(e, sa, st, `IKE_AUTH failed: ${err ? NotifyType.name(err.notifyType) : 'responder did not answer with IDr, AUTH and EAP'}`, false);
    return;
  }
  const id = toIdentity(idP);
  const why = await verifyPeer(e, sa, sa.policy, id, idP, inner);
  sa.remoteId = id;
  if (why) {
    e.log.info(`${e.spiTag(sa)}: authentication of responder ${endpointText(sa.remote)} failed: ${why}`);
    giveUp(e, sa, st, 'responder authentication failed', true);
    return;
  }
  eapRound(e, sa, st, eap);
}

function eapRound(e: EngineContext, sa: IkeSa, st: InitiatorEap, eap: EapPayload): void {
  const r = st.client.handle(eap.message);
  if (r.kind === 'failure') {
    e.log.info(`${e.spiTag(sa)}: EAP authentication as '${sa.eapIdentity}' failed: ${r.reason}`);
    giveUp(e, sa, st, 'EAP authentication failed', false);
    return;
  }
  if (r.kind === 'response') {
    e.request(sa, {
      exchange: EXCHANGE.IKE_AUTH,
      build: () => [{ type: PAYLOAD.EAP, message: r.message } as EapPayload],
      onResponse: (_m, inner) => {
        const next = find<EapPayload>(inner, PAYLOAD.EAP);
        if (!next) {
          const err = findErrorNotify(inner);
          giveUp(e, sa, st, `IKE_AUTH failed during EAP: ${err ? NotifyType.name(err.notifyType) : 'no EAP payload'}`, false);
          return;
        }
        eapRound(e, sa, st, next);
      },
      onGiveUp: () => st.client.dispose(),
    });
    return;
  }
  // EAP success: AUTH with the MSK
  st.msk = r.msk;
  const a = sa.alg!;
  const data = pskAuth(a.prf, r.msk, mskOctets(sa, true, idPayloadBody(sa.localId!)));
  e.request(sa, {
    exchange: EXCHANGE.IKE_AUTH,
    build: () => [{ type: PAYLOAD.AUTH, method: AUTH.SHARED_KEY_MIC, data } as AuthPayload],
    onResponse: (_m, inner) => lastResponse(e, sa, st, inner),
  });
}

async function lastResponse(e: EngineContext, sa: IkeSa, st: InitiatorEap, inner: Payload[]): Promise<void> {
  const auth = find<AuthPayload>(inner, PAYLOAD.AUTH);
  const msk = st.msk!;
  const a = sa.alg!;
  const idR = sa.remoteId!;
  if (!auth) {
    const err = findErrorNotify(inner);
    giveUp(e, sa, st, `IKE_AUTH failed after EAP: ${err ? NotifyType.name(err.notifyType) : 'no AUTH in the last response'}`, false);
    return;
  }
  const ok = auth.method === AUTH.SHARED_KEY_MIC && checkPskAuth(a.prf, msk, mskOctets(sa, false, idPayloadBody(idR)), auth.data);
  forgetPskPad(msk);
  msk.fill(0);
  st.msk = null;
  st.client.dispose();
  if (!ok) {
    e.log.info(`${e.spiTag(sa)}: responder's AUTH with the EAP MSK does not verify`);
    giveUp(e, sa, st, 'responder authentication failed', true);
    return;
  }
  noteMobikeSupport(e, sa, inner);
  noteConfigReply(e, sa, inner);
  e.established(sa, Date.now() - st.started);
  scheduleIkeLifetime(e, sa);
  const err = findErrorNotify(inner);
  if (err) {
    e.log.info(`${e.spiTag(sa)}: no Child SA: peer answered ${NotifyType.name(err.notifyType)}`);
    return;
  }
  const child = await completeChild(e, sa, st.offer, inner, sa.ni, sa.nr, null);
  if (child) scheduleChildLifetime(e, sa, child);
  await applyAssignedConfig(e, sa);
}

/** Initiator: keep the CFG_REPLY of the last IKE_AUTH response and expand the tag. */
export function noteConfigReply(e: EngineContext, sa: IkeSa, inner: Payload[]): void {
  sa.assignedConfig = configReply(inner);
  setTag(sa);
  if (sa.assignedConfig) e.log.info(`${e.spiTag(sa)}: configuration received: ${describeAssigned(sa.assignedConfig)}`);
}

/** Initiator: apply the received configuration on the policy's iface (once the Child SA exists). */
export async function applyAssignedConfig(e: EngineContext, sa: IkeSa): Promise<void> {
  if (!sa.assignedConfig || !sa.policy.conf.iface) return;
  await applyClientConfig(e, sa);
}

/** An IKE SA is gone: close an unfinished EAP conversation, undo client configuration (a removal listener of the engine). */
export function eapSaRemoved(e: EngineContext, sa: IkeSa): void {
  stopEap(sa, 'aborted');
  if (sa.appliedConfig) void removeClientConfig(e, sa); // nothing applied (nearly every SA): no async call
}
