/**
 * Road warrior interop (namespaces; needs root and strongSwan): our iked as the
 * gateway (ECDSA certificate, `eap "mschap-v2"` against `user` lines, address
 * pool and name server) and strongSwan as a Windows-like client (eap-mschapv2,
 * eap-identity, vips = 0.0.0.0; MD4 comes from strongSwan's openssl plugin,
 * Debian builds no md4 plugin). 50 clients: ONE charon with 50 connections
 * (distinct eap_id/id) started together by start_action = start. Then our
 * iked as the EAP client against strongSwan as the EAP server, and against
 * our own gateway (with `iface` applying the address and the DNS hook).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync, mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopAvailable, nsExec } from './lib/netns';
import { DEFAULT_PLUGINS } from './lib/charon';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, makePki, ikedDirFor, Pki, oursEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';
import type { SwanSa } from './lib/swanctl-parse';

const skip = interopAvailable();
const IKE = IKE_PROPOSALS[0];
const ESP = ESP_PROPOSALS[0];
const EAP_PLUGINS = [...DEFAULT_PLUGINS, 'eap-mschapv2', 'eap-identity', 'md5'];

interface Client {
  name: string;
  user: string;
  password: string;
  start?: boolean;
}

function gatewayConf(local: string, users: { user: string; password: string }[], pool = '10.2.100.0/24'): string {
  return [
    'set decouple',
    ...users.map((u) => `user "${u.user}" "${u.password}"`),
    `ikev2 "rw" passive esp from 10.1.0.0/24 to dynamic local ${local} \\`,
    `  ikesa ${IKE.iked} childsa ${ESP.iked} \\`,
    `  srcid gw.test eap "mschap-v2" config address ${pool} config name-server 10.2.0.53 tag "$name-$eapid"`,
    '',
  ].join('\n');
}

function clientSwanConf(local: string, remote: string, clients: Client[], secrets: Client[] = clients): string {
  const out = ['connections {'];
  for (const c of clients) {
    out.push(
      `  ${c.name} {`,
      '    version = 2',
      `    local_addrs = ${local}`,
      `    remote_addrs = ${remote}`,
      '    encap = yes',
      '    vips = 0.0.0.0',
      `    proposals = ${IKE.swan}`,
      `    local { auth = eap-mschapv2\n      id = ${c.user}\n      eap_id = ${c.user} }`,
      '    remote { auth = pubkey\n      id = gw.test\n      cacerts = ca.crt }',
      `    children { net { remote_ts = 10.1.0.0/24\n        esp_proposals = ${ESP.swan}\n        start_action = ${c.start ? 'start' : 'none'} } }`,
      '  }',
    );
  }
  out.push('}', 'secrets {');
  for (const c of secrets) out.push(`  eap-${c.name} {\n    id = ${c.user}\n    secret = "${c.password}"\n  }`);
  out.push('}');
  return out.join('\n') + '\n';
}

/** IkeSaView.tag, as `ikectl show sa --json` prints it. */
function tagOf(s: object): string | undefined {
  return (s as { tag?: string }).tag;
}

function vipOf(s: SwanSa): string | undefined {
  const raw = (s as unknown as { raw?: Record<string, unknown> }).raw;
  const v = raw?.['local-vips'];
  return Array.isArray(v) ? String(v[0]) : typeof v === 'string' ? v : undefined;
}

async function gatewayWithCharon(prefix: string, pki: Pki, clients: Client[], users: { user: string; password: string }[], secrets?: Client[], pool?: string) {
  const topo = await makeTwoHosts(prefix);
  const { a: A, b: B } = topo;
  const iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: gatewayConf(A.addr, users, pool), env: { IKED_DIR: ikedDirFor(pki, 'gw.test') }, extraArgs: ['-v'] });
  const charon = await Charon.start({
    ns: B.ns,
    name: 'client',
    plugins: EAP_PLUGINS,
    swanctlConf: clientSwanConf(B.addr, A.addr, clients, secrets),
    files: { x509ca: { 'ca.crt': pki.ca } },
    logLevels: { default: 1, ike: 2, cfg: 2, knl: 1 },
    // the virtual IP goes on libipsec's TUN device (routes to the gateway's subnet use it as source)
    charonSettings: { install_virtual_ip: 'yes' },
  });
  return { topo, iked, charon };
}

