/**
 * Proposals built once per parse for each distinct list of written transforms and
 * shared, frozen, by every policy that writes the same list (as the defaults are):
 * a large config repeats a handful of `ikesa`/`childsa` lists thousands of times.
 * Lists are compared entry by entry (the entries are the keyword tables' own objects);
 * the first few distinct lists are kept, later ones are built for their policy alone.
 */
import { buildChildProposals, buildIkeProposals, BuildResult, deepFreeze, XformSet } from './proposal-build';
import type { XfEntry } from './transforms';
import type { ChildProposalConf, IkeProposalConf } from './types';

/** Distinct lists kept per kind: enough for hand-written configs, a bound for generated ones. */
const KEPT = 16;

function sameEntries(a: XfEntry[], b: XfEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSet(a: XformSet, b: XformSet): boolean {
  if (!sameEntries(a.enc, b.enc) || !sameEntries(a.auth, b.auth) || !sameEntries(a.prf, b.prf)) return false;
  if (!sameEntries(a.group, b.group) || !sameEntries(a.esn, b.esn)) return false;
  for (let i = 0; i < a.addke.length; i++) if (!sameEntries(a.addke[i], b.addke[i])) return false;
  return true;
}

function sameSets(a: XformSet[], b: XformSet[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameSet(a[i], b[i])) return false;
  return true;
}

class Kept<T> {
  private readonly sets: XformSet[][] = [];
  private readonly results: BuildResult<T>[] = [];

  constructor(private readonly build: (sets: XformSet[]) => BuildResult<T>) {}

  for(sets: XformSet[]): BuildResult<T> {
    if (!sets.length) return this.build(sets);
    for (let i = 0; i < this.sets.length; i++) if (sameSets(this.sets[i], sets)) return this.results[i];
    const r = this.build(sets);
    if (r.ok && this.sets.length < KEPT) {
      deepFreeze(r.proposals);
      this.sets.push(sets);
      this.results.push(r);
    }
    return r;
  }
}

export class SharedProposals {
  private readonly ike = new Kept<IkeProposalConf>(buildIkeProposals);
  private readonly child = new Kept<ChildProposalConf>(buildChildProposals);

  ikeFor(sets: XformSet[]): BuildResult<IkeProposalConf> {
    return this.ike.for(sets);
  }

  childFor(sets: XformSet[]): BuildResult<ChildProposalConf> {
    return this.child.for(sets);
  }
}
