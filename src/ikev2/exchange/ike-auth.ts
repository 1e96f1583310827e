/**
 * IKE_AUTH, both roles (RFC 7296 1.2, 2.15): identities, PSK or signature
 * authentication through the AuthProvider, and the first Child SA.
 */
import { EXCHANGE, PAYLOAD, NOTIFY, AUTH, CERT, AuthMethod, NotifyType } from '../../wire/iana';
import { IkeMessage, Payload, IdPayload, AuthPayload, CertPayload, CertReqPayload } from '../payloads/payload-types';
import { IkeSa } from '../sa/ike-sa';
import { find, findAll, findNotify, findErrorNotify, notify } from '../payloads/payload-find';
import { findPolicyForPeer, localIdentity, Policy } from '../policy/policy';
import { makeChildOffer, offerPayloads, tsPayloads, answerChild, completeChild, ChildOffer } from './child-negotiate';
import { scheduleChildLifetime, scheduleIkeLifetime } from './lifetimes';
import { endpointText } from '../../wire/endpoint';
import { removeChildren } from './informational';
import { mobikeNotifies, noteMobikeSupport } from './mobike';
import { eapInProgress, wantsEap, startEapResponder, handleEapRound, startEapInitiator, noteConfigReply, applyAssignedConfig, setTag } from './eap';
import { answerConfig, configRequest, describeAssigned } from './config-payload';
import type { Engine } from '../engine';
import { verifyThenSign } from '../policy/auth-provider';
import type { LocalAuth, PeerCert, VerifyArgs } from '../policy/auth-provider';
import { Identity, idPayloadBody, identityMatches, formatIdentity } from '../../crypto/identity';
import { signedOctets, pskAuth, checkPskAuth } from '../../crypto/auth-psk';
import { settleEstablished } from '../sa/sa-settle';

export function idPayload(type: 35 | 36, id: Identity): IdPayload {
  return { type, idType: id.type, data: id.data };
}

export function toIdentity(p: IdPayload): Identity {
  return { type: p.idType, data: Buffer.from(p.data) };
}

/** The octets we sign or MAC (RFC 7296 2.15): our first message, the peer's nonce, prf(SK_p, our ID). */
function ourOctets(sa: IkeSa, id: Identity): Buffer {
  const a = sa.alg!;
  const realMessage = sa.initiator ? sa.initRequest! : sa.initResponse!;
  const peerNonce = sa.initiator ? sa.nr : sa.ni;
  const skP = sa.initiator ? sa.keys!.skPi : sa.keys!.skPr;
  return signedOctets(a.prf, realMessage, peerNonce, skP, idPayloadBody(id));
}

function signedPayloads(r: LocalAuth): Payload[] {
  const out: Payload[] = r.certs.map((c) => ({ type: PAYLOAD.CERT, encoding: c.encoding, data: c.data }) as CertPayload);
  out.push({ type: PAYLOAD.AUTH, method: r.method, data: r.data } as AuthPayload);
  return out;
}

/** Our AUTH payload (and certificates) over our signed octets. */
export async function localAuth(e: Engine, sa: IkeSa, policy: Policy, id: Identity): Promise<Payload[]> {
  const octets = ourOctets(sa, id);
  const auth = policy.conf.auth;
  if (auth.method === 'psk') {
    return [{ type: PAYLOAD.AUTH, method: AUTH.SHARED_KEY_MIC, data: pskAuth(sa.alg!.prf, auth.psk, octets) } as AuthPayload];
  }
  return signedPayloads(await e.auth.sign(policy.name, id, octets, sa.peerHashAlgs));
}

/** The peer's AUTH checked here (a reason, or null when it is good), or what the AuthProvider must verify. */
type PeerCheck = { done: string | null } | { verify: VerifyArgs };

