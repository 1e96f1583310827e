/**
 * From the `ikesa ...` / `childsa ...` transform lists of a policy to IKE and
 * child SA proposals, as iked's create_ike() does: missing transform types
 * are filled from iked's defaults, AEAD ciphers get their own proposal
 * without integrity, and the defaults apply when nothing is written.
 * The RFC 9370 additional key exchanges (`ke1` .. `ke7`) have no defaults:
 * they are offered only as written.
 */
import { DH, TRANSFORM } from '../wire/iana';
import { DEFAULT_ESP, DEFAULT_ESP_NOAUTH, DEFAULT_IKE, DEFAULT_IKE_NOAUTH, DefaultXforms } from './defaults';
import type { XfEntry } from './transforms';
import type { AddKeConf, ChildProposalConf, IkeProposalConf, TransformConf } from './types';

/** RFC 9370: additional key exchanges 1 to 7 (transform types 6 to 12). */
export const ADDKE_MAX = 7;

/** The transforms written after one `ikesa` or `childsa` keyword. */
export interface XformSet {
  enc: XfEntry[];
  auth: XfEntry[];
  prf: XfEntry[];
  group: XfEntry[];
  esn: XfEntry[];
  /** `addke[n - 1]`: the values written after `ken`. */
  addke: XfEntry[][];
}

/** `addke` of a set with no `ken` written: shared and frozen (addKeList gives a set its own lists). */
const NO_ADDKE: XfEntry[][] = Object.freeze(Array.from({ length: ADDKE_MAX }, () => Object.freeze([]) as unknown as XfEntry[])) as XfEntry[][];

export function emptyXformSet(): XformSet {
  return { enc: [], auth: [], prf: [], group: [], esn: [], addke: NO_ADDKE };
}

/** The list of `ken` (n = 1..7) of a set, to add to. */
export function addKeList(s: XformSet, n: number): XfEntry[] {
  if (s.addke === NO_ADDKE) s.addke = Array.from({ length: ADDKE_MAX }, () => []);
  return s.addke[n - 1];
}

/** Nothing written: what the defaults are built from (only read). */
const NOTHING_WRITTEN: XformSet = emptyXformSet();

/** `ke1` .. `ke7` as written, up to the last one used ([] for those skipped); undefined when none was. */
function addKeOf(s: XformSet): AddKeConf | undefined {
  let used = 0;
  for (let i = 0; i < s.addke.length; i++) if (s.addke[i].length) used = i + 1;
  return used ? s.addke.slice(0, used).map((list) => list.map((x) => x.id)) : undefined;
}

export type BuildResult<T> = { ok: true; proposals: T[] } | { ok: false; message: string };

function encr(list: XfEntry[], dflt: TransformConf[]): TransformConf[] {
  if (!list.length) return dflt.map((t) => ({ ...t }));
  return list.map((x) => (x.keyLength ? { id: x.id, keyBits: x.keyLength * 8 } : { id: x.id }));
}

function ids(list: XfEntry[], dflt: number[]): number[] {
  return list.length ? list.map((x) => x.id) : [...dflt];
}

/** Count AEAD ("noauth") and other ciphers; integrity given counts as "auth". */
function classify(s: XformSet): { noauth: number; auth: number; error?: string } {
  let noauth = 0;
  let auth = 0;
  for (const e of s.enc) {
    if (e.noauth) noauth++;
    else auth++;
  }
  if (s.auth.length) auth++;
  if (noauth && noauth !== s.enc.length) {
    return { noauth, auth, error: 'cannot mix encryption transforms with implicit and non-implicit authentication' };
  }
  if (noauth && s.auth.length) return { noauth, auth, error: 'authentication is implicit for given encryption transforms' };
  return { noauth, auth };
}

function ikeFrom(s: XformSet, d: DefaultXforms, withInteg: boolean): IkeProposalConf {
  const p: IkeProposalConf = {
    encr: encr(s.enc, d.encr),
    prf: ids(s.prf, d.prf),
    integ: withInteg ? ids(s.auth, d.integ) : [],
    dh: ids(s.group, d.dh),
  };
  const addke = addKeOf(s);
  if (addke) p.addke = addke;
  return p;
}

function childFrom(s: XformSet, d: DefaultXforms, withInteg: boolean): ChildProposalConf {
  const p: ChildProposalConf = {
    encr: encr(s.enc, d.encr),
    integ: withInteg ? ids(s.auth, d.integ) : [],
    dh: ids(s.group, d.dh),
    esn: ids(s.esn, d.esn),
  };
  const addke = addKeOf(s);
  if (addke) p.addke = addke;
  return p;
}

export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/*
 * The default proposals are built once and shared, frozen, by every policy that writes
 * none: a config of 10,000 policies otherwise holds 10,000 copies of the same 40 arrays
 * and objects (a fifth of `iked -n`'s CPU went to making and collecting them).
 */
const DEFAULT_IKE_PROPOSALS: IkeProposalConf[] = deepFreeze([ikeFrom(NOTHING_WRITTEN, DEFAULT_IKE_NOAUTH, false), ikeFrom(NOTHING_WRITTEN, DEFAULT_IKE, true)]);
const DEFAULT_CHILD_PROPOSALS: ChildProposalConf[] = deepFreeze([childFrom(NOTHING_WRITTEN, DEFAULT_ESP_NOAUTH, false), childFrom(NOTHING_WRITTEN, DEFAULT_ESP, true)]);

/** iked's default IKE SA proposals (shared and frozen: never modify). */
export function defaultIkeProposals(): IkeProposalConf[] {
  return DEFAULT_IKE_PROPOSALS;
}

/** iked's default child SA proposals (shared and frozen: never modify). */
export function defaultChildProposals(): ChildProposalConf[] {
  return DEFAULT_CHILD_PROPOSALS;
}

export function buildIkeProposals(sets: XformSet[]): BuildResult<IkeProposalConf> {
  if (!sets.length) return { ok: true, proposals: defaultIkeProposals() };
  const out: IkeProposalConf[] = [];
  for (const s of sets) {
    if (s.group.some((g) => g.id === DH.NONE)) return { ok: false, message: 'IKE group can not be "none".' };
    if (s.esn.length) return { ok: false, message: 'cannot use ESN with ikesa.' };
    const c = classify(s);
    if (c.error) return { ok: false, message: c.error };
    if (!c.auth) out.push(ikeFrom(s, DEFAULT_IKE_NOAUTH, false));
    if (!c.noauth) out.push(ikeFrom(s, DEFAULT_IKE, true));
  }
  return { ok: true, proposals: out };
}

export function buildChildProposals(sets: XformSet[]): BuildResult<ChildProposalConf> {
  if (!sets.length) return { ok: true, proposals: defaultChildProposals() };
  const out: ChildProposalConf[] = [];
  for (const s of sets) {
    // A prf written after childsa is ignored, as in iked.
    const c = classify(s);
    if (c.error) return { ok: false, message: c.error };
    if (!c.auth) out.push(childFrom(s, DEFAULT_ESP_NOAUTH, false));
    if (!c.noauth) out.push(childFrom(s, DEFAULT_ESP, true));
  }
  return { ok: true, proposals: out };
}

/** Transform types in print order (ikev2_xformtype_map). */
export const PRINT_ORDER = [TRANSFORM.ENCR, TRANSFORM.PRF, TRANSFORM.INTEG, TRANSFORM.DH, TRANSFORM.ESN] as const;
