/**
 * RFC 8784 post-quantum preshared keys. IKE_SA_INIT: both sides send N(USE_PPK) when their
 * policy has a PPK. Right before IKE_AUTH the PPK goes into SK_d, SK_pi and SK_pr
 * (crypto/keymat.ts derivePpkKeys); the initiator names it with N(PPK_IDENTITY, PPK_ID_FIXED)
 * and, when the PPK is optional, adds N(NO_PPK_AUTH) with its AUTH data over the SK_pi
 * without the PPK. A responder that has that PPK answers with an empty N(PPK_IDENTITY) and
 * both keep the new keys; one that has not authenticates NO_PPK_AUTH (optional) and both
 * go on with the keys without the PPK, or refuses (required). PPK with EAP is not done.
 */
import { PAYLOAD, NOTIFY } from '../../wire/iana';
import { Payload, NotifyPayload, AuthPayload } from '../payloads/payload-types';
import { find, findNotify, notify } from '../payloads/payload-find';
import type { IkeSa } from '../sa/ike-sa';
import { dropWithoutPpk } from '../sa/ppk-state';
import type { Policy } from '../policy/policy';
import type { EngineContext } from '../engine-context';
import type { Identity } from '../../crypto/identity';
import type { PpkConf } from '../../conf/types';
import { derivePpkKeys } from '../../crypto/keymat';
import { localAuth } from './authentication';

/** PPK_ID type octet (RFC 8784 3): an octet string fixed in both sides' configuration. */
const PPK_ID_FIXED = 2;

/** A PPK_ID for the log: its text when printable, else hex. */
export function ppkIdText(id: Buffer): string {
  return /^[\x20-\x7e]*$/.test(id.toString('latin1')) ? `'${id.toString('latin1')}'` : `0x${id.toString('hex')}`;
}

function ppkIdentityData(c: PpkConf): Buffer {
  return Buffer.concat([Buffer.from([PPK_ID_FIXED]), c.id]);
}

/** The PPK_ID of a PPK_IDENTITY notify, or null when it is not a PPK_ID_FIXED one. */
function parsePpkIdentity(n: NotifyPayload): Buffer | null {
  return n.data.length >= 2 && n.data[0] === PPK_ID_FIXED ? n.data.subarray(1) : null;
}

/** Mix the PPK into SK_d, SK_pi, SK_pr; the keys without it are kept (`keep`) or zeroed. */
function mixIn(sa: IkeSa, c: PpkConf, keep: boolean): void {
  const k = sa.keys!;
  const without = { skD: k.skD, skPi: k.skPi, skPr: k.skPr };
  const mixed = derivePpkKeys(sa.alg!.prf, c.key, without);
  k.skD = mixed.skD;
  k.skPi = mixed.skPi;
  k.skPr = mixed.skPr;
  sa.ppk = { withoutPpk: without, used: true };
  if (!keep) dropWithoutPpk(sa.ppk);
}

/** Back to the keys without the PPK (the responder did not use it); the mixed ones are zeroed. */
function mixOut(sa: IkeSa): void {
  const k = sa.keys!;
  const without = sa.ppk!.withoutPpk!;
  for (const b of [k.skD, k.skPi, k.skPr]) b.fill(0);
  k.skD = without.skD;
  k.skPi = without.skPi;
  k.skPr = without.skPr;
  sa.ppk = { withoutPpk: null, used: false };
}

// ------------------------------------------------------------------ IKE_SA_INIT

/** The initiator's N(USE_PPK) when its policy has a PPK. */
export function usePpkNotifies(policy: Policy): NotifyPayload[] {
  return policy.conf.ppk ? [notify(NOTIFY.USE_PPK)] : [];
}

/** The initiator reads the IKE_SA_INIT response: the reason to give up (a required PPK the peer does not do), else null. */
export function notePeerUsePpk(sa: IkeSa, response: Payload[]): string | null {
  const c = sa.policy.conf.ppk;
  if (!c) return null;
  if (findNotify(response, NOTIFY.USE_PPK)) {
    sa.ppk = { withoutPpk: null, used: false };
    return null;
  }
  return c.required ? `policy '${sa.policy.name}' requires a PPK, but the peer did not send USE_PPK` : null;
}

/** The responder's N(USE_PPK) answer: when the initiator sent it and the policy has a PPK. */
export function answerUsePpk(sa: IkeSa, policy: Policy, request: Payload[]): NotifyPayload[] {
  if (!policy.conf.ppk || !findNotify(request, NOTIFY.USE_PPK)) return [];
  sa.ppk = { withoutPpk: null, used: false };
  return [notify(NOTIFY.USE_PPK)];
}

// ------------------------------------------------------------------ initiator, IKE_AUTH

/**
 * Before the initiator computes AUTH: the PPK goes into the keys, and the notifies for
 * the request come back: N(PPK_IDENTITY) and, with an optional PPK, N(NO_PPK_AUTH) (the
 * AUTH payload's data over the SK_pi without the PPK, as strongSwan and libreswan send it).
 */
