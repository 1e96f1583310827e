/**
 * psk-ecp256-samets: psk-ecp256 with every client asking for the same Child SA
 * selectors (the responder shares one policy and one reqid among all of them).
 */
export type CaseName = 'psk-ecp256' | 'rsa-ecp256' | 'psk-modp2048' | 'psk-ecp256-samets' | 'psk-x25519-mlkem768';
export const ALL_CASES: CaseName[] = ['psk-ecp256', 'rsa-ecp256', 'psk-modp2048', 'psk-ecp256-samets', 'psk-x25519-mlkem768'];

export interface BenchCase {
  name: CaseName;
  auth: 'psk' | 'rsa';
  /** iked group keywords and strongSwan proposal keywords. */
  ikedGroup: string;
  swanGroup: string;
  /** post-quantum (RFC 9370 with ML-KEM): the charon side is strongSwan 6 (test/interop/lib/strongswan6.ts) */
  pq: boolean;
  /** every client's Child SA asks for the same selectors (SAME_CLIENT_SELECTOR) */
  sameSelectors: boolean;
}

export function benchCase(name: CaseName): BenchCase {
  const auth = name.startsWith('rsa') ? 'rsa' : 'psk';
  if (name === 'psk-x25519-mlkem768') {
    // x25519 in IKE_SA_INIT, ML-KEM-768 as additional key exchange 1 in IKE_INTERMEDIATE
    return { name, auth, ikedGroup: 'curve25519 ke1 mlkem768', swanGroup: 'x25519-ke1_mlkem768', pq: true, sameSelectors: false };
  }
  const g = name.includes('modp2048') ? 'modp2048' : 'ecp256';
  return { name, auth, ikedGroup: g, swanGroup: g, pq: false, sameSelectors: name.endsWith('-samets') };
}

export const BENCH_PSK = 'bench-psk-5e1f0c2a9d';
/** Client n protects the single address 10.64.0.0 + n (distinct Child SA selectors per client). */
export const LAN_CLIENT = '10.64.0.0/10';
export const LAN_SERVER = '10.2.0.0/24';
/** The responder's identity: an FQDN (PSK) or the server certificate's SAN. */
export const SERVER_ID = 'srv.load.test';
export const CLIENT_CERT_ID = 'client.load.test';

function ikesa(c: BenchCase): string {
  return `ikesa enc aes-128 auth hmac-sha2-256 prf hmac-sha2-256 group ${c.ikedGroup} childsa enc aes-128-gcm`;
}

/** Our responder: any peer, any client identity (PSK) or any certificate from the CA (rsa). */
export function ikedResponderConf(c: BenchCase, serverAddr: string): string {
  const auth = c.auth === 'psk' ? `psk "${BENCH_PSK}"` : 'signature';
  // IKED_BENCH_DPD=S: the responder's dpd_check_interval (default 60 s: past a minute every idle held SA gets a check)
  const dpd = process.env.IKED_BENCH_DPD;
  return [
    'set decouple',
    ...(dpd !== undefined ? [`set dpd_check_interval ${Number(dpd)}`] : []),
    `ikev2 "bench" passive esp from ${LAN_SERVER} to ${LAN_CLIENT} local ${serverAddr} \\`,
    `  ${ikesa(c)} \\`,
    `  srcid ${SERVER_ID} ${auth}`,
    '',
  ].join('\n');
}

/** One client policy (per source address); the load initiator swaps in per-SA identities. */
export function ikedClientConf(c: BenchCase, clientAddr: string, serverAddr: string): string {
  const auth = c.auth === 'psk' ? `psk "${BENCH_PSK}"` : 'signature';
  const srcid = c.auth === 'psk' ? 'c0.load.test' : CLIENT_CERT_ID;
  return [
    'set decouple',
    `ikev2 "load" active esp from ${LAN_CLIENT} to ${LAN_SERVER} local ${clientAddr} peer ${serverAddr} \\`,
    `  ${ikesa(c)} \\`,
    `  srcid ${srcid} dstid ${SERVER_ID} ${auth}`,
    '',
  ].join('\n');
}

/** charon's swanctl.conf for the same case (dos_protection is in strongswan.conf). */
export function swanctlResponderConf(c: BenchCase, serverAddr: string): string {
  const local = c.auth === 'psk' ? ['      auth = psk', `      id = ${SERVER_ID}`] : ['      auth = pubkey', '      certs = server.crt', `      id = ${SERVER_ID}`];
  const remote = c.auth === 'psk' ? ['      auth = psk', '      id = %any'] : ['      auth = pubkey', '      id = %any', '      cacerts = ca.crt'];
  return [
    'connections {',
    '  bench {',
    '    version = 2',
    `    local_addrs = ${serverAddr}`,
    '    remote_addrs = %any',
    '    encap = yes',
    '    send_cert = always',
    '    unique = never',
    `    proposals = aes128-sha256-${c.swanGroup}`,
    '    local {',
    ...local,
    '    }',
    '    remote {',
    ...remote,
    '    }',
    '    children {',
    '      bench {',
    `        local_ts = ${LAN_SERVER}`,
    `        remote_ts = ${LAN_CLIENT}`,
    '        esp_proposals = aes128gcm16',
    '      }',
    '    }',
    '  }',
    '}',
    'secrets {',
    '  ike-bench {',
    `    secret = "${BENCH_PSK}"`,
    '  }',
    '}',
    '',
  ].join('\n');
}
