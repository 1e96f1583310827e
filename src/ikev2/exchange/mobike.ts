/**
 * MOBIKE (RFC 4555): MOBIKE_SUPPORTED in IKE_AUTH, the original initiator moving
 * the IKE SA to a new local address with UPDATE_SA_ADDRESSES (and NAT detection),
 * the responder following it, and on both sides the Child SAs' kernel state moving
 * to the new outer addresses without renegotiation.
 */
import { randomBytes } from 'node:crypto';
import { EXCHANGE, NOTIFY, NotifyType } from '../../wire/iana';
import type { IkeMessage, Payload, NotifyPayload } from '../payloads/payload-types';
import { findNotify, findNotifies, findErrorNotify, notify } from '../payloads/payload-find';
import { natDetectionHash, natHashMatches } from './nat-detection';
import { Endpoint, endpointText, sameEndpoint } from '../../wire/endpoint';
import { spiHex } from '../sa/child-sa';
import { saSpec, flowSpecs, flowSpecsFor, ownFlowsOf } from './child-install';
import { inKernelOrder } from './child-kernel-order';
import { scheduleKeepalive } from './liveness';
import type { IkeSa } from '../sa/ike-sa';
import type { EngineContext } from '../engine-context';

/** MOBIKE_SUPPORTED for our IKE_AUTH message when `set mobike` is on (iked's default). */
export function mobikeNotifies(e: EngineContext): NotifyPayload[] {
  return e.options.mobike ? [notify(NOTIFY.MOBIKE_SUPPORTED)] : [];
}

/**
 * The responder's answer: MOBIKE_SUPPORTED only when the initiator offered it and we have it on
 * (noteMobikeSupport first). Unasked, a peer such as OpenIKED moves to port 4500 and answers our
 * later requests there.
 */
export function mobikeAnswer(sa: IkeSa): NotifyPayload[] {
  return sa.mobike ? [notify(NOTIFY.MOBIKE_SUPPORTED)] : [];
}

/** Remember whether MOBIKE is in use for `sa`: both sides sent MOBIKE_SUPPORTED. */
export function noteMobikeSupport(e: EngineContext, sa: IkeSa, inner: Payload[]): void {
  if (e.options.mobike && findNotify(inner, NOTIFY.MOBIKE_SUPPORTED)) {
    sa.mobike = true;
    e.log.debug(`${e.spiTag(sa)}: MOBIKE supported by both sides`);
  }
}

export function mobikeActive(sa: IkeSa): boolean {
  return sa.mobike;
}

/** An INFORMATIONAL request carrying UPDATE_SA_ADDRESSES. */
export function isAddressUpdate(inner: Payload[]): boolean {
  return !!findNotify(inner, NOTIFY.UPDATE_SA_ADDRESSES);
}

export interface SaEndpoints {
  local: Endpoint;
  remote: Endpoint;
}

function natDetectionPayloads(sa: IkeSa): NotifyPayload[] {
  return [
    notify(NOTIFY.NAT_DETECTION_SOURCE_IP, natDetectionHash(sa.spiI, sa.spiR, sa.local)),
    notify(NOTIFY.NAT_DETECTION_DESTINATION_IP, natDetectionHash(sa.spiI, sa.spiR, sa.remote)),
  ];
}

/** Recompute the NAT state from the peer's NAT_DETECTION_* hashes (RFC 4555 3.5). */
function redetectNat(e: EngineContext, sa: IkeSa, inner: Payload[]): void {
  if (e.natt === 'disable') return;
  const srcs = findNotifies(inner, NOTIFY.NAT_DETECTION_SOURCE_IP).map((n) => n.data);
  const dsts = findNotifies(inner, NOTIFY.NAT_DETECTION_DESTINATION_IP).map((n) => n.data);
  if (!srcs.length && !dsts.length) return;
  sa.natRemote = !natHashMatches(srcs, sa.spiI, sa.spiR, sa.remote);
  sa.natLocal = e.natt === 'force' || !natHashMatches(dsts, sa.spiI, sa.spiR, sa.local);
}

function ends(sa: IkeSa): string {
  return `local ${endpointText(sa.local)} peer ${endpointText(sa.remote)}`;
}

// ------------------------------------------------------------------ initiator

