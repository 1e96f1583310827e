/**
 * Decoded forms of IKEv2 messages and payloads (RFC 7296 section 3, RFC 7383).
 * The codec (header.ts, payloads.ts, message.ts) turns these to and from bytes.
 * Numbers are those of iana.ts.
 */

export type { IkeHeader } from '../../wire/ike-header';
import type { IkeHeader } from '../../wire/ike-header';

export interface Attribute {
  type: number; // without the AF bit
  /** TV form (AF=1) when value is a number, TLV (AF=0) when a Buffer. */
  value: number | Buffer;
}

export interface Transform {
  type: number; // TRANSFORM.*
  id: number;
  keyLength?: number; // bits, from attribute KEY_LENGTH
  /** Attributes other than KEY_LENGTH, kept for round trips. */
  extraAttributes?: Attribute[];
}

export interface Proposal {
  num: number; // proposal number, from 1
  protocol: number; // PROTOCOL.*
  spi: Buffer; // 0 bytes (IKE_SA_INIT), 8 (IKE rekey) or 4 (ESP/AH)
  transforms: Transform[];
}

export interface SaPayload {
  type: 33;
  critical?: boolean;
  proposals: Proposal[];
}

export interface KePayload {
  type: 34;
  critical?: boolean;
  group: number;
  data: Buffer;
}

export interface IdPayload {
  type: 35 | 36; // IDi | IDr
  critical?: boolean;
  idType: number; // ID.*
  data: Buffer; // raw identification data
}

export interface CertPayload {
  type: 37;
  critical?: boolean;
  encoding: number; // CERT.*
  data: Buffer;
}

export interface CertReqPayload {
  type: 38;
  critical?: boolean;
  encoding: number;
  data: Buffer; // concatenated SHA-1 hashes of CA public keys for X509_SIG
}

export interface AuthPayload {
  type: 39;
  critical?: boolean;
  method: number; // AUTH.*
  data: Buffer;
}

export interface NoncePayload {
  type: 40;
  critical?: boolean;
  data: Buffer; // 16..256 bytes
}

export interface NotifyPayload {
  type: 41;
  critical?: boolean;
  protocol: number; // 0, or PROTOCOL.*
  spi: Buffer; // 0, 4 or 8 bytes
  notifyType: number; // NOTIFY.*
  data: Buffer;
}

export interface DeletePayload {
  type: 42;
  critical?: boolean;
  protocol: number; // PROTOCOL.*
  spiSize: number; // 0 for IKE, 4 for ESP/AH
  spis: Buffer[];
}

export interface VendorPayload {
  type: 43;
  critical?: boolean;
  data: Buffer;
}

export interface TrafficSelector {
  tsType: number; // TS.IPV4_ADDR_RANGE | TS.IPV6_ADDR_RANGE
  ipProtocol: number; // 0 = any
  startPort: number;
  endPort: number;
  startAddr: Buffer; // 4 or 16 bytes
  endAddr: Buffer;
}

export interface TsPayload {
  type: 44 | 45; // TSi | TSr
  critical?: boolean;
  selectors: TrafficSelector[];
}

/** The Encrypted and Authenticated payload, still sealed. */
export interface SkPayload {
  type: 46;
  critical?: boolean;
  /** Type of the first payload inside (the generic header's Next Payload). */
  innerFirst: number;
  /** IV | ciphertext | ICV, as on the wire. */
  data: Buffer;
}

/** RFC 7383 Encrypted Fragment payload, still sealed. */
export interface SkfPayload {
  type: 53;
  critical?: boolean;
  innerFirst: number; // non-zero only in fragment 1
  fragmentNumber: number;
  totalFragments: number;
  data: Buffer;
}

export interface CfgAttribute {
  type: number; // CFG_ATTR.*
  value: Buffer; // may be empty (a request)
}

export interface CpPayload {
  type: 47;
  critical?: boolean;
  cfgType: number; // CFG.*
  attributes: CfgAttribute[];
}

export interface EapPayload {
  type: 48;
  critical?: boolean;
  /** The whole EAP message (code, identifier, length, type, data). */
  message: Buffer;
}

/** A payload we do not know, kept raw. */
export interface UnknownPayload {
  type: number;
  critical?: boolean;
  unknown: true;
  body: Buffer;
}

export type Payload =
  | SaPayload
  | KePayload
  | IdPayload
  | CertPayload
  | CertReqPayload
  | AuthPayload
  | NoncePayload
  | NotifyPayload
  | DeletePayload
  | VendorPayload
  | TsPayload
  | SkPayload
  | SkfPayload
  | CpPayload
  | EapPayload
  | UnknownPayload;

export interface IkeMessage {
  header: IkeHeader;
  payloads: Payload[];
}
