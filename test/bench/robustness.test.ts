/** The robustness benches' pure parts and their attackers, in process (no namespaces, no root). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { robustnessMode } from '../../bench/bench-options';
import { parseRobustnessArgs } from '../../bench/robustness-options';
import { parseUdpSnmp, CASE } from '../../bench/robustness-rig';
import { parseSwanctlStats } from '../../bench/daemon-sampler';
import { summarize } from '../../bench/legit-peers';
import { procSpread, soakVerdicts, SoakResult } from '../../bench/soak-run';
import { garble, isAuthRequest, attackTransport, AuthFloodCounts, AuthFloodKind } from '../../bench/auth-flood-attacker';
import { initTemplates } from '../../bench/flood-templates';
import { GcTrace, parseFullGc } from '../../bench/gc-trace';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopNetwork, responderEngine, SERVER_ADDR, clientAddr } from '../../bench/inproc-pair';
import { BENCH_PSK, ikedClientConf } from '../../bench/bench-configs';
import { LoadClient } from '../../bench/load-initiator';
import { silentLogger } from '../../bench/silent-logger';
import { noCertificates } from '../../src/ikev2/policy/auth-provider';
import { EXCHANGE, FLAG } from '../../src/wire/iana';
import type { Endpoint } from '../../src/wire/endpoint';

test('robustness modes: the first word selects the mode; options and their errors', () => {
  assert.equal(robustnessMode(['flood', '--quick']), 'flood');
  assert.equal(robustnessMode(['--quick']), null);
  const q = parseRobustnessArgs('soak', ['--quick']);
  assert.equal(q.handshakes, 10_000);
  assert.equal(q.checkpoint, 2000);
  const f = parseRobustnessArgs('soak', ['--handshakes', '1000']);
  assert.equal(f.handshakes, 1000);
  assert.equal(f.checkpoint, 1000, 'the checkpoint never exceeds the handshakes');
  assert.equal(parseRobustnessArgs('flood', ['--factor', '5', '--sources', '100', '--no-charon']).factor, 5);
  assert.throws(() => parseRobustnessArgs('flood', ['--bogus']), /unknown flood option '--bogus'/);
  assert.throws(() => parseRobustnessArgs('flood', ['--seconds', 'x']), /non-negative/);
});

test('/proc/net/snmp Udp counters and swanctl --stats are parsed', () => {
  const snmp = 'Ip: Forwarding\nIp: 1\nUdp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 1200 3 40 900 37 0\n';
  assert.deepEqual(parseUdpSnmp(snmp), { inDatagrams: 1200, rcvbufErrors: 37 });
  assert.throws(() => parseUdpSnmp('Ip: x\n'), /no Udp/);
  assert.deepEqual(parseSwanctlStats('uptime: 5 seconds\nIKE_SAs: 12 total, 7 half-open\n'), { ikeSas: 12, halfOpenSas: 7 });
  assert.equal(parseSwanctlStats('nothing'), null);
});

test('legitimate attempts are summarized by the phase they started in', () => {
  const a = [
    { peer: 0, start: 100, ms: 30, ok: true },
    { peer: 1, start: 200, ms: 50, ok: true },
    { peer: 0, start: 300, ms: 900, ok: false },
    { peer: 0, start: 1500, ms: 10, ok: true },
  ];
  const s = summarize(a, 0, 1000);
  assert.equal(s.attempts, 3);
  assert.equal(s.established, 2);
  assert.equal(s.failed, 1);
  assert.equal(s.maxMs, 50);
  assert.equal(s.perSecond, 2);
});

test('soak verdict: growth over 5 % in RSS or descriptors of any process fails, shrinking does not', () => {
  const cp = (n: number, rss: number, fds: number) => ({ handshakes: n, failed: 0, saPerSec: 1, cpuMsPerSa: 1, cpuMsPerSaByRole: {}, stats: null, gc: {}, procs: [{ pid: 1, role: 'engine', rssKb: rss, fds, cpuMs: 0 }] });
  const r = (last: ReturnType<typeof cp>): SoakResult => ({ privsep: true, checkpoints: [cp(20_000, 100_000, 30), last] });
  assert.equal(soakVerdicts(r(cp(200_000, 104_000, 30)))[0].within, true);
  assert.equal(soakVerdicts(r(cp(200_000, 90_000, 30)))[0].within, true);
  assert.equal(soakVerdicts(r(cp(200_000, 106_000, 30)))[0].within, false);
  assert.equal(soakVerdicts(r(cp(200_000, 100_000, 32)))[0].within, false);
});

test('soak spread: a process\'s RSS range over the checkpoints and its median CPU per SA after the first', () => {
  const cp = (n: number, rss: number, cpu: number) => ({ handshakes: n, failed: 0, saPerSec: 1, cpuMsPerSa: 1, cpuMsPerSaByRole: { parent: cpu }, stats: null, gc: {}, procs: [{ pid: 1, role: 'parent', rssKb: rss, fds: 25, cpuMs: 0 }] });
  const r: SoakResult = { privsep: true, checkpoints: [cp(20_000, 100_000, 9), cp(40_000, 110_000, 0.05), cp(60_000, 104_000, 0.07), cp(80_000, 102_000, 0.06)] };
  assert.equal(procSpread(r, 'parent'), 'parent RSS 100000–110000 kB (swing 10.0 %), CPU 0.060 ms/SA (median)');
  assert.equal(procSpread(r, 'ca'), 'ca gone');
});

test('full collections are read from a --trace-gc log as it grows, the latest per process', () => {
  assert.deepEqual(parseFullGc('[12689:0x45145df0]    11228 ms: Mark-Compact 28.5 (48.9) -> 10.4 (48.9) MB, 14.71 / 0.55 ms'), { pid: 12689, ms: 11228, beforeMb: 28.5, afterMb: 10.4, committedMb: 48.9 });
  assert.equal(parseFullGc('[12689:0x45145df0]    11228 ms: Scavenge 28.5 (48.9) -> 27.4 (48.9) MB, 1.1 / 0.0 ms'), null);
  const dir = mkdtempSync(join(tmpdir(), 'gc-trace-'));
  const f = join(dir, 'iked.log');
  writeFileSync(f, '[7:0x1]  100 ms: Mark-Compact 9.0 (12.0) -> 5.0 (12.0) MB, x\nspi=0x1: established\n[8:0x2]  90 ms: Mark-Compact (reduce) 4.0 (6.0) -> 3.0 (6.0) MB, y\n[7:0x1]  2');
  const g = new GcTrace(f);
  assert.equal(g.poll().get(7)?.afterMb, 5.0);
  appendFileSync(f, '00 ms: Mark-Compact 9.5 (12.0) -> 5.5 (12.0) MB, z\n');
  const m = g.poll();
  assert.deepEqual([m.get(7)?.ms, m.get(7)?.afterMb, m.get(8)?.afterMb, g.count(7)], [200, 5.5, 3.0, 2]);
  rmSync(dir, { recursive: true });
});

test('garbage keeps the IKE header and the SK payload header, randomizes the rest, on a copy', () => {
  const p = Buffer.alloc(28 + 4 + 64, 0xab);
  p[18] = EXCHANGE.IKE_AUTH;
  p[19] = FLAG.INITIATOR;
  assert.equal(isAuthRequest(p), true);
  const g = garble(p);
  assert.deepEqual(g.subarray(0, 32), p.subarray(0, 32));
  assert.notDeepEqual(g.subarray(32), p.subarray(32));
  assert.equal(p[40], 0xab);
  p[19] = FLAG.RESPONSE;
  assert.equal(isAuthRequest(p), false);
});

test('flood templates are distinct IKE_SA_INIT requests our responder answers (or cookies past its threshold)', async () => {
  const t = await initTemplates(CASE, clientAddr(0), SERVER_ADDR, 4);
  assert.equal(t.length, 4);
  assert.equal(new Set(t.map((x) => x.toString('hex'))).size, 4);
  const sent: Buffer[] = [];
  const responder = responderEngine(CASE, { send: (b) => void sent.push(b), sourceFor: async () => SERVER_ADDR }, noCertificates, silentLogger());
  (responder.timing as { cookieThreshold: number }).cookieThreshold = 2;
  const spoofed = (k: number): Endpoint => ({ address: `198.18.0.${k + 1}`, port: 500 });
  for (const [k, x] of t.entries()) responder.handleDatagram(x, { address: SERVER_ADDR, port: 500 }, spoofed(k));
  assert.equal(sent.length, 4);
  assert.equal(responder.sas.halfOpen, 2, 'two half-open SAs, then cookies');
  assert.equal(responder.stats.cookiesSent, 2);
  for (const s of sent) assert.equal(s[18], EXCHANGE.IKE_SA_INIT);
  await responder.shutdown(false);
});

async function attackOnce(kind: AuthFloodKind): Promise<{ reason: string; counts: AuthFloodCounts; responder: ReturnType<typeof responderEngine> }> {
  const net = new LoopNetwork();
  const responder = responderEngine(CASE, net.transportFor(), noCertificates, silentLogger());
  net.register(SERVER_ADDR, 500, responder);
  const counts: AuthFloodCounts = { authSent: 0, started: 0, outcomes: {} };
  const conf = ikedClientConf(CASE, clientAddr(0), SERVER_ADDR);
  let client: LoadClient | null = null;
  client = new LoadClient({
    confText: kind === 'wrong-psk' ? conf.replace(BENCH_PSK, 'some-other-psk') : conf,
    transport: attackTransport(kind, net.transportFor(), () => client, counts),
    auth: noCertificates,
    log: silentLogger(),
    perSaIdentity: true,
    initialContact: false,
    timing: { retransmitMs: 5000 },
  });
  net.register(clientAddr(0), 500, client.engine);
  const o = await client.connect(1);
  await new Promise((r) => setTimeout(r, 20));
  await client.engine.shutdown(false);
  return { reason: o.reason, counts, responder };
}

test('wrong-PSK attacker: AUTHENTICATION_FAILED, the responder keeps no SA', async () => {
  const { reason, counts, responder } = await attackOnce('wrong-psk');
  assert.match(reason, /AUTHENTICATION_FAILED/);
  assert.equal(counts.authSent, 1);
  assert.equal(responder.stats.authFailures, 1);
  assert.equal(responder.sas.size, 0);
  await responder.shutdown(false);
});

test('garbage attacker: the responder fails the integrity check and holds one half-open SA', async () => {
  const { reason, counts, responder } = await attackOnce('garbage');
  assert.equal(reason, 'garbage IKE_AUTH sent');
  assert.equal(counts.authSent, 1);
  assert.equal(responder.stats.rxIntegrityFailures, 1);
  assert.equal(responder.sas.halfOpen, 1);
  await responder.shutdown(false);
});
