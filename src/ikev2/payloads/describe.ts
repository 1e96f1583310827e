/** One-line, strongSwan-style summaries of messages for logs. */
import { ExchangeType, FLAG, NOTIFY, NotifyType, PAYLOAD, PayloadType } from '../../wire/iana';
import type { IkeMessage, Payload } from './payload-types';

const SHORT_PAYLOAD = new Map<number, string>([
  [PAYLOAD.SA, 'SA'],
  [PAYLOAD.KE, 'KE'],
  [PAYLOAD.IDi, 'IDi'],
  [PAYLOAD.IDr, 'IDr'],
  [PAYLOAD.CERT, 'CERT'],
  [PAYLOAD.CERTREQ, 'CERTREQ'],
  [PAYLOAD.AUTH, 'AUTH'],
  [PAYLOAD.NONCE, 'No'],
  [PAYLOAD.NOTIFY, 'N'],
  [PAYLOAD.DELETE, 'D'],
  [PAYLOAD.VENDOR, 'V'],
  [PAYLOAD.TSi, 'TSi'],
  [PAYLOAD.TSr, 'TSr'],
  [PAYLOAD.SK, 'SK'],
  [PAYLOAD.SKF, 'SKF'],
  [PAYLOAD.CP, 'CP'],
  [PAYLOAD.EAP, 'EAP'],
]);

/** Short notify names as strongSwan logs them; others use iana.ts names. */
const SHORT_NOTIFY = new Map<number, string>([
  [NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD, 'CRIT'],
  [NOTIFY.INVALID_IKE_SPI, 'INVAL_IKE_SPI'],
  [NOTIFY.INVALID_MAJOR_VERSION, 'INVAL_MAJOR'],
  [NOTIFY.INVALID_SYNTAX, 'INVAL_SYN'],
  [NOTIFY.INVALID_MESSAGE_ID, 'INVAL_MID'],
  [NOTIFY.INVALID_SPI, 'INVAL_SPI'],
  [NOTIFY.NO_PROPOSAL_CHOSEN, 'NO_PROP'],
  [NOTIFY.INVALID_KE_PAYLOAD, 'INVAL_KE'],
  [NOTIFY.AUTHENTICATION_FAILED, 'AUTH_FAILED'],
  [NOTIFY.SINGLE_PAIR_REQUIRED, 'SINGLE_PAIR'],
  [NOTIFY.NO_ADDITIONAL_SAS, 'NO_ADD_SAS'],
  [NOTIFY.INTERNAL_ADDRESS_FAILURE, 'INT_ADDR_FAIL'],
  [NOTIFY.FAILED_CP_REQUIRED, 'FAIL_CP_REQ'],
  [NOTIFY.TS_UNACCEPTABLE, 'TS_UNACCEPT'],
  [NOTIFY.INVALID_SELECTORS, 'INVAL_SEL'],
  [NOTIFY.TEMPORARY_FAILURE, 'TEMP_FAIL'],
  [NOTIFY.CHILD_SA_NOT_FOUND, 'NO_CHILD_SA'],
  [NOTIFY.INITIAL_CONTACT, 'INIT_CONTACT'],
  [NOTIFY.SET_WINDOW_SIZE, 'SET_WINSIZE'],
  [NOTIFY.ADDITIONAL_TS_POSSIBLE, 'ADD_TS_POSS'],
  [NOTIFY.IPCOMP_SUPPORTED, 'IPCOMP_SUP'],
  [NOTIFY.NAT_DETECTION_SOURCE_IP, 'NATD_S_IP'],
  [NOTIFY.NAT_DETECTION_DESTINATION_IP, 'NATD_D_IP'],
  [NOTIFY.COOKIE, 'COOKIE'],
  [NOTIFY.USE_TRANSPORT_MODE, 'USE_TRANSP'],
  [NOTIFY.REKEY_SA, 'REKEY_SA'],
  [NOTIFY.ESP_TFC_PADDING_NOT_SUPPORTED, 'ESP_TFC_PAD_N'],
  [NOTIFY.NON_FIRST_FRAGMENTS_ALSO, 'NON_FIRST_FRAG'],
  [NOTIFY.MOBIKE_SUPPORTED, 'MOBIKE_SUP'],
  [NOTIFY.ADDITIONAL_IP4_ADDRESS, 'ADD_4_ADDR'],
  [NOTIFY.ADDITIONAL_IP6_ADDRESS, 'ADD_6_ADDR'],
  [NOTIFY.NO_ADDITIONAL_ADDRESSES, 'NO_ADD_ADDR'],
  [NOTIFY.UPDATE_SA_ADDRESSES, 'UPD_SA_ADDR'],
  [NOTIFY.COOKIE2, 'COOKIE2'],
  [NOTIFY.NO_NATS_ALLOWED, 'NO_NATS'],
  [NOTIFY.AUTH_LIFETIME, 'AUTH_LFT'],
  [NOTIFY.MULTIPLE_AUTH_SUPPORTED, 'MULT_AUTH'],
  [NOTIFY.ANOTHER_AUTH_FOLLOWS, 'AUTH_FOLLOWS'],
  [NOTIFY.REDIRECT_SUPPORTED, 'REDIR_SUP'],
  [NOTIFY.REDIRECT, 'REDIR'],
  [NOTIFY.REDIRECTED_FROM, 'REDIR_FROM'],
  [NOTIFY.EAP_ONLY_AUTHENTICATION, 'EAP_ONLY'],
  [NOTIFY.CHILDLESS_IKEV2_SUPPORTED, 'CHDLESS_SUP'],
  [NOTIFY.IKEV2_FRAGMENTATION_SUPPORTED, 'FRAG_SUP'],
  [NOTIFY.SIGNATURE_HASH_ALGORITHMS, 'HASH_ALG'],
  [NOTIFY.INTERMEDIATE_EXCHANGE_SUPPORTED, 'IKE_INT_SUP'],
]);

/** Short name of one payload, e.g. "SA", "No", "N(NATD_S_IP)", "SKF(1/3)". */
export function describePayload(p: Payload): string {
  if ('unknown' in p) return PayloadType.name(p.type);
  if (p.type === PAYLOAD.NOTIFY && 'notifyType' in p) {
    return `N(${SHORT_NOTIFY.get(p.notifyType) ?? NotifyType.name(p.notifyType)})`;
  }
  if (p.type === PAYLOAD.SKF && 'fragmentNumber' in p) return `SKF(${p.fragmentNumber}/${p.totalFragments})`;
  return SHORT_PAYLOAD.get(p.type) ?? PayloadType.name(p.type);
}

/** Space-separated short names, e.g. "SA KE No N(NATD_S_IP)". */
export function describePayloads(p: Payload[]): string {
  return p.map(describePayload).join(' ');
}

/** E.g. "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]". */
export function describeMessage(m: IkeMessage): string {
  const h = m.header;
  const dir = h.flags & FLAG.RESPONSE ? 'response' : 'request';
  const body = describePayloads(m.payloads);
  return `${ExchangeType.name(h.exchange)} ${dir} ${h.messageId} [ ${body ? body + ' ' : ''}]`;
}
