/**
 * Certificate revocation between two iked daemons in namespaces: the
 * responder has $IKED_DIR/crls/ca.crl revoking the initiator's certificate
 * (made with `openssl ca -revoke` + `-gencrl`) -> AUTHENTICATION_FAILED and
 * no SA; `set ocsp` with an `openssl ocsp` responder in the responder's
 * namespace saying "revoked" -> the same; without the CRL -> the SA comes up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopAvailable } from './lib/netns';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, ikedConf, makePki, ikedDirFor, oursEstablished, makeTwoHosts, IkedProcess, Pki } from './lib/scenario';

const skip = interopAvailable();

/** `openssl ca -revoke` the certificate of `name` and write DIR/crls/ca.crl. */
function revokeInto(pki: Pki, name: string, ikedDir: string): void {
  const ca = join(pki.dir, 'openssl-ca');
  mkdirSync(ca, { recursive: true });
  writeFileSync(join(ca, 'index.txt'), '');
  writeFileSync(join(ca, 'crlnumber'), '01\n');
  writeFileSync(
    join(ca, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = rig',
      '[rig]',
      `database = ${ca}/index.txt`,
      `crlnumber = ${ca}/crlnumber`,
      `certificate = ${pki.dir}/ca.crt`,
      `private_key = ${pki.dir}/ca.key`,
      'default_md = sha256',
      'default_crl_days = 1',
      '',
    ].join('\n'),
  );
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  run(['ca', '-config', join(ca, 'ca.cnf'), '-revoke', join(pki.dir, `${name}.crt`), '-crl_reason', 'keyCompromise']);
  mkdirSync(join(ikedDir, 'crls'), { recursive: true });
  run(['ca', '-config', join(ca, 'ca.cnf'), '-gencrl', '-out', join(ikedDir, 'crls', 'ca.crl')]);
}

interface Started {
  a: IkedProcess;
  b: IkedProcess;
  done: () => Promise<void>;
}

async function run(prefix: string, pki: Pki, withCrl: boolean, ocsp = false): Promise<Started> {
  const topo = await makeTwoHosts(prefix);
  const { a: A, b: B } = topo;
  const ike = IKE_PROPOSALS[0].iked;
  const esp = ESP_PROPOSALS[0].iked;
  const auth = { kind: 'cert', keyType: 'ecdsa' } as const;
  const dirA = ikedDirFor(pki, 'a.test');
  const dirB = ikedDirFor(pki, 'b.test');
  if (withCrl || ocsp) revokeInto(pki, 'a.test', dirB);
  if (ocsp) rmSync(join(dirB, 'crls'), { recursive: true, force: true }); // OCSP alone decides
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  let responder: ChildProcess | undefined;
  const port = 18000 + Math.floor(Math.random() * 2000);
  const done = async (): Promise<void> => {
    if (responder && responder.exitCode === null) responder.kill('SIGTERM');
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  };
  try {
    if (ocsp) {
      // `openssl ocsp` inside B's namespace, answering from the index that revokes a.test
      const ca = join(pki.dir, 'openssl-ca');
      responder = spawn('ip', ['netns', 'exec', B.ns, 'openssl', 'ocsp', '-index', join(ca, 'index.txt'), '-port', String(port), '-rsigner', join(pki.dir, 'ca.crt'), '-rkey', join(pki.dir, 'ca.key'), '-CA', join(pki.dir, 'ca.crt'), '-nmin', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      responder.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      responder.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 100 && !/ACCEPT|waiting/.test(out); i++) {
        if (responder.exitCode !== null) throw new Error(`openssl ocsp exited: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    b = await IkedProcess.start({
      ns: B.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: false, local: B.addr, peer: A.addr, localLan: B.lan, remoteLan: A.lan, ike, esp, srcid: 'b.test', dstid: 'a.test', auth, globals: ocsp ? [`set ocsp "http://${B.addr}:${port}/" tolerate 30`] : [] }),
      env: { IKED_DIR: dirB },
      extraArgs: ['-vv'],
    });
    a = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike, esp, srcid: 'a.test', dstid: 'b.test', auth }),
      env: { IKED_DIR: dirA },
    });
  } catch (e) {
    await done();
    throw e;
  }
  return { a, b, done };
}

test('iked <-> iked: certificate revocation by CRL and OCSP', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makePki('ecdsa', ['a.test', 'b.test']);
  try {
    await t.test('the initiator is revoked in the responder\'s crls/ca.crl: AUTHENTICATION_FAILED, no SA', { timeout: 40_000 }, async () => {
      const { a, b, done } = await run('irv1', pki, true);
      try {
        await b.waitForLog(/revoked by CRL of .*CA/, 20_000);
        assert.match(b.log(), /certificate .*CN=a\.test.*\(serial 0x[0-9a-f]+\) revoked by CRL of/);
        await a.waitForLog(/AUTH(ENTICATION)?_FAILED/, 10_000);
        await new Promise((r) => setTimeout(r, 1000));
        assert.deepEqual((await a.showSa()).filter((s) => s.state === 'ESTABLISHED'), []);
        assert.deepEqual((await b.showSa()).filter((s) => s.state === 'ESTABLISHED'), []);
      } finally {
        await done();
      }
    });
    await t.test('set ocsp: the responder says revoked: AUTHENTICATION_FAILED, no SA', { timeout: 40_000 }, async () => {
      const { a, b, done } = await run('irv3', pki, false, true);
      try {
        await b.waitForLog(/revoked according to OCSP/, 20_000);
        await a.waitForLog(/AUTH(ENTICATION)?_FAILED/, 10_000);
        assert.deepEqual((await a.showSa()).filter((s) => s.state === 'ESTABLISHED'), []);
      } finally {
        await done();
      }
    });
    await t.test('without the CRL: the SA is established', { timeout: 40_000 }, async () => {
      const { a, b, done } = await run('irv2', pki, false);
      try {
        const sa = await oursEstablished(a);
        const sb = await oursEstablished(b);
        assert.equal(sa.ikeSpiI, sb.ikeSpiI);
      } finally {
        await done();
      }
    });
  } finally {
    rmSync(pki.dir, { recursive: true, force: true });
  }
});
