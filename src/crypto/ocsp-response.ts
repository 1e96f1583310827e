/**
 * OCSP responses (RFC 6960 4.2): OCSPResponse and BasicOCSPResponse parsed
 * with the bounded DER reader. Only parsing; the checks are in ocsp-validate.
 */
import { X509Certificate } from 'node:crypto';
import { Asn1Error, DerReader, TAG, contextTag, decodeBitStringBytes, decodeTime } from './asn1-reader';
import { loadCertificate } from './x509-parse';
import { CertId, OCSP_OID } from './ocsp-request';

const ENUMERATED = 0x0a;

/** OCSPResponseStatus names (RFC 6960 4.2.1). */
const RESPONSE_STATUS: Record<number, string> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

export function ocspResponseStatusName(n: number): string {
  return RESPONSE_STATUS[n] ?? `status ${n}`;
}

export type CertStatus = { status: 'good' } | { status: 'revoked'; time: Date; reason?: number } | { status: 'unknown' };

export interface SingleResponse {
  certId: CertId;
  /** OID of the CertID hash algorithm. */
  hashAlgorithm: string;
  certStatus: CertStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export type ResponderId = { byName: Buffer } | { byKey: Buffer };

export interface BasicOcspResponse {
  /** DER of tbsResponseData (what the signature covers). */
  tbs: Buffer;
  signatureAlgorithm: Buffer;
  signatureValue: Buffer;
  responderId: ResponderId;
  producedAt: Date;
  responses: SingleResponse[];
  /** The nonce extension's extnValue contents, when present. */
  nonceValue?: Buffer;
  /** Certificates sent with the response (a delegated responder's). */
  certs: X509Certificate[];
}

export type OcspResponse = { status: number; basic?: BasicOcspResponse };

function parseCertId(r: DerReader): { certId: CertId; hashAlgorithm: string } {
  const id = r.sequence('CertID');
  const alg = id.sequence('hashAlgorithm');
  const hashAlgorithm = alg.oid('hashAlgorithm algorithm');
  if (!alg.done) alg.expect(TAG.NULL, 'hashAlgorithm parameters');
  alg.finish('hashAlgorithm');
  const issuerNameHash = Buffer.from(id.expect(TAG.OCTET_STRING, 'issuerNameHash').value);
  const issuerKeyHash = Buffer.from(id.expect(TAG.OCTET_STRING, 'issuerKeyHash').value);
  const serial = Buffer.from(id.expect(TAG.INTEGER, 'serialNumber').value);
  id.finish('CertID');
  return { certId: { issuerNameHash, issuerKeyHash, serial }, hashAlgorithm };
}

function parseCertStatus(r: DerReader): CertStatus {
  const el = r.read('certStatus');
  switch (el.tag) {
    case contextTag(0, false):
      return { status: 'good' };
    case contextTag(2, false):
      return { status: 'unknown' };
    case contextTag(1, true): {
      const info = new DerReader(el.value, 'RevokedInfo');
      const time = decodeTime(info.expect(TAG.GENERALIZED_TIME, 'revocationTime'), 'revocationTime');
      let reason: number | undefined;
      const reasonEl = info.optional(contextTag(0, true), 'revocationReason');
      if (reasonEl) {
        const rr = new DerReader(reasonEl.value, 'revocationReason');
        const e = rr.expect(ENUMERATED, 'CRLReason');
        rr.finish('revocationReason');
        if (e.value.length !== 1) throw new Asn1Error(`OCSP revocationReason of ${e.value.length} bytes`);
        reason = e.value[0];
      }
      info.finish('RevokedInfo');
      return { status: 'revoked', time, reason };
    }
    default:
      throw new Asn1Error(`OCSP certStatus: unexpected tag 0x${el.tag.toString(16)}`);
  }
}

function parseSingleResponse(r: DerReader): SingleResponse {
  const s = r.sequence('SingleResponse');
  const { certId, hashAlgorithm } = parseCertId(s);
  const certStatus = parseCertStatus(s);
  const thisUpdate = decodeTime(s.expect(TAG.GENERALIZED_TIME, 'thisUpdate'), 'OCSP thisUpdate');
  let nextUpdate: Date | undefined;
  const nu = s.optional(contextTag(0, true), 'nextUpdate');
  if (nu) {
    const nr = new DerReader(nu.value, 'nextUpdate');
    nextUpdate = decodeTime(nr.expect(TAG.GENERALIZED_TIME, 'nextUpdate'), 'OCSP nextUpdate');
    nr.finish('nextUpdate');
  }
  s.optional(contextTag(1, true), 'singleExtensions');
  s.finish('SingleResponse');
  return { certId, hashAlgorithm, certStatus, thisUpdate, nextUpdate };
}

function parseResponseData(tbs: Buffer): Omit<BasicOcspResponse, 'tbs' | 'signatureAlgorithm' | 'signatureValue' | 'certs'> {
  const r = new DerReader(tbs, 'ResponseData');
  const d = r.sequence('ResponseData');
  r.finish('ResponseData');
  const version = d.optional(contextTag(0, true), 'version');
  if (version) {
    const v = new DerReader(version.value, 'version').expect(TAG.INTEGER, 'version');
    if (v.value.length !== 1 || v.value[0] !== 0) throw new Asn1Error(`OCSP ResponseData: unsupported version`);
  }
  const rid = d.read('responderID');
  let responderId: ResponderId;
  if (rid.tag === contextTag(1, true)) {
    const n = new DerReader(rid.value, 'responderID byName');
    responderId = { byName: Buffer.from(n.expect(TAG.SEQUENCE, 'Name').raw) };
    n.finish('byName');
  } else if (rid.tag === contextTag(2, true)) {
    const k = new DerReader(rid.value, 'responderID byKey');
    responderId = { byKey: Buffer.from(k.expect(TAG.OCTET_STRING, 'KeyHash').value) };
    k.finish('byKey');
  } else {
    throw new Asn1Error(`OCSP responderID: unexpected tag 0x${rid.tag.toString(16)}`);
  }
  const producedAt = decodeTime(d.expect(TAG.GENERALIZED_TIME, 'producedAt'), 'producedAt');
  const list = d.sequence('responses');
  const responses: SingleResponse[] = [];
  while (!list.done) responses.push(parseSingleResponse(list));
  let nonceValue: Buffer | undefined;
  const extWrap = d.optional(contextTag(1, true), 'responseExtensions');
  d.finish('ResponseData');
  if (extWrap) {
    const w = new DerReader(extWrap.value, 'responseExtensions');
    const exts = w.sequence('Extensions');
    w.finish('responseExtensions');
    while (!exts.done) {
      const ext = exts.sequence('Extension');
      const oid = ext.oid('extnID');
      const crit = ext.optional(TAG.BOOLEAN, `extension ${oid} critical`);
      const value = ext.expect(TAG.OCTET_STRING, `extension ${oid} extnValue`);
      ext.finish(`extension ${oid}`);
      if (oid === OCSP_OID.NONCE) nonceValue = Buffer.from(value.value);
      else if (crit && crit.value[0] !== 0) throw new Asn1Error(`OCSP response: unsupported critical extension ${oid}`);
    }
  }
  return { responderId, producedAt, responses, nonceValue };
}

/** Parses a DER OCSPResponse; `basic` is set for a successful id-pkix-ocsp-basic response. */
export function parseOcspResponse(der: Buffer): OcspResponse {
  const top = new DerReader(der, 'OCSP response');
  const resp = top.sequence('OCSPResponse');
  top.finish('OCSPResponse');
  const st = resp.expect(ENUMERATED, 'responseStatus');
  if (st.value.length !== 1) throw new Asn1Error(`OCSP responseStatus of ${st.value.length} bytes`);
  const status = st.value[0];
  const bytesWrap = resp.optional(contextTag(0, true), 'responseBytes');
  resp.finish('OCSPResponse');
  if (status !== 0) return { status };
  if (!bytesWrap) throw new Asn1Error('OCSP response: successful but without responseBytes');
  const w = new DerReader(bytesWrap.value, 'responseBytes');
  const rb = w.sequence('ResponseBytes');
  w.finish('responseBytes');
  const type = rb.oid('responseType');
  const body = rb.expect(TAG.OCTET_STRING, 'response');
  rb.finish('ResponseBytes');
  if (type !== OCSP_OID.BASIC) throw new Asn1Error(`OCSP response: unsupported response type ${type}`);

  const br = new DerReader(body.value, 'BasicOCSPResponse');
  const basic = br.sequence('BasicOCSPResponse');
  br.finish('BasicOCSPResponse');
  const tbsEl = basic.expect(TAG.SEQUENCE, 'tbsResponseData');
  const sigAlg = basic.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  const sig = decodeBitStringBytes(basic.expect(TAG.BIT_STRING, 'signature').value, 'OCSP signature');
  const certs: X509Certificate[] = [];
  const certsWrap = basic.optional(contextTag(0, true), 'certs');
  basic.finish('BasicOCSPResponse');
  if (certsWrap) {
    const cw = new DerReader(certsWrap.value, 'certs');
    const list = cw.sequence('certs');
    cw.finish('certs');
    while (!list.done) certs.push(loadCertificate(Buffer.from(list.expect(TAG.SEQUENCE, 'Certificate').raw)));
  }
  return {
    status,
    basic: {
      tbs: Buffer.from(tbsEl.raw),
      signatureAlgorithm: Buffer.from(sigAlg.raw),
      signatureValue: Buffer.from(sig),
      certs,
      ...parseResponseData(tbsEl.raw),
    },
  };
}