function checkPeerLocally(sa: IkeSa, policy: Policy, id: Identity, idP: IdPayload, inner: Payload[]): PeerCheck {
  const authP = find<AuthPayload>(inner, PAYLOAD.AUTH);
  if (!authP) return { done: 'no AUTH payload' };
  if (policy.remoteId && !identityMatches(policy.remoteId, id)) {
    return { done: `peer identity ${formatIdentity(id)} does not match dstid ${formatIdentity(policy.remoteId)}` };
  }
  const a = sa.alg!;
  const realMessage = sa.initiator ? sa.initResponse! : sa.initRequest!;
  const ourNonce = sa.initiator ? sa.ni : sa.nr;
  const skP = sa.initiator ? sa.keys!.skPr : sa.keys!.skPi;
  const body = Buffer.alloc(4 + idP.data.length);
  body[0] = idP.idType;
  idP.data.copy(body, 4);
  const octets = signedOctets(a.prf, realMessage, ourNonce, skP, body);
  const auth = policy.conf.auth;
  if (auth.method === 'psk') {
    if (authP.method !== AUTH.SHARED_KEY_MIC) return { done: `peer used ${AuthMethod.name(authP.method)}, policy wants a pre-shared key` };
    return { done: checkPskAuth(a.prf, auth.psk, octets, authP.data) ? null : 'pre-shared key mismatch' };
  }
  if (authP.method === AUTH.SHARED_KEY_MIC) return { done: `peer used a pre-shared key, policy '${policy.name}' wants signatures` };
  const certs: PeerCert[] = findAll<CertPayload>(inner, PAYLOAD.CERT).map((c) => ({ encoding: c.encoding, data: c.data }));
  return { verify: { policy: policy.name, remoteId: id, method: authP.method, data: authP.data, octets, certs } };
}

/** Check the peer's AUTH payload; returns a reason on failure. */
export async function verifyPeer(e: Engine, sa: IkeSa, policy: Policy, id: Identity, idP: IdPayload, inner: Payload[]): Promise<string | null> {
  const c = checkPeerLocally(sa, policy, id, idP, inner);
  if ('done' in c) return c.done;
  const v = c.verify;
  const r = await e.auth.verify(v.policy, v.remoteId, v.method, v.data, v.octets, v.certs);
  return r.ok ? null : r.reason;
}

/**
 * The responder's authentication: check the peer's AUTH and make ours. With
 * signatures both go to the AuthProvider in one call (one round trip to the ca,
 * which signs only once the peer verified).
 */
async function authenticatePeerAndUs(e: Engine, sa: IkeSa, policy: Policy, id: Identity, idP: IdPayload, inner: Payload[], ourId: Identity): Promise<{ why: string } | { ours: Payload[] }> {
  const c = checkPeerLocally(sa, policy, id, idP, inner);
  if ('done' in c) return c.done ? { why: c.done } : { ours: await localAuth(e, sa, policy, ourId) };
  const r = await verifyThenSign(e.auth, c.verify, { policy: policy.name, localId: ourId, octets: ourOctets(sa, ourId), peerHashAlgs: sa.peerHashAlgs });
  if (!r.verified.ok) return { why: r.verified.reason };
  if (!r.signed) throw new Error(`policy '${policy.name}': the peer verified but nothing was signed`);
  return { ours: signedPayloads(r.signed) };
}

// ------------------------------------------------------------------ initiator

export async function startAuth(e: Engine, sa: IkeSa): Promise<void> {
  if (sa.policy.conf.auth.method === 'eap') return startEapInitiator(e, sa);
  const started = sa.createdAt;
  const policy = sa.policy;
  const id = localIdentity(policy, sa.local.address);
  sa.localId = id;
  const offer = await makeChildOffer(e, sa, false);
  const payloads: Payload[] = [idPayload(PAYLOAD.IDi, id)];
  const authPayloads = await localAuth(e, sa, policy, id);
  payloads.push(...authPayloads.filter((p) => p.type === PAYLOAD.CERT));
  if (policy.conf.auth.method !== 'psk') {
    const cr = e.auth.certRequest(policy.name);
    if (cr) payloads.push({ type: PAYLOAD.CERTREQ, encoding: CERT.X509_SIG, data: cr } as CertReqPayload);
  }
  if (policy.remoteId) payloads.push(idPayload(PAYLOAD.IDr, policy.remoteId));
  payloads.push(...authPayloads.filter((p) => p.type === PAYLOAD.AUTH));
  const cp = configRequest(policy.conf.request);
  if (cp) payloads.push(cp);
  payloads.push(notify(NOTIFY.INITIAL_CONTACT));
  payloads.push(...mobikeNotifies(e));
  payloads.push(...offerPayloads(offer));
  payloads.push(...tsPayloads(offer.tsi, offer.tsr));
  sa.state = 'AUTH_SENT';
  e.request(sa, {
    exchange: EXCHANGE.IKE_AUTH,
    build: () => payloads,
    onResponse: (_m, inner) => authResponse(e, sa, offer, inner, started),
  });
}

