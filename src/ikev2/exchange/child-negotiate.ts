/**
 * Negotiating a Child SA inside IKE_AUTH or CREATE_CHILD_SA: the offer of the
 * initiator, the choice and narrowing of the responder (RFC 7296 2.9), and the
 * initiator's check of the answer.
 */
import { PAYLOAD, NOTIFY, PROTOCOL, TRANSFORM } from '../../wire/iana';
import { Payload, SaPayload, TsPayload, TrafficSelector, Proposal } from '../payloads/payload-types';
import { IkeSa } from '../sa/ike-sa';
import { ChildSa } from '../sa/child-sa';
import { childProposalsFromConf, selectProposal, checkAccepted, chosenToProposal, withoutKeyExchanges } from '../policy/proposals';
import { tsNarrow, tsSubset } from '../policy/traffic-selectors';
import { find, findNotify, notify, u32 } from '../payloads/payload-find';
import { deriveKeysForChild, installChild } from './child-install';
import { kernelProposals } from '../policy/kernel-proposals';
import type { EngineContext } from '../engine-context';
import type { SelectorSet } from '../sa/reqid-table';

export interface ChildOffer {
  spiIn: number;
  protocol: 'esp' | 'ah';
  mode: 'tunnel' | 'transport';
  proposals: Proposal[];
  tsi: TrafficSelector[];
  tsr: TrafficSelector[];
  pfsGroup?: number;
  rekeyOf?: ChildSa;
}

export function childProtocol(sa: IkeSa): 'esp' | 'ah' {
  return sa.policy.saProtocol === PROTOCOL.AH ? 'ah' : 'esp';
}

/**
 * The policy's Child SA proposals as the kernel adapter can install them, computed
 * once per (childsa list, protocol, PFS, adapter) and shared (frozen): matching a
 * peer's offer does not rebuild them for every SA.
 */
const proposalCache = new WeakMap<object, Map<string, readonly Proposal[]>>();

function ourChildProposals(e: EngineContext, sa: IkeSa, pfs: boolean): Proposal[] {
  const list = sa.policy.conf.childsa;
  let m = proposalCache.get(list);
  if (!m) proposalCache.set(list, (m = new Map()));
  const k = `${e.kernel.name}|${sa.policy.saProtocol}|${pfs ? 1 : 0}`;
  let ps = m.get(k);
  if (!ps) {
    ps = Object.freeze(kernelProposals(e.kernel, childProposalsFromConf(list, sa.policy.saProtocol, Buffer.alloc(0), pfs)).map((p) => Object.freeze(p)));
    m.set(k, ps);
  }
  return ps as Proposal[];
}

/** Our offer: a fresh inbound SPI from the kernel, the policy's proposals and selectors. */
export async function makeChildOffer(e: EngineContext, sa: IkeSa, pfs: boolean, rekeyOf?: ChildSa): Promise<ChildOffer> {
  const protocol = childProtocol(sa);
  const conf = sa.policy.conf;
  const usable = ourChildProposals(e, sa, pfs);
  if (!usable.length) {
    throw new Error(`policy '${sa.policy.name}': no childsa transform can be installed by the ${e.kernel.name} kernel adapter`);
  }
  const spiIn = await e.kernel.allocSpi(protocol, sa.remote.address, sa.local.address);
  const proposals = usable.map((p) => ({ ...p, spi: u32(spiIn) }));
  const pfsGroup = pfs ? conf.childsa.flatMap((p) => p.dh)[0] : undefined;
  return {
    spiIn,
    protocol,
    mode: conf.encap,
    proposals,
    tsi: rekeyOf ? rekeyOf.tsLocal : sa.policy.localTs,
    tsr: rekeyOf ? rekeyOf.tsRemote : sa.policy.remoteTs,
    pfsGroup,
    rekeyOf,
  };
}

export function offerPayloads(o: ChildOffer): Payload[] {
  const out: Payload[] = [];
  if (o.mode === 'transport') out.push(notify(NOTIFY.USE_TRANSPORT_MODE));
  out.push({ type: PAYLOAD.SA, proposals: o.proposals } as SaPayload);
  return out;
}

export function tsPayloads(tsi: TrafficSelector[], tsr: TrafficSelector[]): Payload[] {
  return [{ type: PAYLOAD.TSi, selectors: tsi } as TsPayload, { type: PAYLOAD.TSr, selectors: tsr } as TsPayload];
}


