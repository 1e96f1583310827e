/** verifyThenSign over a provider without the one-call form: verify, then sign only if verified. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyThenSign, AuthProvider, VerifyResult } from '../../src/ikev2/policy/auth-provider';

function fake(result: VerifyResult, calls: string[]): AuthProvider {
  return {
    async sign(policy) {
      calls.push(`sign ${policy}`);
      return { method: 14, data: Buffer.from('sig'), certs: [] };
    },
    async verify(policy) {
      calls.push(`verify ${policy}`);
      return result;
    },
    certRequest: () => null,
    hashAlgorithms: () => [],
  };
}

const v = { policy: 'p', remoteId: { type: 2, data: Buffer.from('peer') }, method: 14, data: Buffer.alloc(1), octets: Buffer.alloc(1), certs: [] };
const s = { policy: 'p', localId: { type: 2, data: Buffer.from('us') }, octets: Buffer.alloc(1), peerHashAlgs: [] };

test('a verified peer: verify then sign', async () => {
  const calls: string[] = [];
  const r = await verifyThenSign(fake({ ok: true }, calls), v, s);
  assert.deepEqual(calls, ['verify p', 'sign p']);
  assert.equal(r.signed?.data.toString(), 'sig');
});

test('a peer that does not verify: nothing signed', async () => {
  const calls: string[] = [];
  const r = await verifyThenSign(fake({ ok: false, reason: 'bad' }, calls), v, s);
  assert.deepEqual(calls, ['verify p']);
  assert.deepEqual(r, { verified: { ok: false, reason: 'bad' }, signed: null });
});

test('a provider with the one-call form is asked once', async () => {
  const calls: string[] = [];
  const p = fake({ ok: true }, calls);
  p.verifyThenSign = async () => {
    calls.push('both');
    return { verified: { ok: true }, signed: null };
  };
  await verifyThenSign(p, v, s);
  assert.deepEqual(calls, ['both']);
});