/**
 * The original initiator moves the IKE SA to `newLocal` (and the NAT-T port, RFC
 * 4555 3.3): UPDATE_SA_ADDRESSES with fresh NAT detection and a COOKIE2 go out
 * from the new address; the Child SAs follow once the peer answered. Returns false
 * when MOBIKE is not in use for this SA or we are not its original initiator.
 */
export function updateSaAddresses(e: EngineContext, sa: IkeSa, newLocal: string, done?: (ok: boolean) => void): boolean {
  if (!sa.initiator || !mobikeActive(sa) || sa.state !== 'ESTABLISHED') {
    e.log.debug(`${e.spiTag(sa)}: cannot move to ${newLocal}: ${!sa.initiator ? 'only the original initiator may' : !mobikeActive(sa) ? 'MOBIKE not in use' : `state ${sa.state}`}`);
    return false;
  }
  const before: SaEndpoints = { local: { ...sa.local }, remote: { ...sa.remote } };
  const port = e.natt === 'disable' ? sa.local.port : e.nattPort;
  sa.local = { address: newLocal, port };
  sa.remote = { address: sa.remote.address, port: e.natt === 'disable' ? sa.remote.port : e.nattPort };
  e.log.info(`${e.spiTag(sa)}: local address changed, requesting address update with UPDATE_SA_ADDRESSES: ${endpointText(before.local)} -> ${endpointText(sa.local)}`);
  const cookie2 = randomBytes(16);
  e.request(sa, {
    exchange: EXCHANGE.INFORMATIONAL,
    // built when it goes out: the addresses may have moved again meanwhile
    build: () => [notify(NOTIFY.UPDATE_SA_ADDRESSES), ...(e.natt === 'disable' ? [] : natDetectionPayloads(sa)), notify(NOTIFY.COOKIE2, cookie2)],
    onResponse: async (_m, inner) => {
      const err = findErrorNotify(inner);
      if (err) {
        e.log.warn(`${e.spiTag(sa)}: peer refused UPDATE_SA_ADDRESSES: ${NotifyType.name(err.notifyType)}`);
        done?.(false);
        return;
      }
      const echo = findNotify(inner, NOTIFY.COOKIE2);
      if (echo && !echo.data.equals(cookie2)) {
        e.log.warn(`${e.spiTag(sa)}: UPDATE_SA_ADDRESSES answer with a wrong COOKIE2 ignored`);
        done?.(false);
        return;
      }
      redetectNat(e, sa, inner);
      e.log.info(`${e.spiTag(sa)}: IKE SA moved to ${ends(sa)}${sa.natDetected ? ' (NAT detected)' : ''}`);
      e.event('mobike', `moved to ${ends(sa)}`, sa);
      await moveChildren(e, sa);
      scheduleKeepalive(e, sa);
      done?.(true);
    },
    onGiveUp: () => done?.(false),
  });
  return true;
}

/**
 * The set of local addresses changed (the daemon watches the interfaces): each
 * IKE SA we initiated with MOBIKE whose address is gone, or whose route now leaves
 * from another address, moves there. Returns the SAs that were asked to move.
 */