/**
 * The reqid of a new Child SA: a rekey keeps its predecessor's; a policy whose flows
 * the keeper loaded has its own; otherwise Child SAs with identical (narrowed)
 * selectors share one (reqid-table.ts). Each Child SA holds one reference.
 */
function childReqid(e: EngineContext, sa: IkeSa, sel: SelectorSet, rekeyOf?: ChildSa): number {
  if (rekeyOf) {
    e.reqids.retain(rekeyOf.reqid);
    return rekeyOf.reqid;
  }
  return sa.policy.reqid ?? e.reqids.acquire(sel);
}

/** Install; a Child SA that does not make it into the kernel gives its reqid reference back. */
async function installOrRelease(e: EngineContext, sa: IkeSa, child: ChildSa, withFlows: boolean): Promise<void> {
  try {
    await installChild(e, sa, child, withFlows);
  } catch (err) {
    e.reqids.release(child.reqid);
    throw err;
  }
}

export type ChildAnswer = { ok: true; child: ChildSa; payloads: Payload[] } | { ok: false; notify: number; reason: string };

/**
 * Responder: choose a proposal, narrow the selectors, derive keys and install.
 * `ni`/`nr` are the nonces of this exchange; `gir` the PFS secret if any.
 */
export async function answerChild(
  e: EngineContext,
  sa: IkeSa,
  inner: Payload[],
  ni: Buffer,
  nr: Buffer,
  gir: Buffer | null,
  inIkeAuth: boolean,
  rekeyOf?: ChildSa,
): Promise<ChildAnswer> {
  const ans = await prepareChildAnswer(e, sa, inner, gir !== null, inIkeAuth, rekeyOf);
  if (ans.ok) await installAnswered(e, sa, ans.child, ni, nr, gir, rekeyOf);
  return ans;
}

/**
 * Responder, first half: choose a proposal, narrow the selectors, take an inbound SPI and a
 * reqid; the Child SA is LARVAL, without keys (RFC 9370: they wait for the additional key
 * exchanges). `withKe`: the request carried a KE payload.
 */
export async function prepareChildAnswer(
  e: EngineContext,
  sa: IkeSa,
  inner: Payload[],
  withKe: boolean,
  inIkeAuth: boolean,
  rekeyOf?: ChildSa,
): Promise<ChildAnswer> {
  const saP = find<SaPayload>(inner, PAYLOAD.SA);
  const tsiP = find<TsPayload>(inner, PAYLOAD.TSi);
  const tsrP = find<TsPayload>(inner, PAYLOAD.TSr);
  if (!saP || !tsiP || !tsrP) return { ok: false, notify: NOTIFY.INVALID_SYNTAX, reason: 'Child SA request lacks SA, TSi or TSr' };
  const protocol = childProtocol(sa);
  const conf = sa.policy.conf;
  const offered = inIkeAuth ? withoutKeyExchanges(saP.proposals) : saP.proposals;
  // a policy with PFS groups insists on a key exchange in CREATE_CHILD_SA (never in IKE_AUTH)
  const policyPfs = conf.childsa.some((p) => p.dh.some((g) => g !== 0));
  const ours = ourChildProposals(e, sa, withKe || (!inIkeAuth && policyPfs));
  const chosen = selectProposal(offered, ours);
  if (!chosen || chosen.spi.length !== 4) return { ok: false, notify: NOTIFY.NO_PROPOSAL_CHOSEN, reason: 'no acceptable Child SA proposal' };
  // selectors: the peer's TSi is our remote side
  const tsRemote = rekeyOf ? rekeyOf.tsRemote : tsNarrow(tsiP.selectors, sa.policy.remoteTs);
  const tsLocal = rekeyOf ? rekeyOf.tsLocal : tsNarrow(tsrP.selectors, sa.policy.localTs);
  if (!tsRemote.length || !tsLocal.length) return { ok: false, notify: NOTIFY.TS_UNACCEPTABLE, reason: 'traffic selectors unacceptable' };
  const wantsTransport = !!findNotify(inner, NOTIFY.USE_TRANSPORT_MODE);
  const mode = conf.encap === 'transport' && wantsTransport ? 'transport' : 'tunnel';
  const spiIn = await e.kernel.allocSpi(protocol, sa.remote.address, sa.local.address);
  const child = new ChildSa({
    reqid: childReqid(e, sa, { protocol, mode, tsLocal, tsRemote }, rekeyOf),
    protocol,
    mode,
    spiIn,
    spiOut: chosen.spi.readUInt32BE(0),
    chosen,
    tsLocal,
    tsRemote,
    encap: sa.natDetected,
    state: 'LARVAL',
    established: Date.now(),
    rekeyOf: rekeyOf?.spiIn,
  });
  const payloads: Payload[] = [];
  if (mode === 'transport') payloads.push(notify(NOTIFY.USE_TRANSPORT_MODE));
  payloads.push({ type: PAYLOAD.SA, proposals: [chosenToProposal(chosen, u32(spiIn))] } as SaPayload);
  payloads.push(...tsPayloads(tsRemote, tsLocal));
  return { ok: true, child, payloads };
}

