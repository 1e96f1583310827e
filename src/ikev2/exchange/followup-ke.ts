/**
 * IKE_FOLLOWUP_KE (RFC 9370 2.2.4): the additional key exchanges of a CREATE_CHILD_SA
 * (a Child SA with PFS, or an IKE SA rekey), one exchange each, tied to the
 * CREATE_CHILD_SA by the responder's ADDITIONAL_KEY_EXCHANGE link data. The new SA's keys
 * come from every secret: g^ir (new) | Ni | Nr | SK(1) | ... | SK(n).
 */
import { timingSafeEqual } from 'node:crypto';
import { EXCHANGE, PAYLOAD, NOTIFY, DhGroup, NotifyType } from '../../wire/iana';
import type { IkeMessage, Payload, KePayload, NotifyPayload } from '../payloads/payload-types';
import { find, findErrorNotify, findNotify, notify } from '../payloads/payload-find';
import type { IkeSa, ResponderFollowup } from '../sa/ike-sa';
import type { EngineContext } from '../engine-context';
import { createKeyExchange, respondKeyExchange } from '../../crypto/key-exchange';
import { randomBytes } from 'node:crypto';

/** How long the responder waits for the next IKE_FOLLOWUP_KE request. */
const FOLLOWUP_WAIT_MS = 60_000;

function methodText(m: number): string {
  return DhGroup.name(m);
}

function dropFollowup(sa: IkeSa, st: ResponderFollowup): void {
  if (sa.followup === st) sa.followup = null;
  sa.clearTimer('followup');
  for (const s of st.secrets) s.fill(0);
  st.secrets = [];
  st.abandon();
}

// ------------------------------------------------------------------ responder

/**
 * The CREATE_CHILD_SA answer chose additional key exchanges: keep the state and return
 * the ADDITIONAL_KEY_EXCHANGE notify for the answer. A follow-up still pending is dropped.
 */
export function awaitFollowups(
  e: EngineContext,
  sa: IkeSa,
  methods: number[],
  gir: Buffer,
  what: string,
  finish: ResponderFollowup['finish'],
  abandon: () => void,
): NotifyPayload {
  if (sa.followup) dropFollowup(sa, sa.followup);
  const st: ResponderFollowup = { link: randomBytes(8), remaining: [...methods], secrets: [gir], what, finish, abandon };
  sa.followup = st;
  sa.setTimer('followup', FOLLOWUP_WAIT_MS, () => {
    if (sa.followup !== st) return;
    e.log.info(`${e.spiTag(sa)}: ${what}: no IKE_FOLLOWUP_KE from peer, given up`);
    dropFollowup(sa, st);
  });
  e.log.debug(`${e.spiTag(sa)}: ${what}: waiting for ${methods.length} additional key exchange(s): ${methods.map(methodText).join(', ')}`);
  return notify(NOTIFY.ADDITIONAL_KEY_EXCHANGE, st.link);
}

