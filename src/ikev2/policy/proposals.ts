/**
 * SA proposals: built from configuration, selected as responder (RFC 7296 2.7, 3.3.6),
 * and checked as initiator.
 */
import { PROTOCOL, TRANSFORM, ENCR, ESN, DH, addKeTransformType } from '../../wire/iana';
import { Proposal, Transform } from '../payloads/payload-types';
import type { IkeProposalConf, ChildProposalConf, AddKeConf } from '../../conf/types';

export interface ChosenTransform {
  id: number;
  keyBits?: number;
}

/** One transform of each type, as agreed. */
export interface Chosen {
  protocol: number;
  proposalNum: number;
  spi: Buffer; // the peer's SPI from its proposal (ESP: 4 bytes; IKE rekey: 8)
  encr: ChosenTransform;
  prf?: number;
  integ?: number; // undefined for AEAD
  dh?: number; // undefined or DH.NONE means none
  esn?: number;
  /**
   * RFC 9370: per additional key exchange type n (index n - 1), the chosen method, DH.NONE
   * when `none` was chosen, undefined when neither side has that type. Absent: none at all.
   */
  addke?: (number | undefined)[];
}

/** Number of RFC 9370 additional key exchange transform types (ADDKE1..ADDKE7). */
export const ADDKE_TYPES = 7;

/** The additional key exchanges to run, in order (ADDKE1 first), `none` left out. */
export function addKeMethods(c: Chosen): number[] {
  const out: number[] = [];
  for (const m of c.addke ?? []) if (m !== undefined && m !== DH.NONE) out.push(m);
  return out;
}

/** Transforms for `ke1`..`ke7` of a configured proposal. */
function addKeTransforms(addke: AddKeConf | undefined): Transform[] {
  const t: Transform[] = [];
  (addke ?? []).forEach((ids, i) => {
    for (const id of ids) t.push({ type: addKeTransformType(i + 1), id });
  });
  return t;
}

function isAddKeType(type: number): boolean {
  return type >= TRANSFORM.ADDKE1 && type <= TRANSFORM.ADDKE7;
}

function hasAddKe(p: Proposal): boolean {
  for (const t of p.transforms) if (isAddKeType(t.type)) return true;
  return false;
}

/** Some proposal has an additional key exchange other than NONE. */
export function offersAddKe(ps: Proposal[]): boolean {
  return ps.some((p) => p.transforms.some((t) => isAddKeType(t.type) && t.id !== DH.NONE));
}

const AEAD = new Set<number>([
  ENCR.AES_GCM_8,
  ENCR.AES_GCM_12,
  ENCR.AES_GCM_16,
  ENCR.AES_CCM_8,
  ENCR.AES_CCM_12,
  ENCR.AES_CCM_16,
  ENCR.CHACHA20_POLY1305,
]);

export function isAead(encrId: number): boolean {
  return AEAD.has(encrId);
}

function encrTransforms(list: { id: number; keyBits?: number }[]): Transform[] {
  return list.map((e) => ({ type: TRANSFORM.ENCR, id: e.id, keyLength: e.keyBits }));
}

/** AEAD and non-AEAD ciphers go in separate proposals (RFC 5282 8). */
function splitAead<T extends { encr: { id: number; keyBits?: number }[] }>(list: T[]): { p: T; aead: boolean }[] {
  const out: { p: T; aead: boolean }[] = [];
  for (const p of list) {
    const a = p.encr.filter((e) => isAead(e.id));
    const n = p.encr.filter((e) => !isAead(e.id));
    if (n.length || p.encr.length === 0) out.push({ p: { ...p, encr: n }, aead: false });
    if (a.length) out.push({ p: { ...p, encr: a }, aead: true });
  }
  return out;
}