/** Responder, second half: keys from this exchange's nonces and secret(s), then the kernel. */
export async function installAnswered(e: EngineContext, sa: IkeSa, child: ChildSa, ni: Buffer, nr: Buffer, gir: Buffer | null, rekeyOf?: ChildSa, add: Buffer | null = null): Promise<void> {
  deriveKeysForChild(sa, child, ni, nr, gir, false, add);
  await installOrRelease(e, sa, child, !rekeyOf);
  sa.children = sa.children.concat([child]); // exactly sized (push and spread reserve room for 17: ~130 bytes per held SA)
}

/** A prepared Child SA that will not be installed gives its reqid reference back. */
export function abandonPrepared(e: EngineContext, child: ChildSa): void {
  e.reqids.release(child.reqid);
}

/** Initiator: check the responder's choice and install. Returns null (logged) on a bad answer. */
export async function completeChild(
  e: EngineContext,
  sa: IkeSa,
  offer: ChildOffer,
  inner: Payload[],
  ni: Buffer,
  nr: Buffer,
  gir: Buffer | null,
  add: Buffer | null = null,
): Promise<ChildSa | null> {
  const saP = find<SaPayload>(inner, PAYLOAD.SA);
  const tsiP = find<TsPayload>(inner, PAYLOAD.TSi);
  const tsrP = find<TsPayload>(inner, PAYLOAD.TSr);
  if (!saP || !tsiP || !tsrP) {
    e.log.info(`${e.spiTag(sa)}: Child SA answer lacks SA, TSi or TSr`);
    return null;
  }
  const chosen = checkAccepted(saP.proposals, offer.proposals);
  if (!chosen || chosen.spi.length !== 4) {
    e.log.info(`${e.spiTag(sa)}: Child SA answer is not a proposal we offered`);
    return null;
  }
  if ((offer.pfsGroup !== undefined) !== (gir !== null)) {
    e.log.info(`${e.spiTag(sa)}: Child SA answer does not match our PFS offer`);
    return null;
  }
  if (!tsSubset(tsiP.selectors, offer.tsi) || !tsSubset(tsrP.selectors, offer.tsr)) {
    e.log.info(`${e.spiTag(sa)}: responder widened the traffic selectors`);
    return null;
  }
  const transport = !!findNotify(inner, NOTIFY.USE_TRANSPORT_MODE);
  const mode = offer.mode === 'transport' && transport ? 'transport' : 'tunnel';
  const child = new ChildSa({
    reqid: childReqid(e, sa, { protocol: offer.protocol, mode, tsLocal: tsiP.selectors, tsRemote: tsrP.selectors }, offer.rekeyOf),
    protocol: offer.protocol,
    mode,
    spiIn: offer.spiIn,
    spiOut: chosen.spi.readUInt32BE(0),
    chosen,
    tsLocal: tsiP.selectors,
    tsRemote: tsrP.selectors,
    encap: sa.natDetected,
    state: 'LARVAL',
    established: Date.now(),
    rekeyOf: offer.rekeyOf?.spiIn,
  });
  deriveKeysForChild(sa, child, ni, nr, gir, true, add);
  await installOrRelease(e, sa, child, !offer.rekeyOf);
  sa.children = sa.children.concat([child]); // exactly sized (push and spread reserve room for 17: ~130 bytes per held SA)
  return child;
}
