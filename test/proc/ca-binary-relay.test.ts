/**
 * The real ca process over the binary ca.verify-sign relay: the peer is verified
 * (a raw public key of DIR/pubkeys) and ours signed in one round trip; a peer that
 * does not verify gets nothing signed; a body over a limit is fatal for the ca.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { FrameChannel } from '../../src/proc/privsep/frame-channel';
import { AuthProxy } from '../../src/proc/privsep/auth-proxy';
import { spawnChild } from '../../src/proc/privsep/spawn-child';
import { ByteWriter } from '../../src/proc/privsep/byte-writer';
import { decodeVerifiedAndSigned, encodeVerifySignRequest } from '../../src/proc/privsep/auth-codec';
import { CA_VERIFY_SIGN, M, MAX_FRAME, certstoreCheck } from '../../src/proc/privsep/messages';
import { signAuth, verifyAuth } from '../../src/crypto/auth-signature';
import { rawPublicKeyData } from '../../src/crypto/keystore';
import { AUTH, CERT, ID } from '../../src/wire/iana';
import type { PolicyConf } from '../../src/conf/types';
import type { SignArgs, VerifyArgs } from '../../src/ikev2/policy/auth-provider';

test('ca process: verify-sign as one binary round trip; a malformed body is fatal', { timeout: 30_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privsep-ca-bin-'));
  fs.mkdirSync(path.join(dir, 'private'), { mode: 0o700 });
  fs.mkdirSync(path.join(dir, 'pubkeys', 'fqdn'), { recursive: true });
  const ours = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(path.join(dir, 'private', 'local.key'), ours.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'pubkeys', 'fqdn', 'peer.test'), peer.publicKey.export({ type: 'spki', format: 'pem' }));
  const fatal: string[] = [];
  const ca = spawnChild({
    args: { role: 'ca', foreground: true, verbose: 0 },
    maxFrame: MAX_FRAME.parentCa,
    extra: ['pipe'],
    onFatal: (m) => fatal.push(m),
    onClose: () => undefined,
  });
  const link = new FrameChannel((ca.proc.stdio as unknown as Socket[])[5], { name: 'test-engine', maxFrame: MAX_FRAME.engineCa, onFatal: (m) => fatal.push(m) });
  const auth = new AuthProxy(link);
  t.after(() => {
    ca.proc.kill('SIGKILL');
    link.close();
    ca.channel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const policy = { name: 'p', auth: { method: 'ecdsa256' }, authExplicit: false } as unknown as PolicyConf;
  await ca.channel.request(M.caInit, { dir, policies: [policy] }, certstoreCheck);
  await auth.ready();

  const peerOctets = Buffer.from('the peer AUTH octets');
  const v: VerifyArgs = {
    policy: 'p',
    remoteId: { type: ID.FQDN, data: Buffer.from('peer.test') },
    method: AUTH.ECDSA_SHA256_P256,
    data: signAuth(peer.privateKey, peerOctets, AUTH.ECDSA_SHA256_P256),
    octets: peerOctets,
    certs: [{ encoding: CERT.RAW_PUBKEY, data: rawPublicKeyData(peer.publicKey) }],
  };
  const s: SignArgs = { policy: 'p', localId: { type: ID.FQDN, data: Buffer.from('us.test') }, octets: Buffer.from('our AUTH octets'), peerHashAlgs: [] };
  const r = await auth.verifyThenSign(v, s);
  assert.deepEqual(r.verified, { ok: true });
  assert.ok(r.signed);
  assert.equal(r.signed.method, AUTH.ECDSA_SHA256_P256);
  assert.equal(verifyAuth(ours.publicKey, r.signed.method, r.signed.data, s.octets).ok, true);
  assert.equal(r.signed.certs[0].encoding, CERT.RAW_PUBKEY); // no certificate: our raw public key

  const bad = await auth.verifyThenSign({ ...v, octets: Buffer.from('other octets') }, s);
  assert.equal(bad.verified.ok, false);
  assert.equal(bad.signed, null);
  assert.deepEqual(fatal, []);

  // the same request with a policy name over 256 characters (written past the encoder's own limit)
  const body = encodeVerifySignRequest({ v, s });
  const w = new ByteWriter();
  w.text('p'.repeat(257), 2);
  w.bytes(body.subarray(2 + 1));
  const exited = new Promise<number | null>((res) => ca.proc.once('exit', (code) => res(code)));
  const refused = assert.rejects(link.requestBinary(CA_VERIFY_SIGN, Buffer.from(w.done()), decodeVerifiedAndSigned), /closed before the reply/);
  assert.equal(await exited, 1);
  await refused;
});
