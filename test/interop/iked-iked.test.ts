/**
 * Our iked against our iked, two daemons in two namespaces: the same proposal and
 * authentication matrix as against strongSwan, plus rekeys by lifetime and deletes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, Auth, ikedConf, makePki, ikedDirFor, oursEstablished, waitUntil, makeTwoHosts, IkedProcess } from './lib/scenario';
import type { OurSa } from './lib/iked-process';

const skip = interopAvailable();

function assertPair(x: OurSa, y: OurSa): void {
  assert.equal(x.ikeSpiI, y.ikeSpiI);
  assert.equal(x.ikeSpiR, y.ikeSpiR);
  assert.equal(x.initiator, !y.initiator);
  for (const k of ['encr', 'encrKeyBits', 'integ', 'prf', 'dh'] as const) assert.equal(x[k], y[k], k);
  assert.equal(x.children.length, y.children.length);
  for (const c of x.children) {
    const d = y.children.find((o) => o.spiIn === c.spiOut);
    assert.ok(d, `no peer Child SA for ${c.spiIn}/${c.spiOut}`);
    assert.equal(d.spiOut, c.spiIn);
    assert.equal(d.encr, c.encr);
    assert.equal(d.integ, c.integ);
    assert.deepEqual(d.tsLocal, c.tsRemote);
  }
}

/** True when the two views are one pair of SAs (assertPair does not throw). */
function agree(x: OurSa, y: OurSa): boolean {
  try {
    assertPair(x, y);
    return true;
  } catch {
    return false;
  }
}

/**
 * Both daemons' views of one IKE SA, read back to back until they agree: with short
 * lifetimes a Child SA rekey can land between the two reads, which is not a mismatch.
 */
async function agreeingViews(what: string, a: IkedProcess, b: IkedProcess, ikeSpiI: string): Promise<{ sa: OurSa; sb: OurSa }> {
  return waitUntil(what, 8_000, async () => {
    const sa = (await a.showSa()).find((x) => x.ikeSpiI === ikeSpiI);
    const sb = (await b.showSa()).find((x) => x.ikeSpiI === ikeSpiI);
    return sa && sb && agree(sa, sb) ? { sa, sb } : null;
  });
}

async function pair(prefix: string, ike: string, esp: string, auth: Auth, extra = ''): Promise<{ a: IkedProcess; b: IkedProcess; done: () => Promise<void> }> {
  const topo = await makeTwoHosts(prefix);
  const { a: A, b: B } = topo;
  const pki = auth.kind === 'cert' ? makePki(auth.keyType, ['a.test', 'b.test']) : undefined;
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  try {
    b = await IkedProcess.start({
      ns: B.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: false, local: B.addr, peer: A.addr, localLan: B.lan, remoteLan: A.lan, ike, esp, srcid: 'b.test', dstid: 'a.test', auth, extra }),
      env: pki ? { IKED_DIR: ikedDirFor(pki, 'b.test') } : undefined,
    });
    a = await IkedProcess.start({
      ns: A.ns,
      repoRoot: REPO,
      conf: ikedConf({ active: true, local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike, esp, srcid: 'a.test', dstid: 'b.test', auth, extra }),
      env: pki ? { IKED_DIR: ikedDirFor(pki, 'a.test') } : { IKED_RETRANSMIT_MS: '500', IKED_RETRANSMIT_TRIES: '3' },
    });
  } catch (e) {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
    throw e;
  }
  const done = async (): Promise<void> => {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
  };
  return { a, b, done };
}

test('iked <-> iked matrix', { timeout: 300_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const cases: { ike: (typeof IKE_PROPOSALS)[number]; esp: (typeof ESP_PROPOSALS)[number]; auth: Auth }[] = [
    ...IKE_PROPOSALS.map((ike, i) => ({ ike, esp: ESP_PROPOSALS[i], auth: { kind: 'psk' } as Auth })),
    { ike: IKE_PROPOSALS[0], esp: ESP_PROPOSALS[0], auth: { kind: 'cert', keyType: 'ecdsa' } },
    { ike: IKE_PROPOSALS[1], esp: ESP_PROPOSALS[1], auth: { kind: 'cert', keyType: 'rsa' } },
  ];
  let n = 0;
  for (const c of cases) {
    const label = `${c.auth.kind === 'psk' ? 'PSK' : `${c.auth.keyType.toUpperCase()} certificates`}, IKE ${c.ike.label}, ESP ${c.esp.label}`;
    await t.test(label, { timeout: 60_000 }, async () => {
      const { a, b, done } = await pair(`iio${++n}`, c.ike.iked, c.esp.iked, c.auth);
      try {
        const sa = await oursEstablished(a);
        const sb = await oursEstablished(b);
        assertPair(sa, sb);
      } finally {
        await done();
      }
    });
  }
});