function sameLink(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The peer's IKE_FOLLOWUP_KE request. */
export async function handleFollowupRequest(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[]): Promise<void> {
  const st = sa.followup;
  const link = findNotify(inner, NOTIFY.ADDITIONAL_KEY_EXCHANGE);
  if (!st || !link || !sameLink(link.data, st.link)) {
    // RFC 9370 2.2.4: no exchange of ours waits for this link data
    e.log.info(`${e.spiTag(sa)}: IKE_FOLLOWUP_KE ${link ? 'with unknown link data' : 'without ADDITIONAL_KEY_EXCHANGE'}: STATE_NOT_FOUND`);
    e.respond(sa, m.header, [notify(NOTIFY.STATE_NOT_FOUND)]);
    return;
  }
  const method = st.remaining[0];
  const ke = find<KePayload>(inner, PAYLOAD.KE);
  let kx: { publicKey: Buffer; secret: Buffer };
  try {
    if (!ke || ke.group !== method) throw new Error(ke ? `KE for ${methodText(ke.group)}, agreed ${methodText(method)}` : 'no KE payload');
    kx = respondKeyExchange(method, ke.data);
  } catch (err) {
    e.log.info(`${e.spiTag(sa)}: ${st.what}: IKE_FOLLOWUP_KE refused: ${err instanceof Error ? err.message : String(err)}`);
    dropFollowup(sa, st);
    e.respond(sa, m.header, [notify(NOTIFY.INVALID_SYNTAX)]);
    return;
  }
  st.secrets.push(kx.secret);
  st.remaining.shift();
  const ours = { type: PAYLOAD.KE, group: method, data: kx.publicKey } as KePayload;
  if (st.remaining.length) {
    sa.setTimer('followup', FOLLOWUP_WAIT_MS, () => {
      if (sa.followup === st) dropFollowup(sa, st);
    });
    e.respond(sa, m.header, [ours, notify(NOTIFY.ADDITIONAL_KEY_EXCHANGE, st.link)]);
    return;
  }
  sa.followup = null;
  sa.clearTimer('followup');
  const [gir, ...more] = st.secrets;
  const add = Buffer.concat(more);
  for (const s of more) s.fill(0);
  st.secrets = [];
  let extra: Payload[];
  try {
    extra = await st.finish(gir, add);
  } catch (err) {
    e.log.warn(`${e.spiTag(sa)}: ${st.what}: ${err instanceof Error ? err.message : String(err)}`);
    extra = [notify(NOTIFY.NO_PROPOSAL_CHOSEN)];
  } finally {
    gir.fill(0);
    add.fill(0);
  }
  e.respond(sa, m.header, [ours, ...extra]);
}

// ------------------------------------------------------------------ initiator

/**
 * After a CREATE_CHILD_SA answer that chose additional key exchanges: one IKE_FOLLOWUP_KE
 * per method. Resolves with g^ir and SK(1) | ... | SK(n) (which RFC 9370 puts after the
 * nonces), or null when the peer refused or the IKE SA went (logged; gir zeroed).
 */
export function runFollowups(e: EngineContext, sa: IkeSa, methods: number[], answer: Payload[], gir: Buffer, what: string): Promise<{ gir: Buffer; add: Buffer } | null> {
  const first = findNotify(answer, NOTIFY.ADDITIONAL_KEY_EXCHANGE);
  if (!first) {
    gir.fill(0);
    e.log.info(`${e.spiTag(sa)}: ${what}: answer chose additional key exchanges without ADDITIONAL_KEY_EXCHANGE`);
    return Promise.resolve(null);
  }
  const secrets = [gir];
  const fail = (why: string): null => {
    for (const s of secrets) s.fill(0);
    e.log.info(`${e.spiTag(sa)}: ${what}: ${why}`);
    return null;
  };
  return new Promise((resolve) => {
    const step = (i: number, link: Buffer): void => {
      const method = methods[i];
      const kx = createKeyExchange(method);
      e.request(sa, {
        exchange: EXCHANGE.IKE_FOLLOWUP_KE,
        build: () => {
          if (sa.state === 'ESTABLISHED') return [{ type: PAYLOAD.KE, group: method, data: kx.publicKey } as KePayload, notify(NOTIFY.ADDITIONAL_KEY_EXCHANGE, link)];
          kx.dispose();
          resolve(fail('the IKE SA is no longer established'));
          return null;
        },
        onResponse: (_m, inner) => {
          const err = findErrorNotify(inner);
          const ke = find<KePayload>(inner, PAYLOAD.KE);
          if (err || !ke || ke.group !== method) {
            kx.dispose();
            resolve(fail(`IKE_FOLLOWUP_KE ${i + 1} refused: ${err ? NotifyType.name(err.notifyType) : ke ? `KE for ${methodText(ke.group)}` : 'no KE payload'}`));
            return;
          }
          try {
            secrets.push(kx.computeSecret(ke.data));
          } catch (x) {
            resolve(fail(`IKE_FOLLOWUP_KE ${i + 1}: bad ${methodText(method)} value: ${x instanceof Error ? x.message : String(x)}`));
            return;
          } finally {
            kx.dispose();
          }
          if (i + 1 < methods.length) {
            const next = findNotify(inner, NOTIFY.ADDITIONAL_KEY_EXCHANGE);
            step(i + 1, next ? Buffer.from(next.data) : link);
            return;
          }
          const add = Buffer.concat(secrets.slice(1));
          for (const s of secrets.slice(1)) s.fill(0);
          resolve({ gir, add });
        },
        onGiveUp: () => {
          kx.dispose();
          resolve(fail('IKE_FOLLOWUP_KE timed out'));
        },
      });
    };
    step(0, Buffer.from(first.data));
  });
}
