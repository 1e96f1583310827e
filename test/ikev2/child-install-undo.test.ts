/**
 * A Child SA whose kernel calls fail in part: what did go in is taken out again
 * (installChild), and a removal logs each call that failed (uninstallChild). The
 * failing call fails at once while the others are still pending.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePair, establish, shutdownAll, waitFor, tail, established } from '../helpers/engine-pair';
import type { KernelAdapter, KernelFlowSpec } from '../../src/platform/types';
import type { DecoupledAdapter } from '../../src/platform/decoupled';

const IKESA = 'enc aes-128-gcm prf hmac-sha2-256 group curve25519';
const CHILDSA = 'enc aes-128-gcm';

/** `k`, with every call done 5 ms later, except those `fails` picks, which reject at once. */
function failingKernel(k: DecoupledAdapter, fails: (op: string, arg: unknown) => boolean): KernelAdapter {
  const later = <T>(f: () => Promise<T>): Promise<T> => new Promise((r) => setTimeout(r, 5)).then(f);
  const call = <T>(op: string, arg: unknown, f: () => Promise<T>): Promise<T> => (fails(op, arg) ? Promise.reject(new Error(`${op} refused (test)`)) : later(f));
  return {
    name: k.name,
    supports: (e, i, esn) => k.supports(e, i, esn),
    allocSpi: (p, s, d) => k.allocSpi(p, s, d),
    addSa: (x) => call('addSa', x, () => k.addSa(x)),
    updateSa: (x) => k.updateSa(x),
    deleteSa: (p, d, spi) => call('deleteSa', d, () => k.deleteSa(p, d, spi)),
    addFlow: (f) => call('addFlow', f, () => k.addFlow(f)),
    deleteFlow: (f) => call('deleteFlow', f, () => k.deleteFlow(f)),
    getCounters: (p, d, spi) => k.getCounters(p, d, spi),
    flush: () => k.flush(),
    onEvent: (cb) => k.onEvent(cb),
    close: () => k.close(),
  };
}

test('a refused flow: the SAs and flows that went in are removed, the peer gets TEMPORARY_FAILURE', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  p.b.engine.kernel = failingKernel(p.b.kernel, (op, arg) => op === 'addFlow' && (arg as KernelFlowSpec).dir === 'fwd');
  try {
    const sa = await p.a.engine.initiate(p.a.engine.policies[0]);
    assert.ok(sa);
    await waitFor(() => p.a.lines.some((l) => l.includes('no Child SA: peer answered TEMPORARY_FAILURE')), () => `${tail(p.a)}; ${tail(p.b)}`);
    assert.ok(p.b.lines.some((l) => l.includes('Child SA setup failed: addFlow refused (test)')), tail(p.b));
    // the two SAs and the out and in flows went in; all four are gone again
    await waitFor(() => p.b.kernel.listSas().length === 0 && p.b.kernel.listFlows().length === 0, () => `responder kernel emptied: ${JSON.stringify(p.b.kernel.listFlows())}`);
    assert.equal(established(p.b).length, 1);
    assert.equal(established(p.b)[0].children.length, 0);
    assert.equal(p.b.engine.stats.childSasInstalled, 0);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});

test('a removal logs each kernel call that failed and still removes the rest', async () => {
  const p = makePair({ ikesa: IKESA, childsa: CHILDSA });
  try {
    const { ib } = await establish(p);
    const peer = ib.remote.address;
    p.b.engine.kernel = failingKernel(p.b.kernel, (op, arg) => op === 'deleteSa' && arg === peer);
    const spiIn = ib.children[0].spiIn;
    p.b.engine.deleteIkeSa(ib, 'test', false);
    await waitFor(() => p.b.kernel.listFlows().length === 0 && p.b.kernel.listSas().length === 1, () => `removal done: ${tail(p.b)}`);
    const failed = p.b.lines.filter((l) => l.includes(`removing Child SA 0x${spiIn.toString(16).padStart(8, '0')}: deleteSa refused (test)`));
    assert.equal(failed.length, 1, tail(p.b));
    assert.equal(p.b.kernel.listSas()[0].dst, peer);
  } finally {
    await shutdownAll(p.net, p.a, p.b);
  }
});