export async function startPpk(e: EngineContext, sa: IkeSa, policy: Policy, id: Identity): Promise<NotifyPayload[]> {
  const c = policy.conf.ppk;
  if (!c || !sa.ppk) return [];
  mixIn(sa, c, !c.required);
  e.log.debug(`${e.spiTag(sa)}: using PPK_ID ${ppkIdText(c.id)}${c.required ? '' : ', with NO_PPK_AUTH'}`);
  const out = [notify(NOTIFY.PPK_IDENTITY, ppkIdentityData(c))];
  if (c.required) return out;
  const auth = find<AuthPayload>(await localAuth(e, sa, policy, id, true), PAYLOAD.AUTH);
  if (!auth) throw new Error('no AUTH payload for NO_PPK_AUTH');
  out.push(notify(NOTIFY.NO_PPK_AUTH, auth.data));
  return out;
}

/** An EAP initiator goes without the PPK (PPK with EAP is not done): a required one stops it here. */
export function noRequiredPpk(sa: IkeSa): IkeSa {
  if (sa.policy.conf.ppk?.required) throw new Error(`policy '${sa.policy.name}' requires a PPK, which is not supported with EAP`);
  return sa;
}

/**
 * The initiator reads the IKE_AUTH response, before it checks the responder's AUTH: with
 * N(PPK_IDENTITY) the keys with the PPK stay; without it an optional PPK is dropped (back
 * to the keys without it), a required one is the reason returned.
 */
export function settlePpk(e: EngineContext, sa: IkeSa, response: Payload[]): string | null {
  const s = sa.ppk;
  if (!s?.used) return null;
  if (findNotify(response, NOTIFY.PPK_IDENTITY)) {
    dropWithoutPpk(s);
    e.log.info(`${e.spiTag(sa)}: PPK in use (RFC 8784)`);
    return null;
  }
  if (!s.withoutPpk) return 'PPK required, but the responder did not use it';
  mixOut(sa);
  e.log.info(`${e.spiTag(sa)}: the responder did not use the PPK; going on without it`);
  return null;
}

// ------------------------------------------------------------------ responder, IKE_AUTH

export type ResponderPpk =
  | { why: string }
  /** `inner`: the request to authenticate (AUTH with NO_PPK_AUTH's data when that is used); `answer`: for the response. */
  | { inner: Payload[]; answer: NotifyPayload[] };

/** Without the PPK: refused when the policy requires it, else the request as it is. */
function withoutPpk(policy: Policy, inner: Payload[], why: string): ResponderPpk {
  return policy.conf.ppk?.required ? { why: `policy '${policy.name}' requires a PPK: ${why}` } : { inner, answer: [] };
}

/** The request with its AUTH payload's data taken from NO_PPK_AUTH. */
function noPpkAuthInner(inner: Payload[], n: NotifyPayload): Payload[] {
  return inner.map((p) => (p.type === PAYLOAD.AUTH ? ({ ...(p as AuthPayload), data: n.data } as AuthPayload) : p));
}

/**
 * The responder, once the IKE_AUTH request chose `policy`: mix in the PPK the request
 * names (its AUTH is then checked with SK_pi'), fall back to NO_PPK_AUTH, or refuse.
 */
export function responderPpk(e: EngineContext, sa: IkeSa, policy: Policy, inner: Payload[]): ResponderPpk {
  if (!sa.ppk) return withoutPpk(policy, inner, 'the peer did not send USE_PPK');
  if (!find(inner, PAYLOAD.AUTH)) return withoutPpk(policy, inner, 'the peer authenticates with EAP (PPK with EAP is not supported)');
  const n = findNotify(inner, NOTIFY.PPK_IDENTITY);
  if (!n) return withoutPpk(policy, inner, 'no PPK_IDENTITY received');
  const c = policy.conf.ppk;
  const id = parsePpkIdentity(n);
  const shown = id ? ppkIdText(id) : `(not PPK_ID_FIXED: 0x${n.data.toString('hex')})`;
  if (c && id && id.equals(c.id)) {
    mixIn(sa, c, false);
    e.log.info(`${e.spiTag(sa)}: using PPK for PPK_ID ${shown}`);
    return { inner, answer: [notify(NOTIFY.PPK_IDENTITY)] };
  }
  const unknown = `no PPK for PPK_ID ${shown}`;
  if (c?.required) return { why: `policy '${policy.name}' requires a PPK: ${unknown}` };
  const noPpkAuth = findNotify(inner, NOTIFY.NO_PPK_AUTH);
  if (!noPpkAuth) return { why: `${unknown} and no NO_PPK_AUTH` };
  e.log.info(`${e.spiTag(sa)}: ${unknown}, authenticating with NO_PPK_AUTH`);
  return { inner: noPpkAuthInner(inner, noPpkAuth), answer: [] };
}
