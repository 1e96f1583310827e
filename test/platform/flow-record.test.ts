/** The decoupled adapter's flow record: one record for a Child SA's out, in and fwd flows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowRecord } from '../../src/platform/flow-record';
import { StringTable } from '../../src/platform/intern';
import { DecoupledAdapter } from '../../src/platform/decoupled';
import type { KernelFlowSpec } from '../../src/platform/types';

const base = { proto: 6, protocol: 'esp', mode: 'tunnel', reqid: 7 } as const;
const out: KernelFlowSpec = { ...base, dir: 'out', src: '10.1.0.0/24', dst: '10.64.0.9/32', sport: 1024, tunnelSrc: '192.0.2.1', tunnelDst: '192.0.2.10' };
const mirror = (dir: 'in' | 'fwd'): KernelFlowSpec => ({ ...base, dir, src: '10.64.0.9/32', dst: '10.1.0.0/24', dport: 1024, tunnelSrc: '192.0.2.10', tunnelDst: '192.0.2.1' });

test('an in or fwd flow is its out flow mirrored: one record stands for all three, each spec rebuilt exactly', () => {
  const strings = new StringTable();
  const r = FlowRecord.of(out, strings);
  for (const f of [mirror('in'), mirror('fwd')]) {
    assert.ok(FlowRecord.of(f).equals(r));
    assert.deepEqual(r.spec(f.dir), f);
  }
  assert.deepEqual(r.spec('out'), out);
  assert.equal(r.sport, 1024);
  assert.equal(r.dport, undefined);
});

test('records differ by any field: template, priority, ports', () => {
  const r = FlowRecord.of(out);
  assert.ok(!FlowRecord.of({ ...out, reqid: 8 }).equals(r));
  assert.ok(!FlowRecord.of({ ...out, priority: 5 }).equals(r));
  assert.ok(!FlowRecord.of({ ...out, dport: 1024 }).equals(r));
  assert.ok(!FlowRecord.of({ ...mirror('in'), tunnelDst: '192.0.2.2' }).equals(r));
});

test('decoupled: a Child SA\'s three flows listed as given, deleted one by one, shared selectors counted per direction', async () => {
  const k = new DecoupledAdapter({ log: () => undefined, logging: () => false });
  const flows = [out, mirror('in'), mirror('fwd')];
  for (const f of flows) await k.addFlow(f);
  assert.deepEqual(k.listFlows().sort((a, b) => a.dir.localeCompare(b.dir)), [...flows].sort((a, b) => a.dir.localeCompare(b.dir)));
  await k.addFlow({ ...out, reqid: 9 });
  assert.equal(k.flowHolders(out), 2);
  assert.equal(k.flowHolders(mirror('in')), 1);
  await k.deleteFlow(mirror('in'));
  assert.equal(k.flowHolders(mirror('in')), 0);
  assert.equal(k.flowHolders(mirror('fwd')), 1);
  await assert.rejects(k.deleteFlow(mirror('in')), /ENOENT/);
  assert.deepEqual(k.listFlows().map((f) => `${f.dir} ${f.reqid}`).sort(), ['fwd 7', 'out 9']);
  await k.close();
});
