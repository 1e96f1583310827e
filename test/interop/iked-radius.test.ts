/**
 * strongSwan (Windows-like EAP-MSCHAPv2 client) -> our iked gateway (`eap "radius"`)
 * -> a real FreeRADIUS in the gateway's namespace: accept (with the address and DNS
 * server that RADIUS assigns), reject, and accounting records in FreeRADIUS's detail file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { DEFAULT_PLUGINS } from './lib/charon';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, makePki, ikedDirFor, oursEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';
import { FreeRadius, freeradiusMissing } from '../radius/lib/freeradius';
import type { SwanSa } from './lib/swanctl-parse';

const skip = interopAvailable() ?? freeradiusMissing();
const SECRET = 'radius-interop-secret';
const IKE = IKE_PROPOSALS[0];
const ESP = ESP_PROPOSALS[0];

function vipOf(s: SwanSa): string | undefined {
  const v = (s as unknown as { raw?: Record<string, unknown> }).raw?.['local-vips'];
  return Array.isArray(v) ? String(v[0]) : typeof v === 'string' ? v : undefined;
}

function client(name: string, local: string, remote: string): string {
  return [
    `  ${name} {`,
    '    version = 2',
    `    local_addrs = ${local}`,
    `    remote_addrs = ${remote}`,
    '    encap = yes',
    '    vips = 0.0.0.0',
    `    proposals = ${IKE.swan}`,
    `    local { auth = eap-mschapv2\n      id = ${name}\n      eap_id = ${name} }`,
    '    remote { auth = pubkey\n      id = gw.test\n      cacerts = ca.crt }',
    `    children { net { remote_ts = 10.1.0.0/24\n        esp_proposals = ${ESP.swan}\n        start_action = none } }`,
    '  }',
  ].join('\n');
}

test('strongSwan -> iked (eap "radius") -> FreeRADIUS: accept, reject, accounting', { timeout: 150_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makePki('ecdsa', ['gw.test']);
  const topo = await makeTwoHosts('iira');
  let radius: FreeRadius | undefined;
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    radius = await FreeRadius.start(
      {
        secret: SECRET,
        users: [
          // RADIUS decides this user's address and DNS server (Framed-IP-Address, MS-Primary-DNS-Server)
          { name: 'alice', password: 'alice-pass', reply: ['Framed-IP-Address = 10.2.200.7', 'MS-Primary-DNS-Server = 10.2.0.99'] },
          { name: 'bob', password: 'bob-pass' },
        ],
      },
      ['ip', 'netns', 'exec', A.ns],
    );
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: [
        'set decouple',
        `radius server 127.0.0.1 port ${radius.authPort} secret "${SECRET}"`,
        `radius accounting server 127.0.0.1 port ${radius.acctPort} secret "${SECRET}"`,
        `ikev2 "rw" passive esp from 10.1.0.0/24 to dynamic local ${A.addr} \\`,
        `  ikesa ${IKE.iked} childsa ${ESP.iked} \\`,
        '  srcid gw.test eap "radius" config address 10.2.100.0/24 config name-server 10.2.0.53',
        '',
      ].join('\n'),
      env: { IKED_DIR: ikedDirFor(pki, 'gw.test') },
      extraArgs: ['-v'],
    });
    charon = await Charon.start({
      ns: B.ns,
      name: 'client',
      plugins: [...DEFAULT_PLUGINS, 'eap-mschapv2', 'eap-identity', 'md5'],
      swanctlConf: [
        'connections {',
        client('alice', B.addr, A.addr),
        client('bob', B.addr, A.addr),
        '}',
        'secrets {',
        '  eap-alice {\n    id = alice\n    secret = "alice-pass"\n  }',
        '  eap-bob {\n    id = bob\n    secret = "wrong-pass"\n  }',
        '}',
        '',
      ].join('\n'),
      files: { x509ca: { 'ca.crt': pki.ca } },
      logLevels: { default: 1, ike: 2, cfg: 2, knl: 1 },
      charonSettings: { install_virtual_ip: 'yes' },
    });
    await charon.loadAll();

    await t.test('accept: the address and DNS server come from RADIUS, accounting Start arrives', async () => {
      const r = await charon!.initiate('net', 'alice');
      assert.equal(r.code, 0, `${r.out}\n--- iked ---\n${iked!.log()}\n--- radius ---\n${radius!.log.slice(-2000)}`);
      const alice = (await charon!.listSas()).find((s) => s.name === 'alice');
      assert.ok(alice);
      assert.equal(vipOf(alice), '10.2.200.7', 'Framed-IP-Address from FreeRADIUS, not the pool');
      assert.match(charon!.log(), /processing INTERNAL_IP4_DNS attribute/, 'charon got a DNS server');
      assert.match(iked!.log(), /assigned to 'alice': address 10\.2\.200\.7 name-server 10\.2\.0\.99/, 'MS-Primary-DNS-Server from FreeRADIUS, not the policy');
      const mine = await oursEstablished(iked!);
      assert.ok(mine.children[0].tsRemote.includes('10.2.200.7/32'), mine.children[0].tsRemote.join(' '));
      await waitUntil('accounting Start for alice', 10_000, async () =>
        radius!.detailRecords().some((rec) => rec['Acct-Status-Type'] === 'Start' && /alice/.test(rec['User-Name'] ?? '')),
      );
    });

    await t.test('reject: a wrong password gets AUTHENTICATION_FAILED, no accounting record', async () => {
      const bad = await charon!.initiate('net', 'bob', 10);
      assert.notEqual(bad.code, 0);
      assert.match(bad.out, /received EAP_FAILURE|received AUTHENTICATION_FAILED/);
      assert.equal((await iked!.showSa()).length, 1, 'only alice');
      assert.ok(!radius!.detailRecords().some((rec) => /bob/.test(rec['User-Name'] ?? '')), 'no accounting for bob');
    });

    await t.test('delete: accounting Stop arrives', async () => {
      const r = await charon!.swanctl(['--terminate', '--ike', 'alice']);
      assert.equal(r.code, 0, r.stderr);
      await waitUntil('accounting Stop for alice', 10_000, async () =>
        radius!.detailRecords().some((rec) => rec['Acct-Status-Type'] === 'Stop' && /alice/.test(rec['User-Name'] ?? '')),
      );
    });
  } finally {
    await charon?.stop();
    await iked?.stop();
    await radius?.stop();
    await topo.cleanup();
  }
});
