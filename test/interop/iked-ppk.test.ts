/**
 * Interop, RFC 8784 post-quantum preshared keys: our iked against strongSwan 5.9.8's
 * charon (swanctl ppk_id / ppk_required and a `ppk` secret), each in its own namespace.
 * Both roles, mandatory and optional PPK, the NO_PPK_AUTH fallback each way (a PPK_ID
 * the responder does not have), and a wrong PPK refused with the reason in both logs.
 * Both sides must report the same IKE and Child SPIs; charon installs the Child SA
 * (whose keys come from SK_d': traffic would prove it, but this host has no ESP).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interopAvailable } from './lib/netns';
import { compareSa } from './lib/iked-process';
import { ppkSecretsConf } from './lib/swanctl-conf';
import { REPO, IKE_PROPOSALS, ESP_PROPOSALS, Auth, Pki, ikedConf, swanConf, makePki, ikedDirFor, oursEstablished, theirsEstablished, waitUntil, makeTwoHosts, Charon, IkedProcess } from './lib/scenario';

const skip = interopAvailable();

const KEY = 'c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc';
const OTHER_KEY = 'deadbeef00112233445566778899aabbccddeeff00112233445566778899aabb';

interface OurPpk {
  id: string;
  hex: string;
  required: boolean;
}

interface TheirPpk {
  /** connections.t.ppk_id (a charon initiator needs it to use a PPK; a responder may go without). */
  ppkId?: string;
  required: boolean;
  secrets: { id: string; hex: string }[];
}

interface Case {
  name: string;
  role: 'initiator' | 'responder'; // ours
  ours: OurPpk;
  theirs: TheirPpk;
  expect: 'ppk' | 'no-ppk' | 'refused';
  /** PSK (default) or ECDSA certificates: NO_PPK_AUTH then carries a signature. */
  auth?: Auth;
  /** what our log and charon's log must say */
  ourLog?: RegExp;
  theirLog?: RegExp;
}

function ourConf(c: Case, A: { addr: string; lan: string }, B: { addr: string; lan: string }): string {
  const auth = c.auth ?? { kind: 'psk' };
  const ppk = `ppk "${c.ours.id}" 0x${c.ours.hex}${c.ours.required ? ' required' : ''}`;
  return ikedConf({ active: c.role === 'initiator', local: A.addr, peer: B.addr, localLan: A.lan, remoteLan: B.lan, ike: IKE_PROPOSALS[0].iked, esp: ESP_PROPOSALS[0].iked, srcid: 'a.test', dstid: 'b.test', auth, extra: ppk });
}

function theirConf(c: Case, A: { addr: string; lan: string }, B: { addr: string; lan: string }): string {
  const extraConn = [`ppk_required = ${c.theirs.required ? 'yes' : 'no'}`];
  if (c.theirs.ppkId) extraConn.push(`ppk_id = ${c.theirs.ppkId}`);
  const conf = swanConf({ local: B.addr, remote: A.addr, localLan: B.lan, remoteLan: A.lan, ike: IKE_PROPOSALS[0].swan, esp: ESP_PROPOSALS[0].swan, localId: 'b.test', remoteId: 'a.test', auth: c.auth ?? { kind: 'psk' }, extraConn });
  return conf + ppkSecretsConf(c.theirs.secrets);
}

let serial = 0;

