/**
 * One interop scenario: our iked in namespace a, a strongSwan charon in namespace b
 * (or another iked), waiting until both report an established IKE SA with a Child SA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeTwoHosts, makeNatTopology, TwoHosts } from './netns';
import { Charon } from './charon';
import { IkedProcess, OurSa } from './iked-process';
import { SwanSa } from './swanctl-parse';

export const REPO = resolve(__dirname, '..', '..', '..', '..');
export const PSK = 'interop-psk-0123456789';

export interface Proposal {
  label: string;
  swan: string; // strongSwan proposal string
  iked: string; // iked.conf ikesa/childsa transform words
}

export const IKE_PROPOSALS: Proposal[] = [
  { label: 'aes128gcm16-prfsha256-ecp256', swan: 'aes128gcm16-prfsha256-ecp256', iked: 'enc aes-128-gcm prf hmac-sha2-256 group ecp256' },
  { label: 'aes256-sha256-modp2048', swan: 'aes256-sha256-modp2048', iked: 'enc aes-256 auth hmac-sha2-256 prf hmac-sha2-256 group modp2048' },
  { label: 'chacha20poly1305-prfsha256-curve25519', swan: 'chacha20poly1305-prfsha256-curve25519', iked: 'enc chacha20-poly1305 prf hmac-sha2-256 group curve25519' },
];

export const ESP_PROPOSALS: Proposal[] = [
  { label: 'aes128gcm16', swan: 'aes128gcm16', iked: 'enc aes-128-gcm' },
  { label: 'aes256-sha256', swan: 'aes256-sha256', iked: 'enc aes-256 auth hmac-sha2-256' },
  { label: 'chacha20poly1305', swan: 'chacha20poly1305', iked: 'enc chacha20-poly1305' },
];

export type Auth = { kind: 'psk' } | { kind: 'cert'; keyType: 'ecdsa' | 'rsa' };

export interface IkedConfOptions {
  name?: string;
  active: boolean;
  local: string;
  peer: string;
  localLan: string;
  remoteLan: string;
  ike: string;
  esp: string;
  srcid: string;
  dstid: string;
  auth: Auth;
  extra?: string; // e.g. "ikelifetime 20 lifetime 10"
  globals?: string[];
}

export function ikedConf(o: IkedConfOptions): string {
  const auth = o.auth.kind === 'psk' ? `psk "${PSK}"` : '';
  return [
    'set decouple',
    ...(o.globals ?? []),
    `ikev2 "${o.name ?? 't'}" ${o.active ? 'active' : 'passive'} esp from ${o.localLan} to ${o.remoteLan} local ${o.local} peer ${o.peer} \\`,
    `  ikesa ${o.ike} childsa ${o.esp} \\`,
    `  srcid ${o.srcid} dstid ${o.dstid} ${o.extra ?? ''} ${auth}`,
    '',
  ].join('\n');
}

export interface SwanConnOptions {
  local: string;
  remote: string;
  localLan: string;
  remoteLan: string;
  ike: string;
  esp: string;
  localId: string;
  remoteId: string;
  auth: Auth;
  extraConn?: string[];
  extraChild?: string[];
}

export function swanConf(o: SwanConnOptions): string {
  const psk = o.auth.kind === 'psk';
  const lines = [
    'connections {',
    '  t {',
    '    version = 2',
    `    local_addrs = ${o.local}`,
    `    remote_addrs = ${o.remote}`,
    '    encap = yes',
    `    proposals = ${o.ike}`,
    ...(o.extraConn ?? []).map((l) => `    ${l}`),
    '    local {',
    `      auth = ${psk ? 'psk' : 'pubkey'}`,
    `      id = ${o.localId}`,
    ...(psk ? [] : ['      certs = local.crt']),
    '    }',
    '    remote {',
    `      auth = ${psk ? 'psk' : 'pubkey'}`,
    `      id = ${o.remoteId}`,
    ...(psk ? [] : ['      cacerts = ca.crt']),
    '    }',
    '    children {',
    '      net {',
    `        local_ts = ${o.localLan}`,
    `        remote_ts = ${o.remoteLan}`,
    `        esp_proposals = ${o.esp}`,
    '        start_action = none',
    ...(o.extraChild ?? []).map((l) => `        ${l}`),
    '      }',
    '    }',
    '  }',
    '}',
  ];
  if (psk) {
    lines.push('secrets {', '  ike-t {', `    id-l = ${o.localId}`, `    id-r = ${o.remoteId}`, `    secret = "${PSK}"`, '  }', '}');
  }
  return lines.join('\n') + '\n';
}

/** A CA and leaf certificates for a.test and b.test, made with the openssl CLI. */
export interface Pki {
  dir: string;
  ca: string; // PEM
  cert(name: string): string;
  key(name: string): string;
}

export function makePki(keyType: 'ecdsa' | 'rsa', names: string[]): Pki {
  const dir = mkdtempSync(join(tmpdir(), `iked-pki-${keyType}-`));
  const keyArgs = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  run(['req', '-x509', ...keyArgs, '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', `/C=ZZ/O=iked-interop/CN=${keyType} CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  for (const n of names) {
    run(['req', '-new', ...keyArgs, '-nodes', '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/C=ZZ/O=iked-interop/CN=${n}`]);
    writeFileSync(join(dir, `${n}.ext`), `subjectAltName=DNS:${n}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    run(['x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.crt`, '-days', '30', '-extfile', `${n}.ext`]);
  }
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: (n) => readFileSync(join(dir, `${n}.crt`), 'utf8'),
    key: (n) => readFileSync(join(dir, `${n}.key`), 'utf8'),
  };
}

/** iked's directory layout for one identity: ca/, certs/, private/local.key. */
export function ikedDirFor(pki: Pki, name: string): string {
  const d = mkdtempSync(join(tmpdir(), `iked-dir-${name}-`));
  for (const sub of ['ca', 'certs', 'private']) mkdirSync(join(d, sub), { mode: 0o700 });
  writeFileSync(join(d, 'ca', 'ca.crt'), pki.ca);
  writeFileSync(join(d, 'certs', `${name}.crt`), pki.cert(name));
  writeFileSync(join(d, 'private', 'local.key'), pki.key(name), { mode: 0o600 });
  chmodSync(join(d, 'private', 'local.key'), 0o600);
  return d;
}

export async function waitUntil<T>(what: string, ms: number, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
}

export async function oursEstablished(iked: IkedProcess, pred: (s: OurSa) => boolean = () => true): Promise<OurSa> {
  try {
    return await waitUntil('our IKE SA with a Child SA', 15_000, async () => {
      const sas = await iked.showSa();
      return sas.find((s) => s.state === 'ESTABLISHED' && s.children.length > 0 && pred(s)) ?? null;
    });
  } catch (e) {
    const state = iked.running ? 'running' : 'EXITED';
    throw new Error(`${(e as Error).message}\n--- iked (${state}) in ${iked.ns}, last lines ---\n${iked.log().split('\n').slice(-25).join('\n')}`);
  }
}

export async function theirsEstablished(c: Charon, pred: (s: SwanSa) => boolean = () => true): Promise<SwanSa> {
  return waitUntil('charon IKE SA with a Child SA', 15_000, async () => {
    const sas = await c.listSas();
    return sas.find((s) => s.state === 'ESTABLISHED' && s.children.some((x) => x.state === 'INSTALLED') && pred(s)) ?? null;
  });
}

export { makeTwoHosts, makeNatTopology, TwoHosts, Charon, IkedProcess };
