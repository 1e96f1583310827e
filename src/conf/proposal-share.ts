/**
 * Proposals built once per parse for each distinct list of written transforms and
 * shared, frozen, by every policy that writes the same list (as the defaults are):
 * a large config repeats a handful of `ikesa`/`childsa` lists thousands of times.
 */
import { buildChildProposals, buildIkeProposals, BuildResult, deepFreeze, XformSet } from './proposal-build';
import type { XfEntry } from './transforms';
import type { ChildProposalConf, IkeProposalConf } from './types';

function names(list: XfEntry[]): string {
  let s = '';
  for (let i = 0; i < list.length; i++) s += list[i].name + ',';
  return s;
}

/** The transforms of the sets, by type and name, in the order written. */
function setsKey(sets: XformSet[]): string {
  let k = '';
  for (const s of sets) {
    k += `e${names(s.enc)}a${names(s.auth)}p${names(s.prf)}g${names(s.group)}n${names(s.esn)}`;
    for (let i = 0; i < s.addke.length; i++) k += `k${names(s.addke[i])}`;
    k += ';';
  }
  return k;
}

function shared<T>(cache: Map<string, BuildResult<T>>, sets: XformSet[], build: (sets: XformSet[]) => BuildResult<T>): BuildResult<T> {
  if (!sets.length) return build(sets);
  const key = setsKey(sets);
  let r = cache.get(key);
  if (!r) {
    r = build(sets);
    if (r.ok) deepFreeze(r.proposals);
    cache.set(key, r);
  }
  return r;
}

export class SharedProposals {
  private readonly ike = new Map<string, BuildResult<IkeProposalConf>>();
  private readonly child = new Map<string, BuildResult<ChildProposalConf>>();

  ikeFor(sets: XformSet[]): BuildResult<IkeProposalConf> {
    return shared(this.ike, sets, buildIkeProposals);
  }

  childFor(sets: XformSet[]): BuildResult<ChildProposalConf> {
    return shared(this.child, sets, buildChildProposals);
  }
}
