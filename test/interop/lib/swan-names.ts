/**
 * strongSwan algorithm names (as printed by swanctl / vici) <-> the IANA
 * names of src/wire/iana.ts that our daemon reports.
 *   strongSwan            ours
 *   AES_GCM_16            AES_GCM_16        (encr, same)
 *   HMAC_SHA2_256_128     HMAC_SHA2_256_128 (integ, same)
 *   PRF_HMAC_SHA2_256     HMAC_SHA2_256     (prf: "PRF_" prefix)
 *   ECP_256, MODP_2048    same
 *   CURVE_25519           CURVE25519
 */
import { DH, DhGroup, ENCR, EncrId, INTEG, IntegId, PRF, PrfId } from '../../../src/wire/iana';

export type AlgKind = 'encr' | 'integ' | 'prf' | 'dh';

const SPECIAL: Record<AlgKind, Record<string, string>> = {
  encr: { NULL_AES_GMAC: 'NULL_AUTH_AES_GMAC', DES_CBC: 'DES', '3DES_CBC': '3DES' },
  integ: {},
  prf: {},
  dh: {
    CURVE_25519: 'CURVE25519',
    CURVE_448: 'CURVE448',
    ECP_224_BP: 'BRAINPOOL_P224',
    ECP_256_BP: 'BRAINPOOL_P256',
    ECP_384_BP: 'BRAINPOOL_P384',
    ECP_512_BP: 'BRAINPOOL_P512',
  },
};

const TABLES: Record<AlgKind, Record<string, number>> = { encr: ENCR, integ: INTEG, prf: PRF, dh: DH };

/** Map a strongSwan algorithm name to our IANA name (unknown names are returned unchanged). */
export function swanToIana(kind: AlgKind, swan: string): string {
  let n = swan.toUpperCase();
  if (kind === 'prf') n = n.replace(/^PRF_/, '');
  return SPECIAL[kind][n] ?? n;
}

/** True when swanToIana(kind, swan) is a name in our IANA tables. */
export function isKnownIanaName(kind: AlgKind, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TABLES[kind], name);
}

/** Our IANA name for a transform number (for messages). */
export function ianaName(kind: AlgKind, id: number): string {
  switch (kind) {
    case 'encr':
      return EncrId.name(id);
    case 'integ':
      return IntegId.name(id);
    case 'prf':
      return PrfId.name(id);
    case 'dh':
      return DhGroup.name(id);
  }
}
