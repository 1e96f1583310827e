/**
 * Small swanctl.conf generator for the common interop case: one IKE_SA with
 * one tunnel CHILD_SA and a PSK. Kept separate so tests can also pass their
 * own swanctl.conf text to Charon.start().
 */
export interface PskConnOptions {
  conn?: string;
  child?: string;
  localAddrs: string;
  remoteAddrs: string;
  localId: string;
  remoteId: string;
  localTs: string;
  remoteTs: string;
  /** IKE proposals, e.g. aes128gcm16-prfsha256-ecp256. */
  proposals: string;
  espProposals: string;
  psk: string;
  /** kernel-libipsec only does ESP-in-UDP: keep true with it (default true). */
  encap?: boolean;
  mode?: 'tunnel' | 'transport';
  extraConn?: Record<string, string | number>;
}

function q(s: string): string {
  return /[\s,=]/.test(s) ? `"${s}"` : s;
}

export function pskSwanctlConf(o: PskConnOptions): string {
  const conn = o.conn ?? 't';
  const extra = Object.entries(o.extraConn ?? {}).map(([k, v]) => `    ${k} = ${v}`);
  return [
    'connections {',
    `  ${conn} {`,
    '    version = 2',
    `    local_addrs = ${o.localAddrs}`,
    `    remote_addrs = ${o.remoteAddrs}`,
    `    encap = ${o.encap === false ? 'no' : 'yes'}`,
    `    proposals = ${o.proposals}`,
    '    dpd_delay = 0',
    ...extra,
    '    local {',
    '      auth = psk',
    `      id = ${q(o.localId)}`,
    '    }',
    '    remote {',
    '      auth = psk',
    `      id = ${q(o.remoteId)}`,
    '    }',
    '    children {',
    `      ${o.child ?? 'net'} {`,
    `        local_ts = ${o.localTs}`,
    `        remote_ts = ${o.remoteTs}`,
    `        mode = ${o.mode ?? 'tunnel'}`,
    `        esp_proposals = ${o.espProposals}`,
    '        start_action = none',
    '      }',
    '    }',
    '  }',
    '}',
    'secrets {',
    `  ike-${conn} {`,
    // one setting per line: ';' is not a separator and a secret written after one is silently dropped
    `    id-l = ${q(o.localId)}`,
    `    id-r = ${q(o.remoteId)}`,
    `    secret = ${o.psk}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * A `secrets` block of RFC 8784 PPKs (`ppk<suffix> { secret, id }`), to append to a
 * swanctl.conf: strongSwan merges it with the file's other `secrets` block. `hex` without 0x.
 */
export function ppkSecretsConf(ppks: { id: string; hex: string }[]): string {
  const blocks = ppks.map((p, i) => [`  ppk-${i} {`, `    secret = 0x${p.hex}`, `    id = ${q(p.id)}`, '  }']);
  return ['secrets {', ...blocks.flat(), '}', ''].join('\n');
}
