/**
 * Child SA proposals limited to what the kernel adapter can install, as its
 * supports() says: Linux PF_KEY has no AEAD and truncates HMAC-SHA-2 to 96 bits,
 * so offering or accepting such transforms there would negotiate an SA that
 * cannot be loaded.
 */
import { PROTOCOL, TRANSFORM, INTEG, ESN } from '../../wire/iana';
import type { Proposal, Transform } from '../payloads/payload-types';
import type { KernelAdapter } from '../../platform/types';

/**
 * ESP proposals with only the cipher/integrity transforms the adapter supports
 * (an AEAD cipher pairs with no integrity transform; ESN only where the adapter
 * has it); proposals left without a usable cipher are dropped and the rest
 * renumbered. AH proposals pass unchanged.
 */
export function kernelProposals(kernel: Pick<KernelAdapter, 'supports'>, proposals: Proposal[]): Proposal[] {
  const out: Proposal[] = [];
  for (const p of proposals) {
    if (p.protocol !== PROTOCOL.ESP) {
      out.push({ ...p, num: out.length + 1 });
      continue;
    }
    const encrs = p.transforms.filter((t) => t.type === TRANSFORM.ENCR);
    const integs = p.transforms.filter((t) => t.type === TRANSFORM.INTEG && t.id !== INTEG.NONE);
    const pairs = (e: Transform, i: Transform | null): boolean => kernel.supports(e.id, i ? i.id : INTEG.NONE, false);
    const keptEncr = encrs.filter((e) => pairs(e, null) || integs.some((i) => pairs(e, i)));
    if (!keptEncr.length) continue;
    const keptInteg = integs.filter((i) => keptEncr.some((e) => pairs(e, i)));
    const hadEsn = p.transforms.some((t) => t.type === TRANSFORM.ESN);
    const esnOk = keptEncr.some((e) => kernel.supports(e.id, INTEG.NONE, true) || keptInteg.some((i) => kernel.supports(e.id, i.id, true)));
    const transforms = p.transforms.filter((t) => {
      if (t.type === TRANSFORM.ENCR) return keptEncr.includes(t);
      if (t.type === TRANSFORM.INTEG) return t.id === INTEG.NONE ? true : keptInteg.includes(t);
      if (t.type === TRANSFORM.ESN) return t.id !== ESN.YES || esnOk;
      return true;
    });
    if (hadEsn && !transforms.some((t) => t.type === TRANSFORM.ESN)) continue; // esn required, not installable
    out.push({ ...p, num: out.length + 1, transforms });
  }
  return out;
}
