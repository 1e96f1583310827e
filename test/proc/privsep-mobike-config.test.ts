/**
 * Privsep messages for MOBIKE address changes and client configuration
 * (`iface`): their checks (oversized / malformed bodies rejected, fatal on a
 * real channel), the `ip` commands built from a plan, and the parent's
 * ClientConfigService rules (policy ifaces only, source among the addresses,
 * remove only what was applied).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameChannel } from '../../src/proc/privsep/frame-channel';
import { IpcCheckError } from '../../src/proc/privsep/check';
import { M, MAX_ADDRESSES, MAX_CFG_ROUTES, addressChangeCheck, cidr, clientConfigPlanCheck, configReportCheck, ifaceName } from '../../src/proc/privsep/messages';
import { ClientConfigService, parentConfigSystem } from '../../src/proc/privsep/client-config-service';
import { applyPlan } from '../../src/ikev2/exchange/config-apply';
import { ipApplyCommands, ipRemoveCommands, ClientConfigPlan, ClientConfigSystem, ConfigReport } from '../../src/platform/client-config';
import { createLogger } from '../../src/log/logger';

const rejects = (f: () => unknown, re: RegExp): void => assert.throws(f, (e: unknown) => e instanceof IpcCheckError && re.test(e.message));

test('engine.addresses: a well-formed change passes, malformed and oversized ones are rejected', () => {
  const ok = { present: ['192.0.2.11', '2001:db8::1'], removed: ['192.0.2.1'], sockets: [{ address: '192.0.2.11', port: 500 }, { address: '192.0.2.11', port: 4500 }] };
  assert.deepEqual(addressChangeCheck(ok, 'm'), ok);
  rejects(() => addressChangeCheck({ ...ok, present: ['192.0.2.300'] }, 'm'), /not an IP address/);
  rejects(() => addressChangeCheck({ ...ok, removed: ['-rf'] }, 'm'), /not an IP address/);
  rejects(() => addressChangeCheck({ ...ok, present: ['x'.repeat(100)] }, 'm'), /exceeds 64/);
  rejects(() => addressChangeCheck({ ...ok, sockets: [{ address: '192.0.2.11', port: 0 }] }, 'm'), /outside 1\.\.65535/);
  rejects(() => addressChangeCheck({ ...ok, sockets: [{ address: '192.0.2.11', port: 500, fd: 3 }] }, 'm'), /unexpected field 'fd'/);
  rejects(() => addressChangeCheck({ ...ok, present: Array.from({ length: MAX_ADDRESSES + 1 }, () => '10.0.0.1') }, 'm'), /exceeds 4096/);
  rejects(() => addressChangeCheck({ present: [], removed: [] }, 'm'), /sockets: expected an array/);
  rejects(() => addressChangeCheck({ ...ok, extra: true }, 'm'), /unexpected field 'extra'/);
});

test('config.apply: interface names, ADDRESS/PREFIX and name servers are checked', () => {
  for (const n of ['rw0', 'eth0.100', 'wg_0', 'br-lan', 'a:b']) assert.equal(ifaceName(n, 'i'), n);
  for (const n of ['', 'rw 0', 'rw0;reboot', 'a'.repeat(16), '-rw0', 'rw0\n', '$(id)', 'eth/0']) rejects(() => ifaceName(n, 'i'), /not an interface name|exceeds 15/);
  for (const c of ['10.2.100.1/32', '10.1.0.0/24', '2001:db8::1/128']) assert.equal(cidr(c, 'c'), c);
  for (const c of ['10.2.100.1', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/0', 'foo/24', '10.0.0.1/24 dev lo', '--help/8', '010.0.0.1/8']) rejects(() => cidr(c, 'c'), /ADDRESS\/PREFIX|out of range/);
  const ok: ClientConfigPlan = { iface: 'rw0', addresses: ['10.2.100.1/32'], routes: ['10.1.0.0/24'], src: '10.2.100.1', dns: ['10.2.0.53'] };
  assert.deepEqual(clientConfigPlanCheck(ok, 'p'), ok);
  const { src: _src, ...noSrc } = ok;
  assert.deepEqual(clientConfigPlanCheck(noSrc, 'p'), noSrc);
  rejects(() => clientConfigPlanCheck({ ...ok, iface: 'rw0 up' }, 'p'), /not an interface name/);
  rejects(() => clientConfigPlanCheck({ ...ok, dns: ['ns.example'] }, 'p'), /not an IP address/);
  rejects(() => clientConfigPlanCheck({ ...ok, src: '10.2.100.1/32' }, 'p'), /not an IP address/);
  rejects(() => clientConfigPlanCheck({ ...ok, routes: Array.from({ length: MAX_CFG_ROUTES + 1 }, () => '10.1.0.0/24') }, 'p'), /exceeds 256/);
  rejects(() => clientConfigPlanCheck({ ...ok, addresses: '10.2.100.1/32' }, 'p'), /expected an array/);
  rejects(() => clientConfigPlanCheck({ ...ok, cmd: 'rm -rf /' }, 'p'), /unexpected field 'cmd'/);
  rejects(() => configReportCheck({ info: [1], warnings: [] }, 'r'), /expected a string/);
});

test('the ip commands of a plan: argument lists, routes only of the source family', () => {
  const plan = applyPlan(
    'rw0',
    { addresses: [{ addr: '10.2.100.1', prefixLen: 32 }], dns: ['10.2.0.53'], nbns: [], dhcp: [], subnets: [], accessServers: [] },
    [
      { start: Buffer.from([10, 1, 0, 0]), end: Buffer.from([10, 1, 0, 255]) },
      { start: Buffer.from([0, 0, 0, 0]), end: Buffer.from([255, 255, 255, 255]) },
    ],
  );
  assert.deepEqual(plan, { iface: 'rw0', addresses: ['10.2.100.1/32'], routes: ['10.1.0.0/24'], src: '10.2.100.1', dns: ['10.2.0.53'] });
  assert.deepEqual(clientConfigPlanCheck(plan, 'p'), plan, 'what the engine builds passes the parent check');
  assert.deepEqual(ipApplyCommands(plan), [
    ['addr', 'replace', '10.2.100.1/32', 'dev', 'rw0'],
    ['route', 'replace', '10.1.0.0/24', 'dev', 'rw0', 'src', '10.2.100.1'],
  ]);
  assert.deepEqual(ipRemoveCommands(plan), [
    ['route', 'del', '10.1.0.0/24', 'dev', 'rw0'],
    ['addr', 'del', '10.2.100.1/32', 'dev', 'rw0'],
  ]);
  assert.deepEqual(ipApplyCommands({ ...plan, routes: ['2001:db8::/64'] }).length, 1, 'no IPv6 route with an IPv4 source');
});

function fakeSystem(): ClientConfigSystem & { calls: string[] } {
  const calls: string[] = [];
  const r = (what: string) => async (p: ClientConfigPlan): Promise<ConfigReport> => {
    calls.push(`${what} ${p.iface} ${p.addresses.join(',')}`);
    return { info: [`${what} ${p.iface}`], warnings: [] };
  };
  return { calls, apply: r('apply'), remove: r('remove') };
}

const quietLog = () => createLogger({ foreground: true, verbose: 0, stderr: { write: () => undefined } });

test('the parent applies only on policy ifaces, checks the source, removes only what it applied', async () => {
  const sys = fakeSystem();
  const svc = new ClientConfigService(() => new Set(['rw0']), quietLog(), sys);
  const plan: ClientConfigPlan = { iface: 'rw0', addresses: ['10.2.100.1/32'], routes: ['10.1.0.0/24'], src: '10.2.100.1', dns: [] };
  await assert.rejects(svc.apply({ ...plan, iface: 'eth0' }), /eth0 is not the iface of any policy/);
  await assert.rejects(svc.apply({ ...plan, src: '192.0.2.1' }), /route source 192\.0\.2\.1 is not one of the assigned addresses/);
  await assert.rejects(svc.remove(plan), /no configuration of rw0 .* was applied/);
  assert.deepEqual(sys.calls, []);
  assert.deepEqual(await svc.apply(plan), { info: ['apply rw0'], warnings: [] });
  await assert.rejects(svc.remove({ ...plan, addresses: ['10.9.9.9/32'], src: '10.9.9.9' }), /was applied/, 'a different address is not removed');
  await svc.remove(plan);
  await assert.rejects(svc.remove(plan), /was applied/, 'removed once');
  await svc.apply(plan);
  await svc.removeAll();
  assert.deepEqual(sys.calls, ['apply rw0 10.2.100.1/32', 'remove rw0 10.2.100.1/32', 'apply rw0 10.2.100.1/32', 'remove rw0 10.2.100.1/32']);
});

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privsep-cfg-'));
  const p = path.join(dir, 's');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(p, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.createConnection(p);
  await new Promise<void>((r) => client.once('connect', () => r()));
  const other = await accepted;
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [client, other];
}

test('over a real channel: the engine proxy round trip, and a malformed request is fatal in the parent', async () => {
  const [x, y] = await socketPair();
  const fatal: string[] = [];
  const engineSide = new FrameChannel(x, { name: 'parent->engine', onFatal: (r) => fatal.push(`engine: ${r}`) });
  const parentSide = new FrameChannel(y, { name: 'engine->parent', onFatal: (r) => fatal.push(`parent: ${r}`) });
  try {
    const sys = fakeSystem();
    new ClientConfigService(() => new Set(['rw0']), quietLog(), sys).attach(parentSide);
    const proxy = parentConfigSystem(engineSide);
    const plan: ClientConfigPlan = { iface: 'rw0', addresses: ['10.2.100.1/32'], routes: [], src: '10.2.100.1', dns: ['10.2.0.53'] };
    assert.deepEqual(await proxy.apply(plan), { info: ['apply rw0'], warnings: [] });
    assert.deepEqual(await proxy.remove(plan), { info: ['remove rw0'], warnings: [] });
    await assert.rejects(proxy.apply({ ...plan, iface: 'lo' }), /lo is not the iface of any policy/, 'a refused request is an error reply, not fatal');
    assert.deepEqual(fatal, []);
    void engineSide.request(M.cfgApply, { ...plan, iface: 'rw0;reboot' }, configReportCheck).catch(() => undefined);
    const end = Date.now() + 3000;
    while (!fatal.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.match(fatal[0] ?? '', /^parent: .*config\.apply\.iface: 'rw0;reboot' is not an interface name/);
    assert.deepEqual(sys.calls, ['apply rw0 10.2.100.1/32', 'remove rw0 10.2.100.1/32'], 'nothing ran for the malformed request');
  } finally {
    engineSide.close();
    parentSide.close();
  }
});
