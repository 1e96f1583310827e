/**
 * Checking an OCSP response (RFC 6960 3.2, 4.2.2.2): the responder is the
 * issuing CA, a delegated responder certified by it for id-kp-OCSPSigning,
 * or a locally trusted responder; the signature, the nonce, the freshness
 * (thisUpdate/nextUpdate with `tolerate` seconds of skew, `maxAge`) and the
 * status of our certificate. Only "good" passes, as in iked.
 */
import { X509Certificate } from 'node:crypto';
import { DerReader } from './asn1-reader';
import { crlReasonName, namesEqual, normaliseSerial, serialLabel, verifySignedData } from './x509-crl';
import { formatDnDer } from './x509-dn';
import { EXT_OID } from './x509-extensions';
import { parsedCertificate } from './x509-parse';
import { CertId, OCSP_OID, keyHashSha1 } from './ocsp-request';
import { BasicOcspResponse, OcspResponse, ResponderId, ocspResponseStatusName } from './ocsp-response';

export interface OcspCheckContext {
  cert: X509Certificate;
  issuer: X509Certificate;
  certId: CertId;
  /** The nonce extnValue we sent; the response must echo it. */
  nonceValue: Buffer;
  /** Seconds of clock skew allowed on thisUpdate/nextUpdate. */
  tolerate: number;
  /** Maximum age of thisUpdate in seconds; negative: not checked. */
  maxAge: number;
  /** Responders trusted by configuration (iked's ocsp/responder.crt). */
  trustedResponders?: X509Certificate[];
  now?: Date;
}

export type OcspVerdict = { ok: true } | { ok: false; reason: string; status?: 'revoked' | 'unknown' };

function label(c: X509Certificate): string {
  return formatDnDer(parsedCertificate(c).subject);
}

function extendedKeyUsage(cert: X509Certificate): string[] {
  const ext = parsedCertificate(cert).extensions.get(EXT_OID.EXT_KEY_USAGE);
  if (!ext) return [];
  const r = new DerReader(ext.value, 'extKeyUsage');
  const list = r.sequence('ExtKeyUsageSyntax');
  r.finish('extKeyUsage');
  const out: string[] = [];
  while (!list.done) out.push(list.oid('KeyPurposeId'));
  return out;
}

function matchesResponderId(c: X509Certificate, id: ResponderId): boolean {
  if ('byName' in id) return namesEqual(parsedCertificate(c).subject, id.byName);
  return keyHashSha1(c).equals(id.byKey);
}

function sameCert(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

/** Why `signer` may not sign OCSP responses about certificates of `issuer`, or undefined. */
function signerProblem(signer: X509Certificate, ctx: OcspCheckContext, now: Date): string | undefined {
  if (sameCert(signer, ctx.issuer)) return undefined;
  if (ctx.trustedResponders?.some((t) => sameCert(t, signer))) return undefined;
  const sp = parsedCertificate(signer);
  const ip = parsedCertificate(ctx.issuer);
  if (!namesEqual(sp.issuer, ip.subject)) return `responder ${label(signer)} is not certified by ${label(ctx.issuer)}`;
  let signed = false;
  try {
    signed = signer.verify(ctx.issuer.publicKey);
  } catch {
    signed = false;
  }
  if (!signed) return `responder certificate ${label(signer)} does not verify with the key of ${label(ctx.issuer)}`;
  if (!extendedKeyUsage(signer).includes(OCSP_OID.KP_OCSP_SIGNING)) return `responder certificate ${label(signer)} lacks extendedKeyUsage OCSPSigning`;
  if (now.getTime() < sp.notBefore.getTime() || now.getTime() > sp.notAfter.getTime()) {
    return `responder certificate ${label(signer)} is outside its validity (${sp.notBefore.toISOString()} .. ${sp.notAfter.toISOString()})`;
  }
  return undefined;
}

function checkSignature(basic: BasicOcspResponse, ctx: OcspCheckContext, now: Date): string | undefined {
  const candidates: X509Certificate[] = [ctx.issuer, ...(ctx.trustedResponders ?? []), ...basic.certs];
  const named = candidates.filter((c) => matchesResponderId(c, basic.responderId));
  const rid = 'byName' in basic.responderId ? formatDnDer(basic.responderId.byName) : `key ${basic.responderId.byKey.toString('hex')}`;
  if (named.length === 0) return `OCSP response signed by unknown responder ${rid}`;
  let first: string | undefined;
  for (const signer of named) {
    const problem =
      signerProblem(signer, ctx, now) ??
      verifySignedData(basic.tbs, basic.signatureAlgorithm, basic.signatureValue, signer.publicKey);
    if (!problem) return undefined;
    first ??= `OCSP response of ${label(signer)}: ${problem}`;
  }
  return first;
}

function sameCertId(a: CertId, b: CertId): boolean {
  return a.issuerNameHash.equals(b.issuerNameHash) && a.issuerKeyHash.equals(b.issuerKeyHash) && normaliseSerial(a.serial) === normaliseSerial(b.serial);
}

/** Checks a parsed response against what we asked. */
export function validateOcspResponse(resp: OcspResponse, ctx: OcspCheckContext): OcspVerdict {
  const now = ctx.now ?? new Date();
  const subject = `certificate ${label(ctx.cert)} (serial ${serialLabel(parsedCertificate(ctx.cert).serial)})`;
  if (resp.status !== 0 || !resp.basic) return { ok: false, reason: `OCSP responder answered ${ocspResponseStatusName(resp.status)}` };
  const basic = resp.basic;
  const sig = checkSignature(basic, ctx, now);
  if (sig) return { ok: false, reason: sig };
  if (!basic.nonceValue) return { ok: false, reason: 'OCSP response has no nonce (replay protection)' };
  if (!basic.nonceValue.equals(ctx.nonceValue)) return { ok: false, reason: 'OCSP response nonce does not match the request' };
  const single = basic.responses.find((r) => r.hashAlgorithm === OCSP_OID.SHA1 && sameCertId(r.certId, ctx.certId));
  if (!single) return { ok: false, reason: `OCSP response has no status for ${subject}` };
  const skew = Math.max(0, ctx.tolerate) * 1000;
  if (single.thisUpdate.getTime() > now.getTime() + skew) {
    return { ok: false, reason: `OCSP response for ${subject} is not yet valid (thisUpdate ${single.thisUpdate.toISOString()}, tolerate ${ctx.tolerate}s)` };
  }
  if (single.nextUpdate && single.nextUpdate.getTime() < now.getTime() - skew) {
    return { ok: false, reason: `OCSP response for ${subject} has expired (nextUpdate ${single.nextUpdate.toISOString()}, tolerate ${ctx.tolerate}s)` };
  }
  if (ctx.maxAge >= 0 && single.thisUpdate.getTime() < now.getTime() - ctx.maxAge * 1000) {
    return { ok: false, reason: `OCSP response for ${subject} is too old (thisUpdate ${single.thisUpdate.toISOString()}, maxage ${ctx.maxAge}s)` };
  }
  const st = single.certStatus;
  if (st.status === 'good') return { ok: true };
  if (st.status === 'revoked') {
    const why = st.reason !== undefined ? `, ${crlReasonName(st.reason)}` : '';
    return { ok: false, status: 'revoked', reason: `${subject} revoked according to OCSP (since ${st.time.toISOString()}${why})` };
  }
  return { ok: false, status: 'unknown', reason: `OCSP responder does not know ${subject} (status unknown)` };
}