async function runCase(c: Case, pki: Pki): Promise<void> {
  const certs = c.auth?.kind === 'cert';
  const topo = await makeTwoHosts(`ppk${++serial}`);
  let iked: IkedProcess | undefined;
  let charon: Charon | undefined;
  try {
    const { a: A, b: B } = topo;
    const files = certs ? { x509ca: { 'ca.crt': pki.ca }, x509: { 'local.crt': pki.cert('b.test') }, private: { 'local.key': pki.key('b.test') } } : undefined;
    charon = await Charon.start({ ns: B.ns, name: 'b', swanctlConf: theirConf(c, A, B), files, logLevels: { default: 1, ike: 2, knl: 1, cfg: 2 } });
    await charon.loadAll();
    const env = certs ? { IKED_DIR: ikedDirFor(pki, 'a.test') } : undefined;
    iked = await IkedProcess.start({ ns: A.ns, repoRoot: REPO, conf: ourConf(c, A, B), env, extraArgs: ['-vv'] });
    const logs = (): string => `\n--- iked ---\n${iked!.log().split('\n').slice(-30).join('\n')}\n--- charon ---\n${charon!.log().split('\n').slice(-40).join('\n')}`;
    const initiate = c.role === 'responder' ? charon.initiate('net', 't') : null;
    if (c.expect === 'refused') {
      await waitUntil('the refusal in both logs', 20_000, async () => (c.ourLog!.test(iked!.log()) && c.theirLog!.test(charon!.log()) ? true : null)).catch((e) => {
        throw new Error(`${(e as Error).message}${logs()}`);
      });
      if (initiate) assert.notEqual((await initiate).code, 0, 'charon reports the failed initiation');
      assert.equal((await charon.listSas()).filter((s) => s.state === 'ESTABLISHED').length, 0, 'charon has no IKE SA');
      assert.equal((await iked.showSa()).filter((s) => s.state === 'ESTABLISHED').length, 0, 'we have no IKE SA');
      return;
    }
    if (initiate) {
      const r = await initiate;
      assert.equal(r.code, 0, `charon initiate failed:\n${r.out}${logs()}`);
    }
    const mine = await oursEstablished(iked).catch((e) => {
      throw new Error(`${(e as Error).message}${logs()}`);
    });
    const theirs = await theirsEstablished(charon);
    const diff = compareSa(mine, theirs, { initiator: c.role === 'initiator' ? 'ours' : 'theirs', nat: 'ignore' });
    assert.deepEqual(diff, [], `SA mismatch:\n${diff.join('\n')}${logs()}`);
    assert.equal(theirs.children[0].state, 'INSTALLED', 'charon installed the Child SA');
    const used = c.expect === 'ppk';
    assert.equal((mine as unknown as { ppk?: boolean }).ppk, used, `ikectl show sa: ppk ${used ? 'yes' : 'no'}`);
    const show = await iked.ikectl(['show', 'sa']);
    assert.match(show.stdout, used ? / ppk yes/ : / ppk no/);
    if (used) assert.match(charon.log(), new RegExp(`using PPK for PPK_ID '${c.ours.id}'`), `charon used the PPK${logs()}`);
    else assert.doesNotMatch(charon.log(), /using PPK for PPK_ID/, 'charon did not use a PPK');
    if (c.ourLog) assert.match(iked.log(), c.ourLog, logs());
    if (c.theirLog) assert.match(charon.log(), c.theirLog, logs());
    for (const form of [KEY, Buffer.from(KEY, 'hex').toString('base64')]) {
      assert.ok(!iked.log().includes(form) && !show.stdout.includes(form), 'the PPK is not in our -vv log or ikectl output');
    }
  } finally {
    await iked?.stop();
    await charon?.stop();
    await topo.cleanup();
  }
}

const same = (required: boolean): TheirPpk => ({ ppkId: 'ppk-x', required, secrets: [{ id: 'ppk-x', hex: KEY }] });

