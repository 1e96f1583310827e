/**
 * The RADIUS relay and accounting against a real FreeRADIUS (Debian's
 * package, started by the test on 127.0.0.1 with a generated config):
 * EAP-MSCHAPv2 accept (MSK equal on both sides, attributes for config
 * payloads), reject, failover from a dead server, accounting Start/Stop in
 * the detail file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FreeRadius, freeradiusMissing, freeUdpPort } from './lib/freeradius';
import { runEap } from './lib/run-eap';
import { RadiusService } from '../../src/radius/factory';
import { RadiusClient } from '../../src/radius/client';
import { RadiusEapRelay } from '../../src/radius/eap-relay';
import { configAttributesFromEap } from '../../src/ikev2/exchange/eap-backend';
import { CFG_ATTR, EAP_CODE } from '../../src/wire/iana';
import { IkeSa } from '../../src/ikev2/sa/ike-sa';
import type { Policy } from '../../src/ikev2/policy/policy';
import type { RadiusConf, AddrSpec } from '../../src/conf/types';

const SECRET = 'iked-radius-test-secret';
const missing = freeradiusMissing();

function host(a: string): AddrSpec {
  return { kind: 'net', family: 4, addr: Buffer.from(a.split('.').map(Number)), prefixLen: 32, text: a };
}

function radiusConf(authPorts: number[], acctPorts: number[], extra: Partial<RadiusConf> = {}): RadiusConf {
  return {
    servers: authPorts.map((port) => ({ addr: host('127.0.0.1'), port, secret: SECRET })),
    accountingServers: acctPorts.map((port) => ({ addr: host('127.0.0.1'), port, secret: SECRET })),
    daeListen: [],
    daeClients: [],
    maxTries: 2,
    accountingMaxTries: 2,
    maxFailovers: 1,
    accountingMaxFailovers: 1,
    config: [],
    ...extra,
  };
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('RADIUS relay against FreeRADIUS', { skip: missing ?? undefined }, () => {
  let fr: FreeRadius;

  before(async () => {
    fr = await FreeRadius.start({
      secret: SECRET,
      users: [
        {
          name: 'alice',
          password: 'alice-Pa55word',
          reply: ['Framed-IP-Address = 10.9.0.7', 'Framed-IP-Netmask = 255.255.255.0', 'MS-Primary-DNS-Server = 10.9.0.53', 'Class = "vpn-users"'],
        },
        { name: 'bob', password: 'bob-password' },
      ],
    });
  });

  after(async () => {
    await fr?.stop();
  });

  it('accepts alice: EAP-Success, MSK equal to the peer\'s, attributes mapped to config payloads', async () => {
    const svc = new RadiusService(radiusConf([fr.authPort], []), { timeoutMs: 1000 });
    try {
      const run = await runEap(svc.create('rw', '0x0102030405060708'), 'alice', 'alice-Pa55word');
      assert.equal(run.server.kind, 'success', run.server.kind === 'failure' ? run.server.reason : '');
      if (run.server.kind !== 'success') return;
      assert.equal(run.server.message[0], EAP_CODE.SUCCESS);
      assert.equal(run.server.identity, 'alice');
      assert.ok(run.peerMsk, `peer did not accept: ${run.peerFailure}`);
      assert.equal(run.server.msk.length, 64);
      assert.deepEqual(run.server.msk, run.peerMsk, 'MSK from MS-MPPE-Recv-Key|Send-Key differs from the peer\'s MSCHAPv2 MSK');
      assert.notDeepEqual(run.server.msk, Buffer.alloc(64));
      const attrs = run.server.attributes ?? {};
      assert.deepEqual(attrs['Framed-IP-Address'], [Buffer.from([10, 9, 0, 7])]);
      assert.deepEqual(attrs['Class'], [Buffer.from('vpn-users')]);
      assert.equal(attrs['MS-MPPE-Recv-Key'], undefined, 'MPPE keys must not be handed out');
      const cp = configAttributesFromEap(attrs);
      assert.deepEqual(
        cp.map((a) => [a.type, [...a.value].join('.')]),
        [
          [CFG_ATTR.INTERNAL_IP4_ADDRESS, '10.9.0.7'],
          [CFG_ATTR.INTERNAL_IP4_NETMASK, '255.255.255.0'],
          [CFG_ATTR.INTERNAL_IP4_DNS, '10.9.0.53'],
        ],
      );
    } finally {
      svc.close();
    }
  });

  it('honours `radius config` mappings instead of the defaults', async () => {
    const svc = new RadiusService(radiusConf([fr.authPort], [], { config: [{ option: 'name-server', cfgType: CFG_ATTR.INTERNAL_IP4_DNS, vendor: 311, attr: 28 }] }), { timeoutMs: 1000 });
    try {
      const run = await runEap(svc.create('rw', '0x01'), 'alice', 'alice-Pa55word');
      assert.equal(run.server.kind, 'success');
      if (run.server.kind !== 'success') return;
      assert.deepEqual(configAttributesFromEap(run.server.attributes).map((a) => a.type), [CFG_ATTR.INTERNAL_IP4_DNS]);
    } finally {
      svc.close();
    }
  });

  it('rejects a wrong password with EAP-Failure', async () => {
    const svc = new RadiusService(radiusConf([fr.authPort], []), { timeoutMs: 1000 });
    try {
      const run = await runEap(svc.create('rw', '0x02'), 'alice', 'not-the-password');
      assert.equal(run.server.kind, 'failure');
      if (run.server.kind !== 'failure') return;
      assert.equal(run.server.message[0], EAP_CODE.FAILURE);
      assert.match(run.server.reason, /rejected 'alice'/);
      assert.equal(run.peerMsk, null);
    } finally {
      svc.close();
    }
  });

  it('rejects an unknown user', async () => {
    const svc = new RadiusService(radiusConf([fr.authPort], []), { timeoutMs: 1000 });
    try {
      const run = await runEap(svc.create('rw', '0x03'), 'mallory', 'whatever');
      assert.equal(run.server.kind, 'failure');
    } finally {
      svc.close();
    }
  });

  it('a wrong shared secret: FreeRADIUS ignores our requests (bad Message-Authenticator), the relay fails after its tries', async () => {
    const client = new RadiusClient({ servers: [{ address: '127.0.0.1', port: fr.authPort, secret: 'wrong-secret' }], maxTries: 2, maxFailovers: 0, timeoutMs: 300 });
    try {
      const run = await runEap(new RadiusEapRelay({ client, tag: 't' }), 'alice', 'alice-Pa55word');
      assert.equal(run.server.kind, 'failure');
      if (run.server.kind === 'failure') assert.match(run.server.reason, /no answer to Access-Request from 127\.0\.0\.1:\d+ \(2 tries each, 0 failovers\)/);
    } finally {
      client.close();
    }
  });

  it('fails over from a dead first server to the live second one, and stays there', async () => {
    const dead = await freeUdpPort();
    const svc = new RadiusService(radiusConf([dead, fr.authPort], [], { maxTries: 2, maxFailovers: 1 }), { timeoutMs: 300 });
    try {
      const t0 = Date.now();
      const run = await runEap(svc.create('rw', '0x04'), 'alice', 'alice-Pa55word');
      assert.equal(run.server.kind, 'success', run.server.kind === 'failure' ? run.server.reason : '');
      assert.ok(Date.now() - t0 >= 550, 'two 300 ms tries to the dead server came first');
      assert.equal(svc.auth!.currentServer.port, fr.authPort);
      const t1 = Date.now();
      const again = await runEap(svc.create('rw', '0x05'), 'bob', 'bob-password');
      assert.equal(again.server.kind, 'success');
      assert.ok(Date.now() - t1 < 550, 'the live server is tried first afterwards');
    } finally {
      svc.close();
    }
  });

  it('without failovers a dead first server means failure', async () => {
    const dead = await freeUdpPort();
    const svc = new RadiusService(radiusConf([dead, fr.authPort], [], { maxTries: 1, maxFailovers: 0 }), { timeoutMs: 200 });
    try {
      const run = await runEap(svc.create('rw', '0x06'), 'alice', 'alice-Pa55word');
      assert.equal(run.server.kind, 'failure');
    } finally {
      svc.close();
    }
  });

  it('accounting: Start when the IKE SA is established, Stop when it is deleted, records in the detail file', async () => {
    const svc = new RadiusService(radiusConf([fr.authPort], [fr.acctPort]), { timeoutMs: 1000, nasIdentifier: 'iked-test' });
    try {
      const spiI = randomBytes(8);
      const sa = new IkeSa(false, spiI, { name: 'rw' } as unknown as Policy, { address: '192.0.2.1', port: 500 }, { address: '198.51.100.9', port: 4500 });
      sa.spiR = randomBytes(8);
      const run = await runEap(svc.create('rw', `0x${spiI.toString('hex')}:0x${sa.spiR.toString('hex')}`), 'alice', 'alice-Pa55word');
      assert.equal(run.server.kind, 'success');
      const sessionId = `${spiI.toString('hex')}${sa.spiR.toString('hex')}`;
      svc.ikeSaEstablished(sa);
      const start = await waitFor('Accounting Start', () => fr.detailRecords().find((r) => r['Acct-Session-Id'] === sessionId && r['Acct-Status-Type'] === 'Start'));
      assert.equal(start['User-Name'], 'alice');
      assert.equal(start['Calling-Station-Id'], '198.51.100.9');
      assert.equal(start['Called-Station-Id'], '192.0.2.1');
      assert.equal(start['Framed-IP-Address'], '10.9.0.7');
      assert.equal(start['NAS-Identifier'], 'iked-test');
      assert.equal(start['Class'], '0x76706e2d7573657273');
      await new Promise((r) => setTimeout(r, 1100));
      svc.ikeSaRemoved(sa, 'deleted by peer');
      const stop = await waitFor('Accounting Stop', () => fr.detailRecords().find((r) => r['Acct-Session-Id'] === sessionId && r['Acct-Status-Type'] === 'Stop'));
      assert.equal(stop['User-Name'], 'alice');
      assert.equal(stop['Acct-Terminate-Cause'], 'User-Request');
      assert.ok(Number(stop['Acct-Session-Time']) >= 1, `session time ${stop['Acct-Session-Time']}`);
    } finally {
      svc.close();
    }
  });

  it('accounting: an IKE SA rekey carries the session over (no Stop), the successor\'s deletion stops it', async () => {
    const svc = new RadiusService(radiusConf([fr.authPort], [fr.acctPort]), { timeoutMs: 1000 });
    try {
      const spiI = randomBytes(8);
      const sa = new IkeSa(false, spiI, { name: 'rw' } as unknown as Policy, { address: '192.0.2.1', port: 500 }, { address: '198.51.100.10', port: 500 });
      sa.spiR = randomBytes(8);
      const run = await runEap(svc.create('rw', spiI.toString('hex')), 'bob', 'bob-password');
      assert.equal(run.server.kind, 'success');
      const sessionId = `${spiI.toString('hex')}${sa.spiR.toString('hex')}`;
      svc.ikeSaEstablished(sa);
      await waitFor('Start', () => fr.detailRecords().find((r) => r['Acct-Session-Id'] === sessionId && r['Acct-Status-Type'] === 'Start'));
      const next = new IkeSa(false, randomBytes(8), sa.policy, sa.local, sa.remote);
      sa.replacedBy = next;
      svc.ikeSaRemoved(sa, 'rekeyed');
      svc.ikeSaRemoved(next, 'shutting down');
      const stop = await waitFor('Stop', () => fr.detailRecords().find((r) => r['Acct-Session-Id'] === sessionId && r['Acct-Status-Type'] === 'Stop'));
      assert.equal(stop['Acct-Terminate-Cause'], 'Admin-Reboot');
      assert.equal(fr.detailRecords().filter((r) => r['Acct-Session-Id'] === sessionId && r['Acct-Status-Type'] === 'Stop').length, 1);
    } finally {
      svc.close();
    }
  });
});
