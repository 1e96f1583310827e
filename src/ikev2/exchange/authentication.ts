/**
 * Authentication shared by IKE_AUTH (./ike-auth.ts) and EAP (./eap.ts): the ID and
 * AUTH payloads (PSK, signatures through the AuthProvider), the checks of the
 * peer, and the responder's last step (the IKE SA established, its first Child SA,
 * INITIAL_CONTACT).
 */
import { PAYLOAD, NOTIFY, AUTH, AuthMethod } from '../../wire/iana';
import { IkeMessage, Payload, IdPayload, AuthPayload, CertPayload } from '../payloads/payload-types';
import { IkeSa } from '../sa/ike-sa';
import { find, findAll, notify } from '../payloads/payload-find';
import { Policy } from '../policy/policy';
import { answerChild, offerPayloads, tsPayloads, type ChildOffer } from './child-negotiate';
import { configRequest } from './config-payload';
import { mobikeNotifies } from './mobike';
import { scheduleChildLifetime, scheduleIkeLifetime } from './lifetimes';
import { removeChildren } from './informational';
import type { EngineContext } from '../engine-context';
import { verifyThenSign } from '../policy/auth-provider';
import type { LocalAuth, PeerCert, VerifyArgs } from '../policy/auth-provider';
import { Identity, idPayloadBody, identityMatches, formatIdentity } from '../../crypto/identity';
import { pskAuth, checkPskAuth } from '../../crypto/auth-psk';
import { authOctetParts, authOctets } from './auth-octets';
import { settleEstablished } from '../sa/sa-settle';

export function idPayload(type: 35 | 36, id: Identity): IdPayload {
  return { type, idType: id.type, data: id.data };
}

export function toIdentity(p: IdPayload): Identity {
  return { type: p.idType, data: Buffer.from(p.data) };
}

/** The octets we sign or MAC (RFC 7296 2.15, RFC 9242 IntAuth, RFC 8784 SK_p'): ./auth-octets.ts. */
function ourOctets(sa: IkeSa, id: Identity, withoutPpk = false): Buffer {
  return authOctets(sa, sa.initiator, idPayloadBody(id), withoutPpk);
}

function signedPayloads(r: LocalAuth): Payload[] {
  const out: Payload[] = r.certs.map((c) => ({ type: PAYLOAD.CERT, encoding: c.encoding, data: c.data }) as CertPayload);
  out.push({ type: PAYLOAD.AUTH, method: r.method, data: r.data } as AuthPayload);
  return out;
}

/** Our AUTH payload (and certificates) over our signed octets (with `withoutPpk`, SK_p from before the PPK). */
export async function localAuth(e: EngineContext, sa: IkeSa, policy: Policy, id: Identity, withoutPpk = false): Promise<Payload[]> {
  const auth = policy.conf.auth;
  if (auth.method === 'psk') {
    const parts = authOctetParts(sa, sa.initiator, idPayloadBody(id), withoutPpk);
    return [{ type: PAYLOAD.AUTH, method: AUTH.SHARED_KEY_MIC, data: pskAuth(sa.alg!.prf, auth.psk, parts) } as AuthPayload];
  }
  return signedPayloads(await e.auth.sign(policy.name, id, ourOctets(sa, id, withoutPpk), sa.peerHashAlgs));
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
  const body = Buffer.alloc(4 + idP.data.length);
  body[0] = idP.idType;
  idP.data.copy(body, 4);
  const auth = policy.conf.auth;
  if (auth.method === 'psk') {
    if (authP.method !== AUTH.SHARED_KEY_MIC) return { done: `peer used ${AuthMethod.name(authP.method)}, policy wants a pre-shared key` };
    return { done: checkPskAuth(a.prf, auth.psk, authOctetParts(sa, !sa.initiator, body), authP.data) ? null : 'pre-shared key mismatch' };
  }
  if (authP.method === AUTH.SHARED_KEY_MIC) return { done: `peer used a pre-shared key, policy '${policy.name}' wants signatures` };
  const octets = authOctets(sa, !sa.initiator, body);
  const certs: PeerCert[] = findAll<CertPayload>(inner, PAYLOAD.CERT).map((c) => ({ encoding: c.encoding, data: c.data }));
  return { verify: { policy: policy.name, remoteId: id, method: authP.method, data: authP.data, octets, certs } };
}

