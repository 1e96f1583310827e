/**
 * Property test: a few hundred random policies (seeded PRNG) parse without
 * errors, and print -> parse -> print gives the same text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/conf/load';
import { printPolicy } from '../../src/conf/printer';

/** mulberry32: small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function policyGenerator(seed: number): () => string {
  const r = prng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const maybe = (p = 0.5): boolean => r() < p;
  const host = (fam: 4 | 6): string => (fam === 4 ? `10.${int(256)}.${int(256)}.${1 + int(254)}` : `2001:db8:${int(65536).toString(16)}::${(1 + int(65535)).toString(16)}`);
  const net = (fam: 4 | 6): string => (fam === 4 ? `10.${int(256)}.${int(256)}.0/${16 + int(17)}` : `2001:db8:${int(65536).toString(16)}::/${48 + int(17)}`);
  const side = (fam: 4 | 6): string => pick([host(fam), net(fam), net(fam), 'any', 'dynamic']);
  /** RFC 9370 `ken VALUE` transforms: one to four, any n, repeats allowed. */
  const addKe = (): string[] => {
    const out: string[] = [];
    for (let k = 1 + int(4); k > 0; k--) out.push(`ke${1 + int(7)} ${pick(['mlkem512', 'mlkem768', 'mlkem1024', 'none', 'curve25519', 'ecp384'])}`);
    return out;
  };
  const hex = (len: number): string => Buffer.from(Array.from({ length: len }, () => int(256))).toString('hex');
  let n = 0;
  return () => {
    n++;
    const fam: 4 | 6 = maybe(0.7) ? 4 : 6;
    const parts: string[] = ['ikev2'];
    if (maybe()) parts.push(`"p${n}-${int(1000)}"`);
    const match = pick(['', '', 'quick', 'skip', 'default']);
    if (match) parts.push(match);
    const active = match !== 'default' && maybe(0.4);
    parts.push(active ? 'active' : pick(['', 'passive']));
    if (maybe(0.2)) parts.push('ipcomp');
    parts.push(pick(['', 'tunnel', 'transport']));
    if (maybe(0.2)) parts.push('natt');
    parts.push(pick(['', 'esp', 'ah']));
    if (maybe(0.3)) parts.push(fam === 4 ? 'inet' : 'inet6');
    const protos = ['tcp', 'udp', 'icmp', 'gre', '47', 'sctp', '250'];
    if (maybe(0.3)) parts.push(maybe() ? `proto ${pick(protos)}` : `proto { ${pick(protos)}, ${pick(protos)} }`);
    const nflows = 1 + int(3);
    for (let i = 0; i < nflows; i++) {
      let f = `from ${side(fam)}`;
      if (maybe(0.2)) f += ` port ${1 + int(65535)}`;
      f += ` to ${side(fam)}`;
      if (maybe(0.2)) f += ` port ${pick(['ssh', 'https', String(1 + int(65535))])}`;
      parts.push(i > 0 && maybe() ? `, ${f}` : f);
    }
    if (active || nflows > 1 || maybe()) {
      const peer = active ? host(fam) : pick([host(fam), net(fam), 'any']);
      if (maybe()) parts.push(`local ${pick([host(fam), 'any'])} peer ${peer}`);
      else parts.push(`peer ${peer}`);
    }
    const nike = int(3);
    for (let i = 0; i < nike; i++) {
      const xs: string[] = ['ikesa'];
      if (maybe()) {
        xs.push(`enc ${pick(['aes-128-gcm', 'aes-256-gcm', 'aes-128-gcm-12', 'aes-256-gcm-12'])}`);
      } else {
        if (maybe(0.8)) xs.push(`enc ${pick(['aes-128', 'aes-192', 'aes-256', '3des'])}`);
        if (maybe()) xs.push(`auth ${pick(['hmac-sha1', 'hmac-sha2-256', 'hmac-sha2-384', 'hmac-sha2-512', 'hmac-md5'])}`);
      }
      if (maybe()) xs.push(`prf ${pick(['hmac-sha1', 'hmac-sha2-256', 'hmac-sha2-512'])}`);
      if (maybe()) {
        xs.push(`group ${pick(['modp2048', 'ecp256', 'curve25519', 'grp14', 'brainpool384', 'modp8192', 'mlkem768', 'sntrup761x25519'])}`);
        if (maybe(0.4)) xs.push(...addKe());
      }
      parts.push(xs.join(' '));
    }
    const nchild = int(3);
    for (let i = 0; i < nchild; i++) {
      const xs: string[] = ['childsa'];
      if (maybe()) {
        xs.push(`enc ${pick(['aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'chacha20-poly1305', 'aes-256-gmac'])}`);
      } else {
        xs.push(`enc ${pick(['aes-128', 'aes-256', 'aes-128-ctr', '3des', 'blowfish', 'cast', 'null'])}`);
        if (maybe()) xs.push(`auth ${pick(['hmac-sha1', 'hmac-sha2-256', 'hmac-sha2-512'])}`);
      }
      if (maybe(0.3)) {
        const g = pick(['none', 'modp2048', 'ecp384', 'mlkem512']);
        xs.push(`group ${g}`);
        if (g !== 'none' && maybe(0.4)) xs.push(...addKe());
      }
      if (maybe(0.3)) xs.push(pick(['esn', 'noesn']));
      parts.push(xs.join(' '));
    }
    const id = (): string => pick([`gw${int(99)}.example.com`, `user${int(99)}@example.org`, host(4), host(6), `"/C=DE/O=Org ${int(9)}/CN=x"`, '"esp"']);
    if (maybe(0.4)) parts.push(`srcid ${id()}`);
    if (maybe(0.4)) parts.push(`dstid ${id()}`);
    if (maybe(0.3)) parts.push(`ikelifetime ${pick(['3600', '2h', '90m', '1d'])}`);
    if (maybe(0.4)) parts.push(`lifetime ${pick(['600', '1h', '45m'])}${maybe() ? ` bytes ${pick(['1000000', '512K', '64M', '2G'])}` : ''}`);
    const auth = pick(['', 'psk', 'pskhex', 'rsa', 'ecdsa256', 'ecdsa521', 'rfc7427', 'signature', 'eap', 'eapr']);
    if (auth === 'psk') parts.push(`psk "secret ${int(1e6)}"`);
    else if (auth === 'pskhex') parts.push(`psk 0x${Buffer.from([int(256), int(256), int(256), int(256)]).toString('hex')}`);
    else if (auth === 'eap') parts.push('eap "mschap-v2"');
    else if (auth === 'eapr') parts.push('eap radius');
    else if (auth) parts.push(auth);
    if (maybe(0.3)) {
      const id = pick([`"ppk-${int(1000)}"`, `ppk${int(99)}`, `0x${hex(1 + int(8))}`, '"a b c"']);
      const key = maybe() ? `0x${hex(32 + int(32))}` : `"${hex(16)}"`;
      parts.push(`ppk ${id} ${key}${maybe() ? ' required' : ''}`);
    }
    if (maybe(0.3)) parts.push(`config address ${net(fam)} config name-server ${host(fam)}`);
    if (maybe(0.2)) parts.push('request address any');
    if (maybe(0.2)) parts.push(`tag "t${int(100)}"`);
    if (maybe(0.1)) parts.push(`tap enc${int(4)}`);
    return parts.filter((p) => p !== '').join(' ');
  };
}

