/**
 * iked's built-in defaults (parse.y: ikev2_default_*_transforms, deflifetime,
 * parse_config() initial values), expressed with src/wire/iana.ts numbers.
 */
import { DH, ENCR, ESN, INTEG, PRF } from '../wire/iana';
import type { GlobalOptions, RadiusConf, TransformConf } from './types';

/** The transforms of one default proposal, per type, in iked's order. */
export interface DefaultXforms {
  encr: TransformConf[];
  prf: number[];
  integ: number[];
  dh: number[];
  esn: number[];
}

const IKE_DH = [
  DH.CURVE25519,
  DH.ECP_521,
  DH.ECP_384,
  DH.ECP_256,
  DH.MODP_4096,
  DH.MODP_3072,
  DH.MODP_2048,
  DH.MODP_1536,
  DH.MODP_1024,
];
const IKE_PRF = [PRF.HMAC_SHA2_256, PRF.HMAC_SHA2_384, PRF.HMAC_SHA2_512, PRF.HMAC_SHA1];
const INTEGS = [INTEG.HMAC_SHA2_256_128, INTEG.HMAC_SHA2_384_192, INTEG.HMAC_SHA2_512_256, INTEG.HMAC_SHA1_96];

/** ikev2_default_ike_transforms (non-AEAD IKE proposal). */
export const DEFAULT_IKE: DefaultXforms = {
  encr: [{ id: ENCR.AES_CBC, keyBits: 256 }, { id: ENCR.AES_CBC, keyBits: 192 }, { id: ENCR.AES_CBC, keyBits: 128 }, { id: ENCR['3DES'] }],
  prf: IKE_PRF,
  integ: INTEGS,
  dh: IKE_DH,
  esn: [],
};

/** ikev2_default_ike_transforms_noauth (AES-GCM IKE proposal). */
export const DEFAULT_IKE_NOAUTH: DefaultXforms = {
  encr: [{ id: ENCR.AES_GCM_16, keyBits: 128 }, { id: ENCR.AES_GCM_16, keyBits: 256 }],
  prf: IKE_PRF,
  integ: [],
  dh: IKE_DH,
  esn: [],
};

/** ikev2_default_esp_transforms (non-AEAD child proposal). */
export const DEFAULT_ESP: DefaultXforms = {
  encr: [{ id: ENCR.AES_CBC, keyBits: 256 }, { id: ENCR.AES_CBC, keyBits: 192 }, { id: ENCR.AES_CBC, keyBits: 128 }],
  prf: [],
  integ: INTEGS,
  dh: [DH.NONE],
  esn: [ESN.YES, ESN.NO],
};

/** ikev2_default_esp_transforms_noauth (AES-GCM child proposal). */
export const DEFAULT_ESP_NOAUTH: DefaultXforms = {
  encr: [{ id: ENCR.AES_GCM_16, keyBits: 128 }, { id: ENCR.AES_GCM_16, keyBits: 256 }],
  prf: [],
  integ: [],
  dh: [DH.NONE],
  esn: [ESN.YES, ESN.NO],
};

/** IKED_LIFETIME_SECONDS / IKED_LIFETIME_BYTES: child SA lifetime. */
export const DEFAULT_LIFETIME_SECONDS = 10800;
export const DEFAULT_LIFETIME_BYTES = 4294967296;
/** IKE SA lifetime when `ikelifetime` is not given (iked.conf(5): 24 hours). */
export const DEFAULT_IKE_LIFETIME = 86400;
/** IKED_IKE_SA_ALIVE_TIMEOUT: dpd_check_interval default. */
export const DEFAULT_DPD_INTERVAL = 60;

/** RADIUS default ports (RFC 2865, 2866, 5176). */
export const RADIUS_PORT = 1812;
export const RADIUS_ACCT_PORT = 1813;
export const RADIUS_DAE_PORT = 3799;

export function defaultGlobalOptions(): GlobalOptions {
  return {
    mode: 'active',
    decouple: false,
    fragmentation: false,
    mobike: true,
    enforceSingleIkeSa: false,
    stickyAddress: false,
    vendorId: true,
    certPartialChain: false,
    dpdCheckInterval: DEFAULT_DPD_INTERVAL,
  };
}

export function defaultRadius(): RadiusConf {
  return {
    servers: [],
    accountingServers: [],
    daeListen: [],
    daeClients: [],
    maxTries: 3,
    accountingMaxTries: 3,
    maxFailovers: 0,
    accountingMaxFailovers: 0,
    config: [],
  };
}
