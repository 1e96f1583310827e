import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalUsersBackendFactory } from '../../src/eap/local-backend';
import { EapMschapV2Client } from '../../src/eap/eap-client';
import type { EapStep } from '../../src/ikev2/exchange/eap-backend';
import { decodeEap } from '../../src/ikev2/payloads/eap-message';
import { EAP_CODE } from '../../src/wire/iana';

const users = [{ name: 'alice', password: 'wonder land', file: 'x', line: 1 }];

async function converse(identity: string, password: string): Promise<{ server: EapStep; client: ReturnType<EapMschapV2Client['handle']>; rounds: number }> {
  const server = new LocalUsersBackendFactory(users).create('rw', '00');
  const client = new EapMschapV2Client(identity, password);
  let s = await server.start('alice');
  let rounds = 0;
  for (;;) {
    rounds++;
    const c = client.handle(s.message);
    if (s.kind !== 'request') return { server: s, client: c, rounds };
    if (c.kind !== 'response') {
      server.close('aborted');
      return { server: s, client: c, rounds };
    }
    s = await server.step(c.message);
  }
}

test('EAP-MSCHAPv2 client against the local users server: success, same MSK on both sides', async () => {
  const r = await converse('alice', 'wonder land');
  assert.equal(r.server.kind, 'success');
  assert.equal(r.client.kind, 'success');
  assert.equal(r.rounds, 4); // identity, challenge, success, EAP-Success
  if (r.server.kind !== 'success' || r.client.kind !== 'success') return;
  assert.equal(r.server.identity, 'alice');
  assert.equal(r.server.msk.length, 64);
  assert.deepEqual(r.server.msk, r.client.msk);
  assert.equal(decodeEap(r.server.message).code, EAP_CODE.SUCCESS);
});

test('wrong password: EAP-Failure at once, both sides fail', async () => {
  const r = await converse('alice', 'wrong');
  assert.equal(r.server.kind, 'failure');
  if (r.server.kind === 'failure') assert.match(r.server.reason, /wrong password for user 'alice'/);
  assert.equal(r.client.kind, 'failure');
  if (r.client.kind === 'failure') assert.match(r.client.reason, /EAP-Failure/);
  assert.equal(r.rounds, 3, 'identity, challenge, then EAP-Failure right after the MSCHAPv2 response');
});

test('unknown user fails', async () => {
  const r = await converse('bob', 'x');
  assert.equal(r.server.kind, 'failure');
  if (r.server.kind === 'failure') assert.match(r.server.reason, /unknown user 'bob'/);
});

test('client rejects a server that does not know the password (bad authenticator response)', async () => {
  const server = new LocalUsersBackendFactory([{ name: 'alice', password: 'p1', file: 'x', line: 1 }]).create('rw', '00');
  const client = new EapMschapV2Client('alice', 'p1');
  let s = await server.start('alice');
  let c = client.handle(s.message);
  assert.equal(c.kind, 'response');
  if (c.kind !== 'response') return;
  s = await server.step(c.message);
  c = client.handle(s.message);
  if (c.kind !== 'response') return assert.fail('expected a response');
  s = await server.step(c.message);
  // tamper with the S= value of the MSCHAPv2 success request
  const tampered = Buffer.from(s.message);
  const at = tampered.indexOf('S=') + 2;
  tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
  const r = client.handle(tampered);
  assert.equal(r.kind, 'failure');
  if (r.kind === 'failure') assert.match(r.reason, /authenticator response is wrong/);
});

test('server: wrong identifier and garbage end the conversation', async () => {
  const server = new LocalUsersBackendFactory(users).create('rw', '00');
  const s = await server.start('alice');
  const id = decodeEap(s.message).identifier;
  const bad = Buffer.from([2, (id + 1) & 0xff, 0, 10, 1, 0x61, 0x6c, 0x69, 0x63, 0x65]);
  const r = await server.step(bad);
  assert.equal(r.kind, 'failure');
  const server2 = new LocalUsersBackendFactory(users).create('rw', '00');
  await server2.start('alice');
  const r2 = await server2.step(Buffer.from([2, 0]));
  assert.equal(r2.kind, 'failure');
});

test('client acknowledges an MSCHAPv2 Failure request (E=691) and fails on EAP-Failure', async () => {
  const { encodeEap } = await import('../../src/ikev2/payloads/eap-message');
  const { encodeMschap } = await import('../../src/eap/mschapv2-packet');
  const client = new EapMschapV2Client('alice', 'x');
  const ch = encodeEap({ code: 1, identifier: 5, type: 26, data: encodeMschap({ op: 'challenge', id: 5, challenge: Buffer.alloc(16, 7), name: 'srv' }) });
  assert.equal(client.handle(ch).kind, 'response');
  const fail = encodeEap({ code: 1, identifier: 6, type: 26, data: encodeMschap({ op: 'failure', id: 5, message: 'E=691 R=0 C=00000000000000000000000000000000 V=3 M=no' }) });
  const ack = client.handle(fail);
  assert.equal(ack.kind, 'response');
  if (ack.kind === 'response') assert.deepEqual(decodeEap(ack.message).data, Buffer.from([4]));
  const end = client.handle(Buffer.from([4, 6, 0, 4]));
  assert.equal(end.kind, 'failure');
  if (end.kind === 'failure') assert.match(end.reason, /E=691/);
});
