/** The bench's pure parts: /proc parsing, machine lines, options, client selectors, and an in-process handshake run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatTicks, parseRssKb, parseStatPpid } from '../../bench/proc-stats';
import { cpuLine, floorLines, memLine, machineLines, pairedRatios, CaseResult, withEarlierRuns } from '../../bench/report';
import { parseBenchArgs } from '../../bench/bench-options';
import { clientSelector, HeldSas, runLoad } from '../../bench/load-initiator';
import { benchCase, ikedResponderConf, swanctlResponderConf } from '../../bench/bench-configs';
import { makePair } from '../../bench/inproc-pair';
import { parseConfigText } from '../../src/conf/load';

test('parseStatTicks sums utime and stime even with spaces and parens in comm', () => {
  const stat = '4242 (node (iked) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 123 45 0 0 20 0 11 0 500 1000 2000';
  assert.equal(parseStatTicks(stat), 168);
  assert.equal(parseStatPpid(stat), 1);
  assert.throws(() => parseStatTicks('garbage'), /no "\)"/);
});

test('parseRssKb reads VmRSS', () => {
  assert.equal(parseRssKb('Name:\tnode\nVmPeak:\t 1 kB\nVmRSS:\t   51234 kB\n'), 51234);
  assert.throws(() => parseRssKb('Name: x\n'), /VmRSS/);
});

test('machine lines have the exact documented shape', () => {
  assert.equal(cpuLine('psk-ecp256', 0.35, 1.2), 'BENCH cpu_ms_per_sa case=psk-ecp256 ours=0.35 charon=1.20 ratio=0.29');
  assert.equal(memLine(50000, 3.2), 'BENCH mem_kb_per_sa sas=50000 ours=3.2');
  assert.equal(cpuLine('psk-modp2048', 0.9, undefined), 'BENCH cpu_ms_per_sa case=psk-modp2048 ours=0.90 charon=n/a ratio=n/a');
  const r = (daemon: 'ours' | 'charon', cpu: number, segs: number[]): CaseResult => ({
    caseName: 'rsa-ecp256', daemon, established: 10, failed: 0, saPerSec: 5, cpuMsPerSa: cpu, cpuMsPerSaMean: cpu, cpuMsPerSaRange: [cpu, cpu], segmentsCpuMsPerSa: segs, warmupCpuMsPerSa: cpu * 2, firstCpuMsPerSa: cpu * 3, rssKbPerSa: 1, retransmits: 0, childSas: 10,
  });
  const ours = r('ours', 1, [1, 0.9, 1.2]);
  const charon = r('charon', 2, [2, 3, 2]);
  const lines = machineLines([ours, charon], null);
  assert.ok(lines.includes('BENCH cpu_ms_per_sa case=rsa-ecp256 ours=1.00 charon=2.00 ratio=0.50'));
  // segment pairs: 1/2, 0.9/3, 1.2/2
  assert.deepEqual(pairedRatios(ours, charon).map((x) => x.toFixed(2)), ['0.50', '0.30', '0.60']);
  assert.ok(lines.includes('BENCH cpu_ratio_segments case=rsa-ecp256 median=0.50 min=0.30 max=0.60 n=3'), lines.join('\n'));
  // the floor against charon, only for the cases that ran
  assert.deepEqual(floorLines({ 'rsa-ecp256': 0.5, 'psk-ecp256': 0.25 }, [ours, charon]), ['BENCH floor_ms_per_sa case=rsa-ecp256 floor=0.50 ours=1.00 charon=2.00 ratio=0.25']);
  assert.deepEqual(floorLines(null, [ours, charon]), []);
});

test('bench options: --quick defaults and errors', () => {
  const q = parseBenchArgs(['--quick']);
  assert.equal(q.quick, true);
  assert.equal(q.hold, 10_000);
  const f = parseBenchArgs(['--cases', 'psk-ecp256', '--count', '7', '--no-charon', '--no-privsep']);
  assert.deepEqual(f.cases, ['psk-ecp256']);
  assert.equal(f.count, 7);
  assert.equal(f.charon, false);
  assert.equal(f.privsep, false);
  assert.equal(parseBenchArgs([]).hold, 50_000);
  assert.throws(() => parseBenchArgs(['--cases', 'nope']), /unknown case 'nope'/);
  assert.throws(() => parseBenchArgs(['--frobnicate']), /unknown option/);
});

test('client selectors are distinct single addresses in 10.64.0.0/10', () => {
  const a = clientSelector(0);
  const b = clientSelector(300);
  assert.deepEqual([...a.startAddr], [10, 64, 0, 0]);
  assert.deepEqual([...b.startAddr], [10, 64, 1, 44]);
  assert.ok(b.startAddr.equals(b.endAddr));
});

test('the generated configurations parse', () => {
  for (const name of ['psk-ecp256', 'rsa-ecp256', 'psk-modp2048'] as const) {
    const r = parseConfigText(ikedResponderConf(benchCase(name), '192.0.2.2'), 'x.conf', { checkPermissions: false, interfaces: () => undefined });
    assert.deepEqual(r.errors, [], name);
    assert.match(swanctlResponderConf(benchCase(name), '192.0.2.2'), name.endsWith('modp2048') ? /aes128-sha256-modp2048/ : /aes128-sha256-ecp256/);
  }
});

test('in-process load: every SA gets an IKE SA and a Child SA on the responder', async () => {
  const pair = makePair(benchCase('psk-ecp256'), 2);
  const r = await runLoad(pair.clients, 20, 4);
  assert.equal(r.established, 20, JSON.stringify(r.failures));
  assert.equal(r.childSas, 20);
  const held = pair.responder.sas.all();
  assert.equal(held.length, 20);
  assert.equal(held.reduce((n, sa) => n + sa.children.length, 0), 20);
  for (const e of [pair.responder, ...pair.clients.map((c) => c.engine)]) await e.shutdown(false);
});

test('in-process churn: with keep, each new SA past the level retires the oldest and the responder holds the level', async () => {
  const pair = makePair(benchCase('psk-ecp256'), 2);
  const held = new HeldSas();
  const fill = await runLoad(pair.clients, 12, 4, 0, undefined, 1000, held);
  assert.equal(fill.established, 12, JSON.stringify(fill.failures));
  assert.equal(held.size, 12);
  const churn = await runLoad(pair.clients, 10, 4, 100, undefined, 1000, held, 12);
  assert.equal(churn.established, 10, JSON.stringify(churn.failures));
  assert.equal(held.size, 12);
  // the retirements' INFORMATIONAL exchanges finish
  for (let i = 0; i < 50 && pair.responder.sas.all().length !== 12; i++) await new Promise((r) => setTimeout(r, 10));
  const left = pair.responder.sas.all();
  assert.equal(left.length, 12);
  // ten of the first twelve went (the oldest by completion), every new one stays
  const ids = new Set(left.map((sa) => sa.remoteId?.data.toString()));
  for (let n = 100; n < 110; n++) assert.ok(ids.has(`c${n}.load.test`), `c${n} is held`);
  assert.equal([...ids].filter((id) => /^c\d\.|^c1[01]\./.test(id ?? '')).length, 2);
  for (const e of [pair.responder, ...pair.clients.map((c) => c.engine)]) await e.shutdown(false);
});

test('withEarlierRuns: the new run goes on top, every earlier run and section stays below it', () => {
  const earlier = '# iked bench results\n\n## `npm run bench`, 2026-01-01\n\nold run\n\n## Soak\n\nsoak section\n';
  const fresh = '# iked bench results\n\n## `npm run bench -- --quick`, 2026-02-02\n\nnew run\n';
  const out = withEarlierRuns(fresh, earlier);
  assert.equal(out.match(/^# iked bench results$/gm)?.length, 1);
  assert.ok(out.indexOf('new run') < out.indexOf('old run'));
  assert.ok(out.includes('## Soak\n\nsoak section'));
  assert.equal(withEarlierRuns(fresh, ''), fresh);
});
