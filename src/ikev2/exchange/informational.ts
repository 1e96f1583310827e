/**
 * INFORMATIONAL exchanges (RFC 7296 1.4): delete of IKE and Child SAs in both
 * directions, liveness checks, notifications.
 */
import { EXCHANGE, PAYLOAD, PROTOCOL, NotifyType, isErrorNotify } from '../../wire/iana';
import { IkeMessage, Payload, DeletePayload, NotifyPayload } from '../payloads/payload-types';
import { IkeSa, NO_REQUESTS } from '../sa/ike-sa';
import { ChildSa, spiHex, wipeChildKeys } from '../sa/child-sa';
import { findAll, u32 } from '../payloads/payload-find';
import { uninstallChild } from './child-install';
import type { EngineContext } from '../engine-context';

/** Take Child SAs out of the kernel and out of the IKE SA. */
export async function removeChildren(e: EngineContext, sa: IkeSa, children: ChildSa[], quiet: boolean): Promise<void> {
  for (const c of children) {
    const i = sa.children.indexOf(c);
    if (i >= 0) sa.children.splice(i, 1);
    c.state = 'DELETING';
    // its flows pass to a live rekeyed successor (in this IKE SA or the one that replaced it), else they go
    let removeFlows = c.flowsHeld === true;
    if (removeFlows) {
      const successor = sa.children.find((o) => o.rekeyOf === c.spiIn && o.state !== 'DELETING') ?? sa.replacedBy?.children.find((o) => o.rekeyOf === c.spiIn && o.state !== 'DELETING');
      if (successor) {
        successor.flowsHeld = true;
        removeFlows = false;
      }
      c.flowsHeld = false;
    }
    await uninstallChild(e, sa, c, removeFlows);
    e.reqids.release(c.reqid);
    e.stats.childSasDeleted++;
    if (!quiet) e.log.info(`${e.spiTag(sa)}: deleted Child SA spi in 0x${spiHex(c.spiIn)} out 0x${spiHex(c.spiOut)}`);
    wipeChildKeys(c);
  }
}

export function handleInformationalRequest(e: EngineContext, sa: IkeSa, m: IkeMessage, inner: Payload[]): void {
  const deletes = findAll<DeletePayload>(inner, PAYLOAD.DELETE);
  for (const n of findAll<NotifyPayload>(inner, PAYLOAD.NOTIFY)) {
    const what = NotifyType.name(n.notifyType);
    if (isErrorNotify(n.notifyType)) e.log.info(`${e.spiTag(sa)}: peer reports ${what}`);
    else e.log.debug(`${e.spiTag(sa)}: peer notify ${what}`);
  }
  if (deletes.some((d) => d.protocol === PROTOCOL.IKE)) {
    e.respond(sa, m.header, []);
    e.deleteIkeSa(sa, 'deleted by peer', false);
    return;
  }
  const answer: Payload[] = [];
  const gone: ChildSa[] = [];
  for (const d of deletes) {
    if (d.protocol !== PROTOCOL.ESP && d.protocol !== PROTOCOL.AH) continue;
    const ours: Buffer[] = [];
    for (const spi of d.spis) {
      if (spi.length !== 4) continue;
      const out = spi.readUInt32BE(0);
      const c = sa.children.find((x) => x.spiOut === out);
      if (!c) {
        e.log.debug(`${e.spiTag(sa)}: peer deletes unknown Child SA 0x${spiHex(out)}`);
        continue;
      }
      gone.push(c);
      // a Child SA we are deleting ourselves is not echoed again (RFC 7296 1.4.1)
      if (c.state !== 'DELETING') ours.push(u32(c.spiIn));
    }
    if (ours.length) answer.push({ type: PAYLOAD.DELETE, protocol: d.protocol, spiSize: 4, spis: ours } as DeletePayload);
  }
  e.respond(sa, m.header, answer);
  if (gone.length) void removeChildren(e, sa, gone, false);
}

/** Delete the IKE SA at the peer, then locally (`done`), also when the peer does not answer. */
export function sendDeleteIke(e: EngineContext, sa: IkeSa, done: () => void): void {
  const d: DeletePayload = { type: PAYLOAD.DELETE, protocol: PROTOCOL.IKE, spiSize: 0, spis: [] };
  // drop queued work: nothing else goes out on a dying SA
  sa.queue = NO_REQUESTS;
  if (sa.pending) {
    if (sa.pending.timer) clearTimeout(sa.pending.timer);
    sa.pending = null;
  }
  e.request(sa, {
    exchange: EXCHANGE.INFORMATIONAL,
    build: () => [d],
    onResponse: () => done(),
    onGiveUp: () => done(),
  });
}

/** Delete one Child SA at the peer and here. */
export function deleteChild(e: EngineContext, sa: IkeSa, c: ChildSa, reason: string): void {
  if (c.state === 'DELETING') return;
  c.state = 'DELETING';
  e.log.info(`${e.spiTag(sa)}: deleting Child SA 0x${spiHex(c.spiIn)}: ${reason}`);
  const proto = c.protocol === 'ah' ? PROTOCOL.AH : PROTOCOL.ESP;
  e.request(sa, {
    exchange: EXCHANGE.INFORMATIONAL,
    build: () => [{ type: PAYLOAD.DELETE, protocol: proto, spiSize: 4, spis: [u32(c.spiIn)] } as DeletePayload],
    onResponse: () => removeChildren(e, sa, [c], false),
  });
}

/** An empty INFORMATIONAL request: the peer must answer (dead peer detection). */
export function sendLivenessCheck(e: EngineContext, sa: IkeSa): void {
  // built only when it is written: a daemon holding many SAs sends a check per idle SA and interval
  if (e.log.getVerbose() >= 2) e.log.debug(`${e.spiTag(sa)}: liveness check`);
  e.request(sa, { exchange: EXCHANGE.INFORMATIONAL, build: () => [], onResponse: () => undefined });
}
