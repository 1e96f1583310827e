/**
 * Child SA proposals limited to what the kernel adapter can install: Linux
 * PF_KEY has no AEAD and truncates HMAC-SHA-2 to 96 bits, so offering or
 * accepting such transforms there would negotiate an SA that cannot be loaded.
 */
import { PROTOCOL, TRANSFORM, INTEG, ESN } from '../wire/iana';
import type { Proposal, Transform } from '../ikev2/payloads/payload-types';
import { adapterSupports, type AdapterName } from './algorithms';

/** adapters whose limits are known; 'decoupled' installs nothing and negotiates anything */
const KNOWN: ReadonlySet<string> = new Set<AdapterName>(['xfrm', 'pfkey-linux', 'pfkey-openbsd', 'pfkey-kame']);
/** PF_KEY dialects without extended sequence numbers (the adapter refuses esn SAs) */
const NO_ESN: ReadonlySet<string> = new Set<AdapterName>(['pfkey-linux', 'pfkey-kame']);

/**
 * ESP proposals with only the cipher/integrity transforms `adapterName` supports
 * (an AEAD cipher pairs with no integrity transform; ESN only where the adapter
 * has it); proposals left without a usable cipher are dropped and the rest
 * renumbered. AH proposals, and every proposal for 'decoupled' or an unknown
 * adapter name, pass unchanged.
 */
export function kernelProposals(adapterName: string, proposals: Proposal[]): Proposal[] {
  // decoupled, or an adapter we do not know (a privsep proxy, a test double): it decides at install time
  if (!KNOWN.has(adapterName)) return proposals;
  const out: Proposal[] = [];
  for (const p of proposals) {
    if (p.protocol !== PROTOCOL.ESP) {
      out.push({ ...p, num: out.length + 1 });
      continue;
    }
    const encrs = p.transforms.filter((t) => t.type === TRANSFORM.ENCR);
    const integs = p.transforms.filter((t) => t.type === TRANSFORM.INTEG && t.id !== INTEG.NONE);
    const pairs = (e: Transform, i: Transform | null): boolean => adapterSupports(adapterName, e.id, i ? i.id : INTEG.NONE);
    const keptEncr = encrs.filter((e) => pairs(e, null) || integs.some((i) => pairs(e, i)));
    if (!keptEncr.length) continue;
    const keptInteg = integs.filter((i) => keptEncr.some((e) => pairs(e, i)));
    const hadEsn = p.transforms.some((t) => t.type === TRANSFORM.ESN);
    const transforms = p.transforms.filter((t) => {
      if (t.type === TRANSFORM.ENCR) return keptEncr.includes(t);
      if (t.type === TRANSFORM.INTEG) return t.id === INTEG.NONE ? true : keptInteg.includes(t);
      if (t.type === TRANSFORM.ESN) return t.id !== ESN.YES || !NO_ESN.has(adapterName);
      return true;
    });
    if (hadEsn && !transforms.some((t) => t.type === TRANSFORM.ESN)) continue; // esn required, not installable
    out.push({ ...p, num: out.length + 1, transforms });
  }
  return out;
}