test('random policies: parse, and print -> parse -> print is stable', () => {
  const gen = policyGenerator(0x1ced);
  let checked = 0;
  let withAddKe = 0;
  let withPpk = 0;
  for (let i = 0; i < 400; i++) {
    const text = gen();
    const r1 = parseConfigText(text + '\n', 'gen', { checkPermissions: false });
    assert.deepEqual(r1.errors, [], `generated policy does not parse: ${text}`);
    assert.ok(r1.config);
    const p1 = printPolicy(r1.config.policies[0]);
    const r2 = parseConfigText(p1 + '\n', 'print', { checkPermissions: false });
    assert.deepEqual(r2.errors, [], `printed policy does not parse: ${p1}\n(from: ${text})`);
    assert.ok(r2.config);
    const p2 = printPolicy(r2.config.policies[0]);
    assert.equal(p2, p1, `unstable print for: ${text}`);
    // The parsed meaning survives too, not only the text.
    const a = r1.config.policies[0];
    const b = r2.config.policies[0];
    assert.deepEqual(
      [b.ikesa, b.childsa, b.mode, b.quick, b.skip, b.isDefault, b.encap, b.natt, b.ipcomp, b.saProto, b.protos, b.lifetime, b.auth, b.ppk, b.srcid, b.dstid],
      [a.ikesa, a.childsa, a.mode, a.quick, a.skip, a.isDefault, a.encap, a.natt, a.ipcomp, a.saProto, a.protos, a.lifetime, a.auth, a.ppk, a.srcid, a.dstid],
    );
    checked++;
    if (a.ikesa.some((p) => p.addke) || a.childsa.some((p) => p.addke)) withAddKe++;
    if (a.ppk) withPpk++;
  }
  assert.equal(checked, 400);
  // The generator reaches the post-quantum options often enough to mean something.
  assert.ok(withAddKe >= 40, `only ${withAddKe} policies with ke1..ke7`);
  assert.ok(withPpk >= 60, `only ${withPpk} policies with a ppk`);
});
