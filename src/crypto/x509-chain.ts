/**
 * Certification path building and validation (a practical subset of RFC 5280 6):
 * issuer/subject name chaining, signatures, validity dates, basicConstraints
 * cA and pathLenConstraint, keyUsage keyCertSign, unknown critical extensions.
 */
import { X509Certificate } from 'node:crypto';
import { parsedCertificate, certificatePublicKey } from './x509-parse';
import { KEY_USAGE, UNDERSTOOD_EXTENSIONS } from './x509-extensions';
import { decodeDn, dnEquals, formatDnDer } from './x509-dn';

export type ChainResult = { ok: true; chain: X509Certificate[] } | { ok: false; reason: string };

const MAX_DEPTH = 10;

function namesEqual(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    return dnEquals(decodeDn(a), decodeDn(b));
  } catch {
    return false;
  }
}

function label(cert: X509Certificate): string {
  return formatDnDer(parsedCertificate(cert).subject);
}

function checkDates(cert: X509Certificate, now: Date, role: string): string | undefined {
  const p = parsedCertificate(cert);
  if (now.getTime() > p.notAfter.getTime()) {
    return `${role}certificate expired: ${label(cert)} (notAfter ${p.notAfter.toISOString()})`;
  }
  if (now.getTime() < p.notBefore.getTime()) {
    return `${role}certificate not yet valid: ${label(cert)} (notBefore ${p.notBefore.toISOString()})`;
  }
  return undefined;
}

function checkCritical(cert: X509Certificate): string | undefined {
  for (const [oid, ext] of parsedCertificate(cert).extensions) {
    if (ext.critical && !UNDERSTOOD_EXTENSIONS.has(oid)) {
      return `unsupported critical extension ${oid} in ${label(cert)}`;
    }
  }
  return undefined;
}

/** Signatures already checked: whether `cert` verifies with the key of an issuer (a fact that never changes). */
const signatureChecked = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  let m = signatureChecked.get(cert);
  if (!m) signatureChecked.set(cert, (m = new WeakMap()));
  let ok = m.get(issuer);
  if (ok === undefined) {
    try {
      ok = cert.verify(certificatePublicKey(issuer));
    } catch {
      ok = false;
    }
    m.set(issuer, ok);
  }
  return ok;
}

/** Why `issuer` cannot have issued `cert` as a CA, or undefined if it can. */
function issuerProblem(cert: X509Certificate, issuer: X509Certificate): string | undefined {
  const ip = parsedCertificate(issuer);
  const sigOk = signedBy(cert, issuer);
  if (!sigOk) return `signature of ${label(cert)} does not verify with the key of ${label(issuer)}`;
  if (!ip.basicConstraints?.ca) return `issuer ${label(issuer)} is not a CA (basicConstraints cA missing)`;
  if (ip.keyUsage && !ip.keyUsage.has(KEY_USAGE.keyCertSign)) {
    return `issuer ${label(issuer)} keyUsage does not allow keyCertSign`;
  }
  return undefined;
}

/**
 * Builds a path from leaf to one of the anchors through the intermediates
 * and validates it. The returned chain starts with the leaf and ends with
 * the anchor. A leaf that is itself an anchor validates alone.
 */
export function verifyChain(
  leaf: X509Certificate,
  intermediates: X509Certificate[],
  anchors: X509Certificate[],
  now: Date = new Date(),
): ChainResult {
  let problem = checkDates(leaf, now, '') ?? checkCritical(leaf);
  if (problem) return { ok: false, reason: problem };
  if (anchors.some((a) => a.raw.equals(leaf.raw))) return { ok: true, chain: [leaf] };

  const chain: X509Certificate[] = [leaf];
  let cur = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const issuerName = parsedCertificate(cur).issuer;
    const inChain = (c: X509Certificate): boolean => chain.some((x) => x.raw.equals(c.raw));
    const named = (list: X509Certificate[]): X509Certificate[] =>
      list.filter((c) => !inChain(c) && namesEqual(parsedCertificate(c).subject, issuerName));

    let firstProblem: string | undefined;
    let next: X509Certificate | undefined;
    let isAnchor = false;
    for (const [list, anchor] of [
      [named(anchors), true],
      [named(intermediates), false],
    ] as const) {
      for (const cand of list) {
        const p = issuerProblem(cur, cand) ?? checkDates(cand, now, 'CA ') ?? checkCritical(cand);
        if (p) {
          firstProblem ??= p;
          continue;
        }
        next = cand;
        isAnchor = anchor;
        break;
      }
      if (next) break;
    }
    if (!next) {
      return {
        ok: false,
        reason: firstProblem ?? `no trusted issuer for ${label(cur)} (issuer ${formatDnDer(issuerName)})`,
      };
    }
    chain.push(next);
    if (isAnchor) {
      problem = checkPathLengths(chain);
      return problem ? { ok: false, reason: problem } : { ok: true, chain };
    }
    cur = next;
  }
  return { ok: false, reason: `certificate chain for ${label(leaf)} is longer than ${MAX_DEPTH}` };
}

/** pathLenConstraint: a CA at index k may be followed by at most pathLen non-self-issued CAs below it. */
function checkPathLengths(chain: X509Certificate[]): string | undefined {
  for (let k = 1; k < chain.length; k++) {
    const pathLen = parsedCertificate(chain[k]).basicConstraints?.pathLen;
    if (pathLen === undefined) continue;
    let below = 0;
    for (let j = 1; j < k; j++) {
      const p = parsedCertificate(chain[j]);
      if (!namesEqual(p.subject, p.issuer)) below++;
    }
    if (below > pathLen) return `path length constraint (${pathLen}) of ${label(chain[k])} exceeded`;
  }
  return undefined;
}
