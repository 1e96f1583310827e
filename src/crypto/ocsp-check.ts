/**
 * One OCSP status check, as iked does it for the peer's certificate: the
 * responder URL of the certificate's authorityInfoAccess, else the one of
 * `set ocsp URL`; request with a nonce, POST, parse, validate. Any failure
 * (responder down, bad answer, revoked, unknown) is a failed verification.
 */
import { X509Certificate } from 'node:crypto';
import { buildOcspRequest, ocspUrlsOf } from './ocsp-request';
import { parseOcspResponse } from './ocsp-response';
import { OcspVerdict, validateOcspResponse } from './ocsp-validate';
import { DEFAULT_OCSP_TIMEOUT_MS, postOcspRequest } from './ocsp-http';

export interface OcspSettings {
  /** Fallback responder URL (`set ocsp URL`). */
  url?: string;
  tolerate: number;
  /** Seconds; negative: not checked. */
  maxAge: number;
}

export interface OcspCheckOptions {
  trustedResponders?: X509Certificate[];
  timeoutMs?: number;
  now?: () => Date;
}

/** The responder to ask about `cert`: its AIA OCSP URL, else the configured one. */
export function ocspResponderUrl(cert: X509Certificate, configured?: string): string | undefined {
  let aia: string[] = [];
  try {
    aia = ocspUrlsOf(cert);
  } catch {
    aia = [];
  }
  return aia.find((u) => u.startsWith('http://')) ?? configured;
}

/** Asks the responder about `cert` (issued by `issuer`) and checks the answer. */
export async function checkOcsp(cert: X509Certificate, issuer: X509Certificate, settings: OcspSettings, opts: OcspCheckOptions = {}): Promise<OcspVerdict & { url?: string }> {
  const url = ocspResponderUrl(cert, settings.url);
  if (!url) return { ok: false, reason: 'OCSP: no responder URL (certificate has no authorityInfoAccess OCSP URL and none is configured)' };
  const req = buildOcspRequest(cert, issuer);
  let der: Buffer;
  try {
    der = await postOcspRequest(url, req.der, opts.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS);
  } catch (e) {
    return { ok: false, url, reason: `cannot check revocation: ${(e as Error).message}` };
  }
  let parsed;
  try {
    parsed = parseOcspResponse(der);
  } catch (e) {
    return { ok: false, url, reason: `OCSP responder ${url}: malformed response (${(e as Error).message})` };
  }
  const v = validateOcspResponse(parsed, {
    cert,
    issuer,
    certId: req.certId,
    nonceValue: req.nonceValue,
    tolerate: settings.tolerate,
    maxAge: settings.maxAge,
    trustedResponders: opts.trustedResponders,
    now: opts.now?.(),
  });
  return v.ok ? { ok: true, url } : { ...v, url, reason: `${v.reason} (responder ${url})` };
}