export function ikeProposalsFromConf(list: IkeProposalConf[]): Proposal[] {
  return splitAead(list).map(({ p, aead }, i) => {
    const t: Transform[] = encrTransforms(p.encr);
    for (const id of p.prf) t.push({ type: TRANSFORM.PRF, id });
    if (!aead) for (const id of p.integ) t.push({ type: TRANSFORM.INTEG, id });
    for (const id of p.dh) t.push({ type: TRANSFORM.DH, id });
    t.push(...addKeTransforms(p.addke));
    return { num: i + 1, protocol: PROTOCOL.IKE, spi: Buffer.alloc(0), transforms: t };
  });
}

export function childProposalsFromConf(list: ChildProposalConf[], protocol: number, spi: Buffer, pfs: boolean): Proposal[] {
  const split = protocol === PROTOCOL.ESP ? splitAead(list) : list.map((p) => ({ p, aead: false }));
  return split.map(({ p, aead }, i) => {
    const t: Transform[] = protocol === PROTOCOL.ESP ? encrTransforms(p.encr) : [];
    if (!aead) for (const id of p.integ) t.push({ type: TRANSFORM.INTEG, id });
    if (pfs) for (const id of p.dh) t.push({ type: TRANSFORM.DH, id });
    if (pfs) t.push(...addKeTransforms(p.addke));
    const esn = p.esn.length ? p.esn : [ESN.NO];
    for (const id of esn) t.push({ type: TRANSFORM.ESN, id });
    return { num: i + 1, protocol, spi, transforms: t };
  });
}

function sameTransform(a: Transform, b: Transform): boolean {
  return a.type === b.type && a.id === b.id && (a.keyLength ?? 0) === (b.keyLength ?? 0);
}

/**
 * Pick, for one offered proposal against one of ours, the first offered transform of each
 * type that ours also has. Returns null when a needed type has no match.
 */
function matchOne(offered: Proposal, ours: Proposal): Chosen | null {
  if (offered.protocol !== ours.protocol) return null;
  // allocation-free (hot path of every IKE_SA_INIT and Child SA): no filtered copies per type
  const pick = (type: number): Transform | null | undefined => {
    let seen = false;
    for (const t of offered.transforms) {
      if (t.type !== type) continue;
      seen = true;
      for (const m of ours.transforms) if (sameTransform(t, m)) return t;
    }
    if (!seen) for (const m of ours.transforms) if (m.type === type) return null;
    return seen ? null : undefined; // undefined: type absent on both sides
  };
  const encr = pick(TRANSFORM.ENCR);
  if (encr === null) return null;
  if (encr === undefined && offered.protocol !== PROTOCOL.AH) return null;
  const aead = encr ? isAead(encr.id) : false;
  const prf = pick(TRANSFORM.PRF);
  if (prf === null) return null;
  if (offered.protocol === PROTOCOL.IKE && !prf) return null;
  let integ = pick(TRANSFORM.INTEG);
  if (aead) integ = undefined; // an AEAD cipher takes no integrity transform
  else if (!integ) return null; // null (no match) or undefined (none offered)
  let dh = pick(TRANSFORM.DH);
  if (dh === null) {
    // We want no PFS but the peer offers groups: acceptable only if it also offers NONE.
    const off = offered.transforms.filter((t) => t.type === TRANSFORM.DH);
    const mine = ours.transforms.filter((t) => t.type === TRANSFORM.DH);
    if (mine.length === 0 && off.some((t) => t.id === DH.NONE)) dh = undefined;
    else return null;
  }
  if (offered.protocol === PROTOCOL.IKE && !dh) return null;
  const esn = pick(TRANSFORM.ESN);
  if (esn === null) return null;
  const addke = matchAddKe(offered, ours);
  if (addke === null) return null;
  return {
    protocol: offered.protocol,
    proposalNum: offered.num,
    spi: offered.spi,
    encr: encr ? { id: encr.id, keyBits: encr.keyLength } : { id: ENCR.NULL },
    prf: prf ? prf.id : undefined,
    integ: integ ? integ.id : undefined,
    dh: dh && dh.id !== DH.NONE ? dh.id : undefined,
    esn: esn ? esn.id : offered.protocol === PROTOCOL.IKE ? undefined : ESN.NO,
    ...(addke ? { addke } : {}),
  };
}