/** Check the peer's AUTH payload; returns a reason on failure. */
export async function verifyPeer(e: EngineContext, sa: IkeSa, policy: Policy, id: Identity, idP: IdPayload, inner: Payload[]): Promise<string | null> {
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
export async function authenticatePeerAndUs(e: EngineContext, sa: IkeSa, policy: Policy, id: Identity, idP: IdPayload, inner: Payload[], ourId: Identity): Promise<{ why: string } | { ours: Payload[] }> {
  const c = checkPeerLocally(sa, policy, id, idP, inner);
  if ('done' in c) return c.done ? { why: c.done } : { ours: await localAuth(e, sa, policy, ourId) };
  const r = await verifyThenSign(e.auth, c.verify, { policy: policy.name, localId: ourId, octets: ourOctets(sa, ourId), peerHashAlgs: sa.peerHashAlgs });
  if (!r.verified.ok) return { why: r.verified.reason };
  if (!r.signed) throw new Error(`policy '${policy.name}': the peer verified but nothing was signed`);
  return { ours: signedPayloads(r.signed) };
}

// ------------------------------------------------------------------ initiator

/**
 * The responder's last IKE_AUTH step (after PSK/signature or EAP): the IKE SA is up;
 * add the first Child SA (or the notify saying why not) and answer.
 */
export async function establishAndAnswer(e: EngineContext, sa: IkeSa, m: IkeMessage, out: Payload[], childRequest: Payload[], peer: string): Promise<void> {
  e.established(sa, Date.now() - sa.createdAt);
  scheduleIkeLifetime(e, sa);
  if (sa.initialContact && olderSas(e, sa).length) await dropOlderSas(e, sa);
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

function sameIdentity(a: Identity | null, b: Identity | null): boolean {
  return !!a && !!b && a.type === b.type && a.data.equals(b.data);
}

/**
 * INITIAL_CONTACT: the peer rebooted; older IKE SAs between the same pair of
 * authenticated identities (RFC 7296 2.4), from the same address and policy, go.
 * Other identities behind the same address keep theirs. The old Child SAs leave
 * the kernel first: the new Child SA installs the same flows.
 */
export async function dropOlderSas(e: EngineContext, sa: IkeSa): Promise<void> {
  for (const other of sa.remoteId ? e.sas.withPeerIdentity(sa.remoteId) : []) {
    if (isOlderSa(sa, other)) {
      await removeChildren(e, other, [...other.children], false);
      e.deleteIkeSa(other, 'INITIAL_CONTACT from peer', false);
    }
  }
}

/** An established IKE SA that INITIAL_CONTACT on `sa` replaces (checked as each goes: removing one takes time). */
function isOlderSa(sa: IkeSa, other: IkeSa): boolean {
  if (other === sa || other.state !== 'ESTABLISHED') return false;
  return other.remote.address === sa.remote.address && sameIdentity(other.remoteId, sa.remoteId) && sameIdentity(other.localId, sa.localId) && other.policy === sa.policy;
}

/** The SAs dropOlderSas would drop now: none for nearly every peer, and then no asynchronous step is taken. */
function olderSas(e: EngineContext, sa: IkeSa): IkeSa[] {
  return sa.remoteId ? e.sas.withPeerIdentity(sa.remoteId).filter((other) => isOlderSa(sa, other)) : [];
}

/** The end of the initiator's first IKE_AUTH request (PSK, signature or EAP): CP request, INITIAL_CONTACT, MOBIKE, the Child SA offer. */
export function initiatorAuthTail(e: EngineContext, policy: Policy, offer: ChildOffer): Payload[] {
  const out: Payload[] = [];
  const cp = configRequest(policy.conf.request);
  if (cp) out.push(cp);
  out.push(notify(NOTIFY.INITIAL_CONTACT));
  out.push(...mobikeNotifies(e));
  out.push(...offerPayloads(offer));
  out.push(...tsPayloads(offer.tsi, offer.tsr));
  return out;
}