const cases: Case[] = [];
for (const role of ['initiator', 'responder'] as const) {
  for (const required of [true, false]) {
    cases.push({
      name: `ours as ${role}, ${required ? 'mandatory' : 'optional'} PPK on both sides: the PPK is used`,
      role,
      ours: { id: 'ppk-x', hex: KEY, required },
      theirs: same(required),
      expect: 'ppk',
      ourLog: role === 'initiator' ? /PPK in use \(RFC 8784\)/ : /using PPK for PPK_ID 'ppk-x'/,
    });
  }
}
cases.push(
  {
    name: 'ours as initiator, optional PPK_ID charon lacks: charon checks our NO_PPK_AUTH, no PPK',
    role: 'initiator',
    // charon as responder: no ppk_id on the connection, a PPK for another id only
    ours: { id: 'ppk-unknown', hex: KEY, required: false },
    theirs: { required: false, secrets: [{ id: 'ppk-x', hex: KEY }] },
    expect: 'no-ppk',
    ourLog: /the responder did not use the PPK; going on without it/,
    theirLog: /no PPK for 'ppk-unknown' found, ignored because PPK is not required[\s\S]*no PPK available, using NO_PPK_AUTH notify/,
  },
  {
    name: "ours as responder, charon's optional PPK_ID we lack: we check charon's NO_PPK_AUTH, no PPK",
    role: 'responder',
    ours: { id: 'ppk-other', hex: KEY, required: false },
    theirs: same(false),
    expect: 'no-ppk',
    ourLog: /no PPK for PPK_ID 'ppk-x', authenticating with NO_PPK_AUTH/,
    theirLog: /peer didn't use PPK for PPK_ID 'ppk-x'/,
  },
  {
    name: 'ours as initiator, wrong PPK (same id, another key): charon refuses our AUTH',
    role: 'initiator',
    ours: { id: 'ppk-x', hex: OTHER_KEY, required: true },
    theirs: same(true),
    expect: 'refused',
    ourLog: /IKE_AUTH failed: AUTHENTICATION_FAILED/,
    theirLog: /tried 1 shared key for 'b\.test' - 'a\.test', but MAC mismatched/,
  },
  {
    name: "ours as responder, wrong PPK (same id, another key): we refuse charon's AUTH",
    role: 'responder',
    ours: { id: 'ppk-x', hex: OTHER_KEY, required: false },
    theirs: same(false),
    expect: 'refused',
    ourLog: /using PPK for PPK_ID 'ppk-x'[\s\S]*pre-shared key mismatch/,
    theirLog: /received AUTHENTICATION_FAILED notify error/,
  },
  {
    name: 'ours as responder, mandatory PPK, charon without ppk_id: refused, the reason logged',
    role: 'responder',
    ours: { id: 'ppk-x', hex: KEY, required: true },
    theirs: { required: false, secrets: [{ id: 'ppk-x', hex: KEY }] },
    expect: 'refused',
    ourLog: /policy 't' requires a PPK: the peer did not send USE_PPK/,
    theirLog: /received AUTHENTICATION_FAILED notify error/,
  },
  {
    name: 'ECDSA certificates, ours as initiator, mandatory PPK: signatures over SK_pi\' and SK_pr\'',
    role: 'initiator',
    auth: { kind: 'cert', keyType: 'ecdsa' },
    ours: { id: 'ppk-x', hex: KEY, required: true },
    theirs: same(true),
    expect: 'ppk',
    theirLog: /authentication of 'a\.test' with ECDSA/,
  },
  {
    name: 'ECDSA certificates, ours as initiator, PPK_ID charon lacks: charon verifies the signature in our NO_PPK_AUTH',
    role: 'initiator',
    auth: { kind: 'cert', keyType: 'ecdsa' },
    ours: { id: 'ppk-unknown', hex: KEY, required: false },
    theirs: { required: false, secrets: [{ id: 'ppk-x', hex: KEY }] },
    expect: 'no-ppk',
    theirLog: /no PPK available, using NO_PPK_AUTH notify[\s\S]*authentication of 'a\.test' with ECDSA\S* successful/,
  },
  {
    name: "ECDSA certificates, ours as responder, charon's PPK_ID we lack: we verify the signature in charon's NO_PPK_AUTH",
    role: 'responder',
    auth: { kind: 'cert', keyType: 'ecdsa' },
    ours: { id: 'ppk-other', hex: KEY, required: false },
    theirs: same(false),
    expect: 'no-ppk',
    ourLog: /no PPK for PPK_ID 'ppk-x', authenticating with NO_PPK_AUTH/,
    theirLog: /peer didn't use PPK for PPK_ID 'ppk-x'/,
  },
);

test('iked <-> strongSwan RFC 8784 PPK', { timeout: 600_000, concurrency: 1 }, async (t) => {
  if (skip) return t.skip(skip);
  const pki = makePki('ecdsa', ['a.test', 'b.test']);
  for (const c of cases) await t.test(c.name, { timeout: 60_000 }, () => runCase(c, pki));
});
