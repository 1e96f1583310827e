/**
 * Certificate chains: leaves issued by an intermediate CA, only the root trusted.
 * Each side must send its intermediate in a CERT payload and verify the other's
 * chain up to the root (iked <-> strongSwan, both roles).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopAvailable } from './lib/netns';
import { compareSa } from './lib/iked-process';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, ikedConf, swanConf, oursEstablished, theirsEstablished, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();

function chainPki(): { dir: string; read: (f: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'iked-chain-'));
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.crt', '-days', '30', '-subj', '/O=iked-chain/CN=Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-new', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/O=iked-chain/CN=Intermediate CA']);
  writeFileSync(join(dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  run(['x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.crt', '-days', '30', '-extfile', 'int.ext']);
  for (const n of ['a.test', 'b.test']) {
    run(['req', '-new', ...ec, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/O=iked-chain/CN=${n}`]);
    writeFileSync(join(dir, `${n}.ext`), `subjectAltName=DNS:${n}\n`);
    run(['x509', '-req', '-in', `${n}.csr`, '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', `${n}.crt`, '-days', '30', '-extfile', `${n}.ext`]);
  }
  return { dir, read: (f) => readFileSync(join(dir, f), 'utf8') };
}

test('certificate chains with an intermediate CA, iked <-> strongSwan', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = chainPki();
  // ours: only the root is trusted; our leaf and the intermediate are in certs/
  const ikedDir = mkdtempSync(join(tmpdir(), 'iked-chain-dir-'));
  for (const s of ['ca', 'certs', 'private']) mkdirSync(join(ikedDir, s), { mode: 0o700 });
  writeFileSync(join(ikedDir, 'ca', 'root.crt'), pki.read('root.crt'));
  writeFileSync(join(ikedDir, 'certs', 'a.test.crt'), pki.read('a.test.crt'));
  writeFileSync(join(ikedDir, 'certs', 'intermediate.crt'), pki.read('int.crt'));
  writeFileSync(join(ikedDir, 'private', 'local.key'), pki.read('a.test.key'), { mode: 0o600 });
  chmodSync(join(ikedDir, 'private', 'local.key'), 0o600);
  for (const role of ['initiator', 'responder'] as const) {
    await t.test(`ours as ${role}`, async () => {
      const topo = await makeTwoHosts(role === 'initiator' ? 'iich1' : 'iich2');
      let iked: IkedProcess | undefined;
      let charon: Charon | undefined;
      try {
        const { a: A, b: B } = topo;
        charon = await Charon.start({
          ns: B.ns,
          name: 'b',
          swanctlConf: swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE_PROPOSALS[0].swan, esp: ESP_PROPOSALS[0].swan, localId: 'b.test', remoteId: 'a.test', auth: { kind: 'cert', keyType: 'ecdsa' } }),
          files: { x509ca: { 'ca.crt': pki.read('root.crt'), 'int.crt': pki.read('int.crt') }, x509: { 'local.crt': pki.read('b.test.crt') }, private: { 'local.key': pki.read('b.test.key') } },
        });
        await charon.loadAll();
        iked = await IkedProcess.start({
          ns: A.ns,
          repoRoot: REPO,
          conf: ikedConf({ active: role === 'initiator', local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE_PROPOSALS[0].iked, esp: ESP_PROPOSALS[0].iked, srcid: 'a.test', dstid: 'b.test', auth: { kind: 'cert', keyType: 'ecdsa' } }),
          env: { IKED_DIR: ikedDir },
          extraArgs: ['-v'],
        });
        if (role === 'responder') {
          const r = await charon.initiate('net', 't');
          assert.equal(r.code, 0, `${r.out}\n--- iked ---\n${iked.log()}`);
        }
        const mine = await oursEstablished(iked).catch((e) => {
          throw new Error(`${(e as Error).message}\n--- iked ---\n${iked!.log()}\n--- charon ---\n${charon!.log().split('\n').slice(-30).join('\n')}`);
        });
        const theirs = await theirsEstablished(charon);
        assert.deepEqual(compareSa(mine, theirs, { initiator: role === 'initiator' ? 'ours' : 'theirs', nat: 'ignore' }), []);
        // charon got our intermediate from us (it also has it locally, so check it parsed two CERTs from us)
        assert.match(charon.log(), /parsed IKE_AUTH (request|response) \d+ \[[^\]]*CERT CERT/, 'we must send leaf and intermediate');
        assert.match(charon.log(), /authentication of 'a\.test' with ECDSA/);
      } finally {
        await iked?.stop();
        await charon?.stop();
        await topo.cleanup();
      }
    });
  }
});
