/**
 * Secrets never reach a log line, at any verbosity (namespaces; needs root and
 * strongSwan): our iked at -vv (debug, every message described), privilege-separated,
 * as a PSK responder and as an EAP-MSCHAPv2 gateway with a `user` line, against
 * strongSwan; its whole log and `ikectl show sa --json` must not contain the PSK or
 * the EAP password, as text, hex or base64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { DEFAULT_PLUGINS } from './lib/charon';
import { REPO, PSK, IKE_PROPOSALS, ESP_PROPOSALS, ikedConf, swanConf, makePki, ikedDirFor, oursEstablished, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();
const IKE = IKE_PROPOSALS[0];
const ESP = ESP_PROPOSALS[0];
const EAP_PASSWORD = 'eap-Secret-pw-4711';

function forms(secret: string): string[] {
  const b = Buffer.from(secret);
  return [secret, b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64')];
}

function assertClean(what: string, text: string, secret: string): void {
  for (const f of forms(secret)) assert.ok(!text.includes(f), `${what} contains the secret (as ${f === secret ? 'text' : f})`);
}

test('the PSK is in no log line of a -vv responder, nor in ikectl show sa', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const topo = await makeTwoHosts('isl1');
  const { a: A, b: B } = topo;
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    charon = await Charon.start({
      ns: B.ns,
      name: 'b',
      swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE.swan, esp: ESP.swan, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'psk' } }),
    });
    await charon.loadAll();
    iked = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: false, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE.iked, esp: ESP.iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'psk' } }),
      extraArgs: ['-vv'],
    });
    const r = await charon.initiate('net', 't');
    assert.equal(r.code, 0, r.out);
    await oursEstablished(iked);
    const view = await iked.ikectl(['show', 'sa', '--json']);
    assert.ok(iked.log().includes('IKE_AUTH'), 'the log is at debug level and describes the exchanges');
    assertClean('iked.log', iked.log(), PSK);
    assertClean('ikectl show sa --json', view.stdout, PSK);
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});

test('the EAP password is in no log line of a -vv gateway', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makePki('ecdsa', ['gw.test']);
  const topo = await makeTwoHosts('isl2');
  const { a: A, b: B } = topo;
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const conf = [
      'set decouple',
      `user "alice" "${EAP_PASSWORD}"`,
      `ikev2 "rw" passive esp from 10.1.0.0/24 to dynamic local ${A.addr} \\`,
      `  ikesa ${IKE.iked} childsa ${ESP.iked} srcid gw.test eap "mschap-v2" config address 10.2.100.0/24`,
      '',
    ].join('\n');
    iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf, env: { IKED_DIR: ikedDirFor(pki, 'gw.test') }, extraArgs: ['-vv'] });
    charon = await Charon.start({
      ns: B.ns,
      name: 'client',
      plugins: [...DEFAULT_PLUGINS, 'eap-mschapv2', 'eap-identity', 'md5'],
      swanctlConf: [
        'connections {',
        '  alice {',
        '    version = 2',
        `    local_addrs = ${B.addr}`,
        `    remote_addrs = ${A.addr}`,
        '    encap = yes',
        '    vips = 0.0.0.0',
        `    proposals = ${IKE.swan}`,
        '    local { auth = eap-mschapv2\n      id = alice\n      eap_id = alice }',
        '    remote { auth = pubkey\n      id = gw.test\n      cacerts = ca.crt }',
        `    children { net { remote_ts = 10.1.0.0/24\n        esp_proposals = ${ESP.swan} } }`,
        '  }',
        '}',
        'secrets {',
        `  eap-alice {\n    id = alice\n    secret = "${EAP_PASSWORD}"\n  }`,
        '}',
        '',
      ].join('\n'),
      files: { x509ca: { 'ca.crt': pki.ca } },
      // the virtual IP goes on libipsec's TUN device (the routes to the gateway's LAN use it)
      charonSettings: { install_virtual_ip: 'yes' },
    });
    await charon.loadAll();
    const r = await charon.initiate('net', 'alice');
    assert.equal(r.code, 0, `${r.out}\n--- iked ---\n${iked.log()}`);
    await oursEstablished(iked);
    assert.match(iked.log(), /EAP/, 'the log covers the EAP exchange');
    assertClean('iked.log', iked.log(), EAP_PASSWORD);
    assertClean('ikectl show sa --json', (await iked.ikectl(['show', 'sa', '--json'])).stdout, EAP_PASSWORD);
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
});