test('road warrior: strongSwan EAP-MSCHAPv2 clients against our gateway', { timeout: 180_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makePki('ecdsa', ['gw.test', 'sw.test']);

  await t.test('a Windows-like client gets an address from the pool and the DNS server; wrong password refused, no address consumed', async () => {
    const clients: Client[] = [
      { name: 'alice', user: 'alice', password: 'alice-pass' },
      { name: 'bob', user: 'bob', password: 'not-bobs-pass' },
      { name: 'carol', user: 'carol', password: 'carol-pass' },
    ];
    const users = [
      { user: 'alice', password: 'alice-pass' },
      { user: 'bob', password: 'bob-pass' },
      { user: 'carol', password: 'carol-pass' },
    ];
    const { topo, iked, charon } = await gatewayWithCharon('rwa', pki, clients, users);
    try {
      await charon.loadAll();
      const r = await charon.initiate('net', 'alice');
      assert.equal(r.code, 0, `alice failed:\n${r.out}\n--- iked ---\n${iked.log()}`);
      const sas = await charon.listSas();
      const alice = sas.find((s) => s.name === 'alice');
      assert.ok(alice, 'alice has an IKE SA');
      assert.equal(vipOf(alice), '10.2.100.1', `virtual IP from the pool: ${JSON.stringify((alice as unknown as { raw: unknown }).raw)}`);
      assert.match(charon.log() + r.out, /INTERNAL_IP4_DNS|DNS server 10\.2\.0\.53|10\.2\.0\.53/, 'charon handled the DNS attribute');
      assert.match(r.out, /10\.2\.100\.1/);
      const mine = await oursEstablished(iked);
      assert.equal(tagOf(mine), 'rw-alice', 'tag expanded in ikectl show sa');
      assert.ok(mine.children[0].tsRemote.includes('10.2.100.1/32'), `TSi narrowed: ${mine.children[0].tsRemote}`);
      // bob with a wrong password
      const bad = await charon.initiate('net', 'bob', 10);
      assert.notEqual(bad.code, 0, 'bob must fail');
      assert.match(bad.out, /received EAP_FAILURE|received AUTHENTICATION_FAILED/);
      assert.match(iked.log(), /wrong password for user 'bob'/);
      assert.equal((await iked.showSa()).length, 1, 'only alice');
      // carol gets the next address: bob consumed none
      const ok = await charon.initiate('net', 'carol');
      assert.equal(ok.code, 0, ok.out);
      const carol = (await charon.listSas()).find((s) => s.name === 'carol');
      assert.equal(carol && vipOf(carol), '10.2.100.2');
    } finally {
      await iked.stop();
      await charon.stop();
      await topo.cleanup();
    }
  });

  await t.test('50 clients at once get 50 distinct addresses', async () => {
    const clients: Client[] = Array.from({ length: 50 }, (_, i) => ({ name: `c${i}`, user: `u${i}`, password: `pw-${i}`, start: true }));
    const { topo, iked, charon } = await gatewayWithCharon('rwb', pki, clients, clients.map((c) => ({ user: c.user, password: c.password })));
    try {
      await charon.loadAll(); // start_action = start: all 50 initiate now
      const sas = await waitUntil('50 established client SAs', 40_000, async () => {
        const l = await charon.listSas();
        const up = l.filter((s) => s.state === 'ESTABLISHED' && s.children.some((c) => c.state === 'INSTALLED'));
        return up.length === 50 ? up : null;
      }).catch(async (e) => {
        throw new Error(`${(e as Error).message}; iked has ${(await iked.showSa()).length}\n${iked.log().split('\n').slice(-30).join('\n')}`);
      });
      const vips = sas.map(vipOf);
      assert.equal(new Set(vips).size, 50, `distinct: ${vips.join(' ')}`);
      for (const v of vips) assert.match(String(v), /^10\.2\.100\.\d+$/);
      assert.equal((await iked.showSa()).filter((s) => s.state === 'ESTABLISHED').length, 50);
    } finally {
      await iked.stop();
      await charon.stop();
      await topo.cleanup();
    }
  });
});