export async function localAddressesChanged(e: EngineContext, present: readonly string[]): Promise<IkeSa[]> {
  const moved: IkeSa[] = [];
  for (const sa of e.sas.all()) {
    if (!sa.initiator || sa.state !== 'ESTABLISHED' || !mobikeActive(sa)) continue;
    const gone = !present.includes(sa.local.address);
    const pinned = sa.policy.conf.local?.kind === 'net';
    if (!gone && pinned) continue;
    let src: string;
    try {
      src = await e.transport.sourceFor(sa.remote.address);
    } catch (err) {
      e.log.info(`${e.spiTag(sa)}: no route to ${sa.remote.address} after the address change, waiting: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (src === sa.local.address || !present.includes(src)) continue;
    if (updateSaAddresses(e, sa, src)) moved.push(sa);
  }
  return moved;
}

// ------------------------------------------------------------------ responder

/**
 * UPDATE_SA_ADDRESSES from the original initiator (RFC 4555 3.5): the IKE SA takes
 * the addresses of the request's IP header, NAT detection is redone, the answer
 * carries our NAT detection hashes and echoes COOKIE2, and the Child SAs follow.
 * `before`: the endpoints before this request arrived.
 */
export async function handleUpdateSaAddresses(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[], local: Endpoint, remote: Endpoint, before: SaEndpoints): Promise<void> {
  const cookie2 = findNotify(inner, NOTIFY.COOKIE2);
  const echo = cookie2 ? [notify(NOTIFY.COOKIE2, cookie2.data)] : [];
  if (!mobikeActive(sa) || sa.initiator) {
    e.log.info(`${e.spiTag(sa)}: UPDATE_SA_ADDRESSES from ${endpointText(remote)} ignored: ${sa.initiator ? 'only the original initiator may send it' : 'MOBIKE was not negotiated'}`);
    e.respond(sa, m.header, echo);
    return;
  }
  sa.local = { ...local };
  sa.remote = { ...remote };
  redetectNat(e, sa, inner);
  if (findNotify(inner, NOTIFY.NO_NATS_ALLOWED) && sa.natDetected) {
    e.log.info(`${e.spiTag(sa)}: UPDATE_SA_ADDRESSES with NO_NATS_ALLOWED through a NAT refused`);
    sa.local = before.local;
    sa.remote = before.remote;
    e.respond(sa, m.header, [notify(NOTIFY.UNEXPECTED_NAT_DETECTED)]);
    return;
  }
  e.log.info(`${e.spiTag(sa)}: UPDATE_SA_ADDRESSES: peer moved from ${endpointText(before.remote)} to ${endpointText(sa.remote)} (local ${endpointText(sa.local)})${sa.natDetected ? ', NAT detected' : ''}`);
  e.event('mobike', `peer moved to ${endpointText(sa.remote)}`, sa);
  e.respond(sa, m.header, [...(e.natt === 'disable' ? [] : natDetectionPayloads(sa)), ...echo]);
  await moveChildren(e, sa);
}

// --------------------------------------------------------------- kernel state

/**
 * Move the installed Child SAs of `sa` from where they were installed to the
 * current endpoints: same SPIs and keys, new outer addresses (delete + add: Linux
 * XFRM keys SAs by destination and cannot change it in place), the flows' tunnel
 * endpoints re-added; only the UDP encapsulation ports changed: updated in place.
 * Runs in kernel order with installs and removals of the same IKE SA.
 */
export function moveChildren(e: EngineContext, sa: IkeSa): Promise<void> {
  return inKernelOrder(sa, async () => {
    const encap = e.natt !== 'disable' && sa.natDetected;
    for (const c of [...sa.children]) {
      if ((c.state !== 'INSTALLED' && c.state !== 'REKEYING') || !c.placed) continue;
      const before = c.placed;
      const addrsChanged = before.local.address !== sa.local.address || before.remote.address !== sa.remote.address;
      const portsChanged = !sameEndpoint(before.local, sa.local) || !sameEndpoint(before.remote, sa.remote);
      const encapChanged = c.encap !== encap;
      c.placed = { local: sa.local, remote: sa.remote };
      if (!addrsChanged && !encapChanged && !(portsChanged && c.encap)) continue;
      c.encap = encap;
      try {
        if (addrsChanged) {
          await e.kernel.deleteSa(c.protocol, before.local.address, c.spiIn);
          await e.kernel.deleteSa(c.protocol, before.remote.address, c.spiOut);
          await e.kernel.addSa(saSpec(sa, c, true));
          await e.kernel.addSa(saSpec(sa, c, false));
          for (const f of ownFlowsOf(sa, flowSpecsFor(before.local.address, before.remote.address, c))) await e.kernel.deleteFlow(f);
          for (const f of ownFlowsOf(sa, flowSpecs(sa, c))) await e.kernel.addFlow(f);
        } else {
          await e.kernel.updateSa(saSpec(sa, c, true));
          await e.kernel.updateSa(saSpec(sa, c, false));
        }
        e.log.info(`${e.spiTag(sa)}: Child SA spi in 0x${spiHex(c.spiIn)} out 0x${spiHex(c.spiOut)} moved to ${sa.local.address} === ${sa.remote.address}${c.encap ? ' udpencap' : ''}`);
      } catch (err) {
        e.log.warn(`${e.spiTag(sa)}: moving Child SA 0x${spiHex(c.spiIn)} to ${sa.remote.address}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
}