test('iked <-> iked: rekeys by lifetime, delete by each side', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const { a, b, done } = await pair('iiol', IKE_PROPOSALS[2].iked, `${ESP_PROPOSALS[2].iked} group curve25519`, { kind: 'psk' }, 'ikelifetime 12 lifetime 6');
  try {
    const first = await oursEstablished(a);
    await t.test('Child SA rekeyed with PFS, both sides agree', async () => {
      const sa = await waitUntil('a Child SA rekey', 20_000, async () => {
        const s = (await a.showSa())[0];
        return s && s.children.length === 1 && s.children[0].spiIn !== first.children[0].spiIn ? s : null;
      });
      const sb = await waitUntil('b to agree', 5_000, async () => {
        const s = (await b.showSa()).find((x) => x.ikeSpiI === sa.ikeSpiI);
        return s && s.children.length === 1 && s.children[0].spiOut === sa.children[0].spiIn ? s : null;
      });
      assertPair(sa, sb);
      assert.equal(sa.children[0].dh, 'CURVE25519');
    });
    await t.test('IKE SA rekeyed, children move, both sides agree', async () => {
      const sa = await waitUntil('an IKE SA rekey', 25_000, async () => {
        const sas = await a.showSa();
        return sas.length === 1 && sas[0].ikeSpiI !== first.ikeSpiI && sas[0].state === 'ESTABLISHED' && sas[0].children.length === 1 ? sas[0] : null;
      });
      const views = await agreeingViews('both sides to agree on the rekeyed IKE SA', a, b, sa.ikeSpiI);
      assertPair(views.sa, views.sb);
      await waitUntil('b to hold only the new IKE SA', 5_000, async () => (await b.showSa()).length === 1);
    });
    await t.test('the responder deletes the IKE SA; the active side re-establishes', async () => {
      const before = (await a.showSa())[0];
      const r = await b.ikectl(['reset', 'sa']);
      assert.equal(r.code, 0, r.stderr);
      await a.waitForLog(/deleted by peer/, 10_000);
      const again = await oursEstablished(a, (s) => s.ikeSpiI !== before.ikeSpiI);
      assert.notEqual(again.ikeSpiI, before.ikeSpiI);
    });
  } finally {
    await done();
  }
});

test('iked <-> iked, post-quantum: x25519 + ML-KEM-768 (IKE_INTERMEDIATE), a PPK, Child SA and IKE SA rekeys with ML-KEM (IKE_FOLLOWUP_KE)', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const ike = 'enc aes-256-gcm prf hmac-sha2-384 group curve25519 ke1 mlkem768';
  const esp = 'enc aes-128-gcm group curve25519 ke1 mlkem768';
  const { a, b, done } = await pair('iiopq', ike, esp, { kind: 'psk' }, 'ikelifetime 14 lifetime 7 ppk "pq-ppk" 0x8f3a61d2b0c94e17a5d6c3b2e1f0a9887766554433221100ffeeddccbbaa9988 required');
  try {
    const first = await oursEstablished(a);
    const fb = await oursEstablished(b);
    assertPair(first, fb);
    assert.deepEqual(first.addKe, ['ML_KEM_768']);
    assert.match((await a.ikectl(['show', 'sa'])).stdout, /ke1 ML_KEM_768/);
    assert.match((await a.ikectl(['show', 'sa'])).stdout, /ppk yes/);
    const child = await waitUntil('a Child SA rekey with ML-KEM', 20_000, async () => {
      const s = (await a.showSa())[0];
      return s && s.children.length === 1 && s.children[0].spiIn !== first.children[0].spiIn ? s : null;
    });
    assert.deepEqual(child.children[0].addKe, ['ML_KEM_768']);
    const ikeRekeyed = await waitUntil('an IKE SA rekey with ML-KEM', 25_000, async () => {
      const sas = await a.showSa();
      return sas.length === 1 && sas[0].ikeSpiI !== first.ikeSpiI && sas[0].state === 'ESTABLISHED' && sas[0].children.length === 1 ? sas[0] : null;
    });
    const views = await agreeingViews('both sides to agree on the rekeyed IKE SA', a, b, ikeRekeyed.ikeSpiI);
    assertPair(views.sa, views.sb);
    assert.deepEqual(ikeRekeyed.addKe, ['ML_KEM_768']);
  } finally {
    await done();
  }
});

test('iked <-> iked: raw public keys (RFC 7670) from pubkeys/fqdn/', { timeout: 60_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, mkdirSync, writeFileSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const keys: Record<string, { priv: string; pub: string }> = {};
  for (const n of ['a.test', 'b.test']) {
    const priv = execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], { encoding: 'utf8' });
    const pub = execFileSync('openssl', ['pkey', '-pubout'], { input: priv, encoding: 'utf8' });
    keys[n] = { priv, pub };
  }
  const dirFor = (self: string, peer: string): string => {
    const d = mkdtempSync(join(tmpdir(), `iked-raw-${self}-`));
    mkdirSync(join(d, 'private'), { mode: 0o700 });
    mkdirSync(join(d, 'pubkeys', 'fqdn'), { recursive: true });
    writeFileSync(join(d, 'private', 'local.key'), keys[self].priv, { mode: 0o600 });
    chmodSync(join(d, 'private', 'local.key'), 0o600);
    writeFileSync(join(d, 'pubkeys', 'fqdn', peer), keys[peer].pub);
    return d;
  };
  const topo = await makeTwoHosts('iior');
  let a: IkedProcess | undefined;
  let b: IkedProcess | undefined;
  try {
    const { a: A, b: B } = topo;
    const conf = (self: string, peer: string, l: string, r: string, loc: string, rem: string, active: boolean): string =>
      ikedConf({ active, local: loc, peer: rem, localLan: l, remoteLan: r, ike: IKE_PROPOSALS[0].iked, esp: ESP_PROPOSALS[0].iked, srcid: self, dstid: peer, auth: { kind: 'cert', keyType: 'ecdsa' } });
    b = await IkedProcess.start({ ns: B.ns, repoRoot: REPO, conf: conf('b.test', 'a.test', B.lan, A.lan, B.addr, A.addr, false), env: { IKED_DIR: dirFor('b.test', 'a.test') } });
    a = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: conf('a.test', 'b.test', A.lan, B.lan, A.addr, B.addr, true), env: { IKED_DIR: dirFor('a.test', 'b.test') } });
    const sa = await oursEstablished(a).catch((e) => {
      throw new Error(`${(e as Error).message}\n--- a ---\n${a!.log()}\n--- b ---\n${b!.log()}`);
    });
    assertPair(sa, await oursEstablished(b));
  } finally {
    await a?.stop();
    await b?.stop();
    await topo.cleanup();
  }
});