/**
 * RFC 9370 2.2.1: each additional key exchange type is negotiated like the DH type; a
 * side without the type is as if it offered only NONE. The first offered method we have
 * wins; null when some type cannot be agreed; undefined when neither side has any.
 */
function matchAddKe(offered: Proposal, ours: Proposal): (number | undefined)[] | null | undefined {
  // the common case (no RFC 9370 on either side) stays allocation-free: this runs for every proposal pair
  if (!hasAddKe(offered) && !hasAddKe(ours)) return undefined;
  let out: (number | undefined)[] | undefined;
  for (let n = 1; n <= ADDKE_TYPES; n++) {
    const type = addKeTransformType(n);
    const off = offered.transforms.filter((t) => t.type === type);
    const mine = ours.transforms.filter((t) => t.type === type);
    if (!off.length && !mine.length) continue;
    const offIds = off.length ? off.map((t) => t.id) : [DH.NONE];
    const mineIds = mine.length ? mine.map((t) => t.id) : [DH.NONE];
    const pick = offIds.find((id) => mineIds.includes(id));
    if (pick === undefined) return null;
    out ??= new Array<number | undefined>(ADDKE_TYPES).fill(undefined);
    out[n - 1] = pick;
  }
  return out;
}

/** Responder: choose from the offered proposals, in the peer's order of preference. */
export function selectProposal(offered: Proposal[], ours: Proposal[]): Chosen | null {
  for (const o of offered) {
    for (const m of ours) {
      const c = matchOne(o, m);
      if (c) return c;
    }
  }
  return null;
}

/** Initiator: the single accepted proposal must be one of ours, one transform per type. */
export function checkAccepted(accepted: Proposal[], ours: Proposal[]): Chosen | null {
  if (accepted.length !== 1) return null;
  const a = accepted[0];
  const types = new Set<number>();
  for (const t of a.transforms) {
    if (types.has(t.type)) return null;
    types.add(t.type);
  }
  const mine = ours.find((p) => p.num === a.num) ?? null;
  const candidates = mine ? [mine, ...ours.filter((p) => p !== mine)] : ours;
  for (const m of candidates) {
    const c = matchOne(a, m);
    if (c) return c;
  }
  return null;
}

/** The proposal a responder sends back. */
export function chosenToProposal(c: Chosen, spi: Buffer): Proposal {
  const t: Transform[] = [];
  if (c.protocol !== PROTOCOL.AH) t.push({ type: TRANSFORM.ENCR, id: c.encr.id, keyLength: c.encr.keyBits });
  if (c.prf !== undefined) t.push({ type: TRANSFORM.PRF, id: c.prf });
  if (c.integ !== undefined) t.push({ type: TRANSFORM.INTEG, id: c.integ });
  if (c.dh !== undefined) t.push({ type: TRANSFORM.DH, id: c.dh });
  else if (c.protocol !== PROTOCOL.IKE) {
    // no PFS: say nothing (strongSwan and iked omit the DH transform)
  }
  if (c.esn !== undefined) t.push({ type: TRANSFORM.ESN, id: c.esn });
  c.addke?.forEach((id, i) => {
    if (id !== undefined) t.push({ type: addKeTransformType(i + 1), id });
  });
  return { num: c.proposalNum, protocol: c.protocol, spi, transforms: t };
}

/** Proposals without key exchange transforms (DH and ADDKE): IKE_AUTH carries no KE (RFC 7296 1.2, RFC 9370 2.2.3). */
export function withoutKeyExchanges(ps: Proposal[]): Proposal[] {
  return ps.map((p) => ({ num: p.num, protocol: p.protocol, spi: p.spi, transforms: p.transforms.filter((t) => t.type !== TRANSFORM.DH && !isAddKeType(t.type)) }));
}

/** DH groups we would accept, in our order of preference. */
export function proposalGroups(ours: Proposal[]): number[] {
  const out: number[] = [];
  for (const p of ours) for (const t of p.transforms) if (t.type === TRANSFORM.DH && t.id !== 0 && !out.includes(t.id)) out.push(t.id);
  return out;
}