test('road warrior: our iked as the EAP-MSCHAPv2 client', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makePki('ecdsa', ['gw.test', 'sw.test']);

  await t.test('against strongSwan as the EAP server (pool and DNS from charon)', async () => {
    const topo = await makeTwoHosts('rwc');
    const { a: A, b: B } = topo;
    let iked: IkedProcess | undefined;
    let charon: Charon | undefined;
    try {
      const swan = [
        'connections {',
        '  rw {',
        '    version = 2',
        `    local_addrs = ${B.addr}`,
        '    encap = yes',
        '    pools = rwpool',
        `    proposals = ${IKE.swan}`,
        '    send_certreq = no',
        '    local { auth = pubkey\n      id = sw.test\n      certs = local.crt }',
        '    remote { auth = eap-mschapv2\n      eap_id = %any }',
        `    children { net { local_ts = 10.2.0.0/24\n        esp_proposals = ${ESP.swan} } }`,
        '  }',
        '}',
        'pools { rwpool { addrs = 10.3.0.0/24\n    dns = 10.3.0.53 } }',
        'secrets { eap-alice {\n    id = alice\n    secret = "alice-pass" } }',
        '',
      ].join('\n');
      charon = await Charon.start({
        ns: B.ns,
        name: 'gw',
        plugins: [...EAP_PLUGINS, 'attr'],
        swanctlConf: swan,
        files: { x509ca: { 'ca.crt': pki.ca }, x509: { 'local.crt': pki.cert('sw.test') }, private: { 'local.key': pki.key('sw.test') } },
      });
      await charon.loadAll();
      const conf = [
        'set decouple',
        'user "alice" "alice-pass"',
        `ikev2 "c" active esp from dynamic to 10.2.0.0/24 local ${A.addr} peer ${B.addr} \\`,
        `  ikesa ${IKE.iked} childsa ${ESP.iked} \\`,
        '  srcid alice dstid sw.test eap "mschap-v2" request address any request name-server any tag "$name-$eapid"',
        '',
      ].join('\n');
      iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf, env: { IKED_DIR: ikedDirFor(pki, 'gw.test') }, extraArgs: ['-v'] });
      const mine = await oursEstablished(iked).catch((e) => {
        throw new Error(`${(e as Error).message}\n--- iked ---\n${iked!.log()}\n--- charon ---\n${charon!.log().split('\n').slice(-40).join('\n')}`);
      });
      assert.equal(tagOf(mine), 'c-alice');
      assert.match(iked.log(), /configuration received: address 10\.3\.0\.1 name-server 10\.3\.0\.53/);
      assert.deepEqual(mine.children[0].tsLocal, ['10.3.0.1/32']);
      assert.match(charon.log(), /EAP method EAP_MSCHAPV2 succeeded|authentication of 'alice' with EAP successful/);
    } finally {
      await iked?.stop();
      await charon?.stop();
      await topo.cleanup();
    }
  });

  // under privilege separation (the parent runs the commands for the chrooted engine) and in one process
  for (const mode of ['privsep', 'single-process'] as const) await t.test(`against our own gateway, applying the address, routes and DNS on iface (${mode})`, async () => {
    const topo = await makeTwoHosts(mode === 'privsep' ? 'rwdp' : 'rwd');
    const { a: A, b: B } = topo;
    let gw: IkedProcess | undefined;
    let cl: IkedProcess | undefined;
    try {
      const r = await nsExec(B.ns, ['ip', 'link', 'add', 'rw0', 'type', 'veth', 'peer', 'name', 'rw0p']);
      assert.equal(r.code, 0, r.stderr);
      await nsExec(B.ns, ['ip', 'link', 'set', 'rw0', 'up']);
      await nsExec(B.ns, ['ip', 'link', 'set', 'rw0p', 'up']);
      // the iked.conf parser only knows running interfaces with an address (os.networkInterfaces)
      await nsExec(B.ns, ['ip', 'addr', 'add', '192.168.250.1/30', 'dev', 'rw0']);
      gw = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: gatewayConf(A.addr, [{ user: 'dave', password: 'dave-pass' }]), env: { IKED_DIR: ikedDirFor(pki, 'gw.test') }, extraArgs: ['-v'] });
      const hookDir = mkdtempSync(join(tmpdir(), 'iked-dnshook-'));
      const hook = join(hookDir, 'dns-hook.sh');
      const outFile = join(hookDir, 'calls');
      writeFileSync(hook, `#!/bin/sh\necho "$@" >> ${outFile}\n`);
      chmodSync(hook, 0o755);
      const conf = [
        'set decouple',
        'user "dave" "dave-pass"',
        `ikev2 "c" active esp from dynamic to 10.1.0.0/24 local ${B.addr} peer ${A.addr} \\`,
        `  ikesa ${IKE.iked} childsa ${ESP.iked} \\`,
        '  srcid dave dstid gw.test eap "mschap-v2" request address any request name-server any iface rw0',
        '',
      ].join('\n');
      cl = await IkedProcess.start({ ns: B.ns, repoRoot: REPO, conf, env: { IKED_DIR: ikedDirFor(pki, 'sw.test'), IKED_DNS_HOOK: hook, ...(mode === 'single-process' ? { IKED_NO_PRIVSEP: '1' } : {}) }, extraArgs: ['-v'] });
      await oursEstablished(cl).catch((e) => {
        throw new Error(`${(e as Error).message}\n--- client ---\n${cl!.log()}\n--- gw ---\n${gw!.log()}`);
      });
      const g = await oursEstablished(gw);
      assert.equal(tagOf(g), 'rw-dave');
      await waitUntil('address on rw0', 10_000, async () => (await nsExec(B.ns, ['ip', 'addr', 'show', 'dev', 'rw0'])).stdout.includes('10.2.100.1/32'));
      const routes = (await nsExec(B.ns, ['ip', 'route', 'show', 'dev', 'rw0'])).stdout;
      assert.match(routes, /10\.1\.0\.0\/24 .*src 10\.2\.100\.1/);
      await waitUntil('DNS hook called', 5000, async () => existsSync(outFile));
      assert.equal(readFileSync(outFile, 'utf8').trim(), 'add rw0 10.2.0.53');
      if (mode === 'privsep') assert.doesNotMatch(cl.log(), /cannot configure rw0|name servers for rw0:/, 'the parent applied it');
      // the IKE SA goes: everything is undone
      await cl.stop();
      cl = undefined;
      assert.doesNotMatch((await nsExec(B.ns, ['ip', 'addr', 'show', 'dev', 'rw0'])).stdout, /10\.2\.100\.1/, 'address removed');
      assert.doesNotMatch((await nsExec(B.ns, ['ip', 'route', 'show', 'dev', 'rw0'])).stdout, /10\.1\.0\.0\/24/, 'route removed');
      assert.equal(readFileSync(outFile, 'utf8').trim(), 'add rw0 10.2.0.53\ndel rw0');
    } finally {
      await cl?.stop();
      await gw?.stop();
      await topo.cleanup();
    }
  });
});
