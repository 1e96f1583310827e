import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowShares, flowKey, type FlowSelector, type FlowTemplate } from '../../src/platform/flow-shares';
import type { KernelFlowSpec } from '../../src/platform/types';

type Held = FlowTemplate & FlowSelector;
const SEL: FlowSelector = { src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 0 };
const t = (reqid: number, tunnelDst = '192.0.2.2', sel: FlowSelector = SEL): Held => ({ ...sel, reqid, tunnelSrc: '192.0.2.1', tunnelDst, protocol: 'esp', mode: 'tunnel' });

test('flow key: selector only (direction, networks, protocol, ports), not the template', () => {
  const f: KernelFlowSpec = { dir: 'out', src: '10.1.0.0/24', dst: '10.2.0.0/24', proto: 6, dport: 443, tunnelSrc: 'a', tunnelDst: 'b', protocol: 'esp', mode: 'tunnel', reqid: 1 };
  assert.equal(flowKey(f), flowKey({ ...f, reqid: 2, tunnelDst: 'c' }));
  assert.notEqual(flowKey(f), flowKey({ ...f, dir: 'in' }));
  assert.notEqual(flowKey(f), flowKey({ ...f, dport: 80 }));
});

test('holders in any order of removal: the policy always carries the newest remaining template', () => {
  // every permutation of removing 4 holders (two of them with the same template)
  const tmpl = [t(1), t(2), t(2), t(3, '192.0.2.9')];
  const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x) => perms(xs.filter((y) => y !== x)).map((p) => [x, ...p])));
  for (const order of perms([0, 1, 2, 3])) {
    const s = new FlowShares<Held>();
    let kernel: FlowTemplate | undefined;
    const apply = (c: ReturnType<typeof s.add>): void => {
      if (!c) return;
      kernel = c.op === 'delete' ? undefined : c.flow;
    };
    for (const x of tmpl) apply(s.add(x));
    assert.deepEqual(kernel, tmpl[3]);
    const live = [0, 1, 2, 3];
    for (const i of order) {
      const c = s.remove(tmpl[i]);
      assert.notEqual(c, 'missing');
      apply(c as ReturnType<typeof s.add>);
      live.splice(live.indexOf(i), 1);
      const want = live.length ? tmpl[Math.max(...live)] : undefined;
      assert.deepEqual(kernel, want, `order ${order}: after removing ${i}`);
      assert.equal(s.holders(SEL), live.length);
    }
    assert.equal(s.size, 0);
  }
});

test('a template nobody holds is missing; an identical second holder changes nothing in the kernel', () => {
  const s = new FlowShares<Held>();
  assert.equal(s.remove(t(1)), 'missing');
  assert.deepEqual(s.add(t(1)), { op: 'add', flow: t(1) });
  assert.equal(s.add(t(1)), undefined);
  assert.equal(s.remove(t(5)), 'missing');
  assert.equal(s.remove(t(1)), undefined);
  assert.deepEqual(s.remove(t(1)), { op: 'delete', flow: t(1) });
});

test('selectors are told apart by networks, protocol and ports (no port counts as 0), not by the template', () => {
  const s = new FlowShares<Held>();
  const other: FlowSelector = { ...SEL, dport: 443 };
  assert.deepEqual(s.add(t(1)), { op: 'add', flow: t(1) });
  assert.deepEqual(s.add(t(2, '192.0.2.2', other)), { op: 'add', flow: t(2, '192.0.2.2', other) });
  assert.equal(s.add(t(1, '192.0.2.2', { ...SEL, sport: 0, dport: 0 })), undefined, 'ports 0 = no ports: the same selector');
  assert.equal(s.size, 2);
  assert.equal(s.holders(SEL), 2);
  assert.equal(s.holders(other), 1);
  assert.equal(s.installed(other)?.reqid, 2);
  assert.equal(s.remove(t(2)), 'missing', 'reqid 2 holds the other selector only');
  assert.deepEqual(s.remove(t(2, '192.0.2.2', other)), { op: 'delete', flow: t(2, '192.0.2.2', other) });
  assert.equal(s.holders(other), 0);
  assert.equal(s.holders(SEL), 2);
});