async function authResponse(e: Engine, sa: IkeSa, offer: ChildOffer, inner: Payload[], started: number): Promise<void> {
  const idP = find<IdPayload>(inner, PAYLOAD.IDr);
  if (!idP || !find(inner, PAYLOAD.AUTH)) {
    const err = findErrorNotify(inner);
    e.stats.authFailures++;
    e.deleteIkeSa(sa, `IKE_AUTH failed: ${err ? NotifyType.name(err.notifyType) : 'no IDr/AUTH in response'}`, false);
    return;
  }
  const id = toIdentity(idP);
  const why = await verifyPeer(e, sa, sa.policy, id, idP, inner);
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

export async function handleAuthRequest(e: Engine, sa: IkeSa, m: IkeMessage, inner: Payload[]): Promise<void> {
  if (eapInProgress(sa)) return handleEapRound(e, sa, m, inner);
  if (sa.state !== 'INIT_DONE' || sa.initiator) {
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
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
  if (wantsEap(policy, inner)) return startEapResponder(e, sa, m, inner, policy, idP);
  const ourId = localIdentity(policy, sa.local.address);
  const authed = await authenticatePeerAndUs(e, sa, policy, id, idP, inner, ourId);
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
  out.push(...authed.ours);
  out.push(...cfg.payloads);
  noteMobikeSupport(e, sa, inner);
  out.push(...mobikeNotifies(e));
  await establishAndAnswer(e, sa, m, out, cfg.inner, formatIdentity(id));
}

/**
 * The responder's last IKE_AUTH step (after PSK/signature or EAP): the IKE SA is up;
 * add the first Child SA (or the notify saying why not) and answer.
 */
export async function establishAndAnswer(e: Engine, sa: IkeSa, m: IkeMessage, out: Payload[], childRequest: Payload[], peer: string): Promise<void> {
  e.established(sa, Date.now() - sa.createdAt);
  scheduleIkeLifetime(e, sa);
  if (sa.initialContact) await dropOlderSas(e, sa);
  try {
    const ans = await answerChild(e, sa, childRequest, sa.ni, sa.nr, null, true);
    if (ans.ok) {
      out.push(...ans.payloads);
      scheduleChildLifetime(e, sa, ans.child);
    } else {
      e.log.info(`${e.spiTag(sa)}: no Child SA for ${peer}: ${ans.reason}`);
      out.push(notify(ans.notify));
    }
  } catch (err) {
    e.log.warn(`${e.spiTag(sa)}: Child SA setup failed: ${err instanceof Error ? err.message : String(err)}`);
    out.push(notify(NOTIFY.TEMPORARY_FAILURE));
  }
  e.respond(sa, m.header, out);
  settleEstablished(sa);
}

/** AUTHENTICATION_FAILED to the initiator, then the state goes. */
function failAuth(e: Engine, sa: IkeSa, m: IkeMessage, reason: string): void {
  e.stats.authFailures++;
  e.log.info(`${e.spiTag(sa)}: ${reason}`);
  e.respond(sa, m.header, [notify(NOTIFY.AUTHENTICATION_FAILED)]);
  e.deleteIkeSa(sa, 'authentication failed', false);
}

function sameIdentity(a: Identity | null, b: Identity | null): boolean {
  return !!a && !!b && a.type === b.type && a.data.equals(b.data);
}

/**
 * INITIAL_CONTACT: the peer rebooted; older IKE SAs between the same pair of
 * authenticated identities (RFC 7296 2.4), from the same address and policy, go.
 * Other identities behind the same address keep theirs. The old Child SAs leave
 * the kernel first: the new Child SA installs the same flows.
 */
export async function dropOlderSas(e: Engine, sa: IkeSa): Promise<void> {
  for (const other of sa.remoteId ? e.sas.withPeerIdentity(sa.remoteId) : []) {
    if (other === sa || other.state !== 'ESTABLISHED') continue;
    if (other.remote.address === sa.remote.address && sameIdentity(other.remoteId, sa.remoteId) && sameIdentity(other.localId, sa.localId) && other.policy === sa.policy) {
      await removeChildren(e, other, [...other.children], false);
      e.deleteIkeSa(other, 'INITIAL_CONTACT from peer', false);
    }
  }
}
