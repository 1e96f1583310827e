/**
 * The X.509v3 extensions the IKE code needs (RFC 5280 4.2): basicConstraints,
 * keyUsage, subjectAltName, subjectKeyIdentifier, decoded with the bounded reader.
 */
import { DerReader, TAG, contextTag, decodeBitStringFlags, decodeBoolean, decodeSmallInteger } from './asn1-reader';

export const EXT_OID = {
  SUBJECT_KEY_ID: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  SUBJECT_ALT_NAME: '2.5.29.17',
  ISSUER_ALT_NAME: '2.5.29.18',
  BASIC_CONSTRAINTS: '2.5.29.19',
  CERTIFICATE_POLICIES: '2.5.29.32',
  AUTHORITY_KEY_ID: '2.5.29.35',
  EXT_KEY_USAGE: '2.5.29.37',
  CRL_DISTRIBUTION_POINTS: '2.5.29.31',
  AUTHORITY_INFO_ACCESS: '1.3.6.1.5.5.7.1.1',
} as const;

/** Extensions whose semantics this code either enforces or may safely ignore when critical. */
export const UNDERSTOOD_EXTENSIONS: ReadonlySet<string> = new Set<string>(Object.values(EXT_OID));

export interface Extension {
  critical: boolean;
  /** Contents of the extnValue OCTET STRING. */
  value: Buffer;
}

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export function parseBasicConstraints(value: Buffer): BasicConstraints {
  const r = new DerReader(value, 'basicConstraints').sequence('BasicConstraints');
  const caEl = r.optional(TAG.BOOLEAN, 'cA');
  const lenEl = r.optional(TAG.INTEGER, 'pathLenConstraint');
  r.finish('BasicConstraints');
  const out: BasicConstraints = { ca: caEl ? decodeBoolean(caEl.value, 'basicConstraints cA') : false };
  if (lenEl) out.pathLen = decodeSmallInteger(lenEl.value, 'basicConstraints pathLenConstraint');
  return out;
}

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KEY_USAGE = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export function parseKeyUsage(value: Buffer): Set<number> {
  const r = new DerReader(value, 'keyUsage');
  const bits = r.expect(TAG.BIT_STRING, 'KeyUsage');
  r.finish('keyUsage');
  return decodeBitStringFlags(bits.value, 'keyUsage');
}

export interface AltNames {
  dns: string[];
  email: string[];
  /** 4- or 16-byte addresses. */
  ip: Buffer[];
  /** DER of directoryName Names. */
  dirName: Buffer[];
}

export function parseAltNames(value: Buffer): AltNames {
  const out: AltNames = { dns: [], email: [], ip: [], dirName: [] };
  const r = new DerReader(value, 'subjectAltName').sequence('GeneralNames');
  while (!r.done) {
    const el = r.read('GeneralName');
    switch (el.tag) {
      case contextTag(1, false):
        out.email.push(el.value.toString('latin1'));
        break;
      case contextTag(2, false):
        out.dns.push(el.value.toString('latin1'));
        break;
      case contextTag(7, false):
        out.ip.push(Buffer.from(el.value));
        break;
      case contextTag(4, true): {
        // directoryName is an explicit tag around a Name.
        const inner = new DerReader(el.value, 'directoryName');
        out.dirName.push(Buffer.from(inner.expect(TAG.SEQUENCE, 'Name').raw));
        inner.finish('directoryName');
        break;
      }
      default:
        break; // otherName, URI, registeredID, ...: not used for IKE identities
    }
  }
  return out;
}

export function parseSubjectKeyId(value: Buffer): Buffer {
  const r = new DerReader(value, 'subjectKeyIdentifier');
  const el = r.expect(TAG.OCTET_STRING, 'KeyIdentifier');
  r.finish('subjectKeyIdentifier');
  return Buffer.from(el.value);
}
